import Foundation
import Hummingbird
import Interchange
import LedgerCore
import LedgerStore
import Presentation

/// Web import of CSV, Excel (.xlsx) and JSON files: the upload is checked by a dry run and shown — every refused row
/// with its file, row, column, value, rule and article — before anything is written; the user then confirms, and the
/// import runs again, all or nothing, in one transaction. A data officer may import only the own unit's records.
struct ImportPage {
    let ledger: Ledger

    func register(on router: Router<LedgerContext>) {
        router.get("/import") { _, context in
            let unit = try allowedUnit(context)
            return page(title: "导入台账", body: uploadForm(context, unit: unit), context)
        }
        router.post("/import") { request, context in
            let unit = try allowedUnit(context)
            var request = request
            guard let form = try await MultipartForm.read(&request), !form.files.isEmpty else {
                throw LedgerError(.badRequest, "请选择要导入的文件（.csv、.xlsx 或 .json）")
            }
            let actor = try context.require(.read)
            let id = try ledger.uploads.save(form.files.map { ($0.filename ?? "", $0.data) }, owner: actor.username)
            let files = try ledger.uploads.files(id, owner: nil)
            let report = try await Importer(ledger: ledger, actor: actor).run(files: files, dryRun: true, unit: unit)
            return page(title: "导入预检", body: preview(report, id: id, context), context, status: report.rejectedRows > 0 ? .unprocessableContent : .ok)
        }
        router.get("/import/:id/issues.csv") { _, context in
            let unit = try allowedUnit(context)
            let actor = try context.require(.read)
            let files = try ledger.uploads.files(try context.parameters.require("id"), owner: actor.username)
            let report = try await Importer(ledger: ledger, actor: actor).run(files: files, dryRun: true, unit: unit)
            let rows = Self.ordered(report).map { issue in
                [
                    issue.file, issue.row, issue.column ?? "", issue.field, issue.value, ArticleText.inText(issue.message), issue.rule,
                    issue.article.map(ArticleText.chinese) ?? "", issue.severity == .error ? "错误" : "警告"
                ]
            }
            let header = ["文件", "行", "列", "字段", "值", "问题", "规则", "依据", "级别"]
            return download(CSVLine.document([header] + rows), type: "text/csv; charset=utf-8", name: "import-issues.csv")
        }
        router.post("/import/:id/commit") { _, context in
            let unit = try allowedUnit(context)
            let id = try context.parameters.require("id")
            let actor = try context.require(.read)
            let files = try ledger.uploads.files(id, owner: actor.username)
            let report = try await Importer(ledger: ledger, actor: actor).run(files: files, dryRun: false, unit: unit)
            if report.committed { ledger.uploads.remove(id) }
            return page(title: "导入结果", body: result(report, id: id, context), context, status: report.committed ? .ok : .unprocessableContent)
        }
    }

    /// `nil` for an admin (any unit), the own unit for a data officer; others may not import.
    func allowedUnit(_ context: LedgerContext) throws -> String? {
        let actor = try context.require(.read)
        if Permission.manageUnits.allows(actor) { return nil }
        try context.require(.editLedger(unit: actor.unitUSCC ?? ""))
        return actor.unitUSCC
    }

    // MARK: Pages

    func uploadForm(_ context: LedgerContext, unit: String?) -> String {
        """
        <h1>导入台账（CSV / Excel / JSON）</h1>
        <p class="note">可一次上传多个文件：建设单位、项目、政务信息系统、信息资源、信息项，按表头自动识别（Excel 工作簿的每个工作表各为一张表，表头上方可有标题行）。
        CSV 支持 UTF-8（含或不含 BOM）与 GB18030（Excel 中文版“另存为 CSV”）。先预检、列出每一行的问题，确认后才写入；全部通过才会写入，任何一行被拒绝则一行也不写。
        \(unit.map { "数据专员只能导入本单位（\(HTML.escape($0))）的记录。" } ?? "")</p>
        <p>\(WebPage.link("/export.xlsx?template=1", "下载 Excel 导入模板（含下拉代码表）")) ·\
         \(WebPage.link("/export.xlsx" + (unit.map { "?unit=\($0)" } ?? ""), "导出现有台账为 Excel"))</p>
        <form method="post" action="/import" enctype="multipart/form-data">\(WebPage.csrfField(context.csrf))
        <label>选择文件 <input type="file" name="file" multiple accept=".csv,.xlsx,.json,.txt" required></label> <button>\
        预检（不写入）</button></form>
        """
    }

    func preview(_ report: ImportReport, id: String, _ context: LedgerContext) -> String {
        let accepted = report.rejectedRows == 0
        let action =
            accepted
            ? """
            <p class="pass">预检通过：\(report.totalRows) 行均可导入（尚未写入）。</p>
            <form method="post" action="/import/\(id)/commit">\(WebPage.csrfField(context.csrf))<button>确认导入 \(report.totalRows) 行</button></form>
            """
            : """
            <p class="error">预检未通过：\(report.rejectedRows) 行被拒绝，未写入任何数据。请按下表修改文件后重新上传。</p>
            """
        return "<h1>导入预检</h1>" + action + summary(report) + issues(report, upload: id) + "<p>\(WebPage.link("/import", "重新上传"))</p>"
    }

    func result(_ report: ImportReport, id: String, _ context: LedgerContext) -> String {
        let outcome =
            report.committed
            ? "<p class=\"pass\">已导入 \(report.totalRows) 行（新增 \(report.files.map(\.created).reduce(0, +))，"
                + "更新 \(report.files.map(\.updated).reduce(0, +))）。每条变更已记入审计日志。</p>"
            : "<p class=\"error\">导入未完成：确认时台账已有变化，\(report.rejectedRows) 行未通过校验，未写入任何数据。</p>"
        return "<h1>导入结果</h1>" + outcome + summary(report) + issues(report, upload: report.committed ? nil : id)
            + "<p>\(WebPage.link("/", "返回首页")) · \(WebPage.link("/import", "继续导入"))</p>"
    }

    func summary(_ report: ImportReport) -> String {
        WebPage.table(
            ["文件 / 工作表", "类型", "编码", "行数", "新增", "更新", "未变", "拒绝"],
            report.files.map {
                [
                    HTML.escape($0.file), $0.kindLabel, $0.encoding, String($0.rows), String($0.created), String($0.updated), String($0.unchanged),
                    $0.rejected > 0 ? "<span class=\"fail\">\($0.rejected)</span>" : "0"
                ]
            })
    }

    /// Every problem, errors first.
    static func ordered(_ report: ImportReport) -> [RowIssue] {
        report.issues.filter { $0.severity == .error } + report.issues.filter { $0.severity != .error }
    }

    /// Every problem (errors first), shown up to a limit with the count of the rest, which the checked upload's
    /// `issues.csv` lists in full.
    func issues(_ report: ImportReport, upload: String? = nil) -> String {
        guard !report.issues.isEmpty else { return "" }
        let ordered = Self.ordered(report)
        let limit = 1000
        let rows = ordered.prefix(limit).map { issue in
            [
                "\(HTML.escape(issue.file)):\(HTML.escape(issue.row))", HTML.escape(issue.column.map { "\($0)（\(issue.field)）" } ?? issue.field),
                HTML.escape(issue.value.isEmpty ? "（空）" : issue.value),
                "<span class=\"\(issue.severity == .error ? "error" : "note")\">\(HTML.prose(issue.message))</span>",
                "<code>\(HTML.escape(issue.rule))</code>", HTML.escape(issue.article.map(ArticleText.chinese) ?? ""),
                issue.severity == .error ? "错误" : "警告"
            ]
        }
        return "<h2>问题（错误 \(ordered.filter { $0.severity == .error }.count)，警告 \(ordered.filter { $0.severity != .error }.count)）</h2>"
            + WebPage.table(["位置", "列", "值", "问题", "规则", "依据", "级别"], Array(rows))
            + (ordered.count > limit
                ? "<p class=\"note\">另有 \(ordered.count - limit) 条未显示"
                    + (upload.map { "；" + WebPage.link("/import/\($0)/issues.csv", "下载全部问题（CSV）") } ?? "") + "。</p>"
                : "")
    }

    func page(title: String, body: String, _ context: LedgerContext, status: HTTPResponse.Status = .ok) -> Response {
        guard let actor = context.actor else { return Response(status: .unauthorized) }
        return WebPage.response(WebPage.shell(title: title, actor: actor, context: context, body: body, path: "/import"), status: status)
    }
}
