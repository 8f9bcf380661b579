import Foundation
import Hummingbird
import Interchange
import LedgerCore
import LedgerStore
import Presentation
import Services

/// Web import of CSV, Excel (.xlsx) and JSON files: the upload is checked by a dry run and shown — every refused row
/// with its file, row, column, value, rule and article — before anything is written; the user then confirms, and the
/// import runs again, all or nothing, in one transaction. A data officer may import only the own unit's records.
struct ImportPage {
    let ledger: Ledger

    func register(on router: Router<LedgerContext>) {
        router.get("/import") { _, context in
            let unit = try allowedUnit(context)
            return page("导入台账", ImportView(upload: uploadView(unit: unit), csrf: context.csrf ?? ""), context)
        }
        router.post("/import") { request, context in
            let unit = try allowedUnit(context)
            var request = request
            guard let form = try await MultipartForm.read(&request), !form.files.isEmpty else {
                throw LedgerError(.badRequest, "请选择要导入的文件（.csv、.xlsx 或 .json）")
            }
            let actor = try context.require(.read)
            let id = try await ledger.uploads.save(form.files.map { ($0.filename ?? "", $0.data) }, owner: actor.username)
            let report = try await ledger.uploads.withFiles(id, owner: nil) { files in
                try await Importer(ledger: ledger, actor: actor).run(files: files, dryRun: true, unit: unit)
            }
            let view = ImportView(report: reportView(report, upload: id, committing: false), csrf: context.csrf ?? "")
            return page("导入预检", view, context, status: report.rejectedRows > 0 ? .unprocessableContent : .ok)
        }
        router.get("/import/:id/issues.csv") { _, context in
            let unit = try allowedUnit(context)
            let actor = try context.require(.read)
            let report = try await ledger.uploads.withFiles(try context.parameters.require("id"), owner: actor.username) { files in
                try await Importer(ledger: ledger, actor: actor).run(files: files, dryRun: true, unit: unit)
            }
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
            let report = try await ledger.uploads.withFiles(id, owner: actor.username) { files in
                try await WorkMetrics.shared.time(.importFiles) {
                    try await Importer(ledger: ledger, actor: actor).run(files: files, dryRun: false, unit: unit)
                }
            }
            if report.committed { await ledger.uploads.remove(id) }
            let view = ImportView(report: reportView(report, upload: report.committed ? nil : id, committing: true), csrf: context.csrf ?? "")
            return page("导入结果", view, context, status: report.committed ? .ok : .unprocessableContent)
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

    func uploadView(unit: String?) -> ImportView.Upload {
        ImportView.Upload(
            unitNote: unit.map { "数据专员只能导入本单位（\($0)）的记录。" },
            export: "/export.xlsx" + (unit.map { "?unit=\(queryValue($0))" } ?? ""))
    }

    /// A checked or written import: counts per file, and every problem (errors first) up to a limit, the rest in the
    /// upload's `issues.csv`.
    func reportView(_ report: ImportReport, upload: String?, committing: Bool) -> ImportView.Report {
        let ordered = Self.ordered(report)
        let limit = 1000
        let created = report.files.map(\.created).reduce(0, +)
        let updated = report.files.map(\.updated).reduce(0, +)
        return ImportView.Report(
            committing: committing, committed: report.committed, accepted: report.rejectedRows == 0, rows: report.totalRows,
            rejected: report.rejectedRows, created: created, updated: updated,
            commit: !committing && report.rejectedRows == 0 ? upload.map { "/import/\($0)/commit" } : nil,
            files: report.files.map {
                .init(
                    file: $0.file, kind: $0.kindLabel, encoding: $0.encoding, rows: $0.rows, created: $0.created, updated: $0.updated,
                    unchanged: $0.unchanged, rejected: $0.rejected, hasRejected: $0.rejected > 0)
            },
            errors: ordered.filter { $0.severity == .error }.count, warnings: ordered.filter { $0.severity != .error }.count,
            issues: ordered.prefix(limit).map { issue in
                .init(
                    place: "\(issue.file):\(issue.row)", column: issue.column ?? issue.field,
                    value: issue.value.isEmpty ? "（空）" : issue.value, message: HTML.plainProse(issue.message), rule: issue.rule,
                    article: issue.article.map(ArticleText.chinese) ?? "", isError: issue.severity == .error)
            },
            more: ordered.count > limit ? ordered.count - limit : nil, download: upload.map { "/import/\($0)/issues.csv" })
    }

    /// Every problem, errors first.
    static func ordered(_ report: ImportReport) -> [RowIssue] {
        report.issues.filter { $0.severity == .error } + report.issues.filter { $0.severity != .error }
    }

    func page(_ title: String, _ view: ImportView, _ context: LedgerContext, status: HTTPResponse.Status = .ok) -> Response {
        guard let actor = context.actor else { return Response(status: .unauthorized) }
        let html = PageTemplates.render(view, "import")
        return WebPage.response(WebPage.shell(title: title, actor: actor, context: context, body: html, path: "/import"), status: status)
    }
}

/// What the import page shows: the upload form, or a checked (or written) import's report.
struct ImportView {
    struct Upload {
        var unitNote: String?
        var export: String
    }

    struct File {
        var file: String
        var kind: String
        var encoding: String
        var rows: Int
        var created: Int
        var updated: Int
        var unchanged: Int
        var rejected: Int
        var hasRejected: Bool
    }

    struct Issue {
        var place: String
        var column: String
        var value: String
        var message: String
        /// The rule's id, shown only as a tooltip.
        var rule: String
        var article: String
        var isError: Bool
    }

    struct Report {
        /// The answer to 确认导入 (else to 预检).
        var committing: Bool
        var committed: Bool
        var accepted: Bool
        var rows: Int
        var rejected: Int
        var created: Int
        var updated: Int
        /// Where 确认导入 posts, when the check passed.
        var commit: String?
        var files: [File]
        var errors: Int
        var warnings: Int
        var issues: [Issue]
        /// Problems not shown (`nil` for none), and where all of them download.
        var more: Int?
        var download: String?
    }

    var upload: Upload?
    var report: Report?
    var csrf: String

    init(upload: Upload, csrf: String) { (self.upload, report, self.csrf) = (upload, nil, csrf) }
    init(report: Report, csrf: String) { (upload, self.report, self.csrf) = (nil, report, csrf) }
}
