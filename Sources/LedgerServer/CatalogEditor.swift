import Foundation
import Hummingbird
import LedgerCore
import LedgerStore
import Presentation

/// The data officer's catalog editor: a resource with its data items on one form, validated by the same write path
/// as the API, with each problem shown next to its field; and the workflow buttons (submit, take offline).
struct CatalogEditor {
    let ledger: Ledger
    /// Blank data item rows offered below the existing ones.
    static let blankRows = 3

    func register(on router: Router<LedgerContext>) {
        router.get("/systems/:code/resources/new") { _, context in
            let system = try await ledger.records.fetch(InfoSystem.self, key: try context.parameters.require("code")).record
            let actor = try context.require(.editLedger(unit: system.unitUSCC))
            let blank = CatalogResource(code: "", name: "", systemCode: system.code, summary: "", format: "", shareType: "", updateCycle: "")
            return page(blank, isNew: true, issues: [], actor: actor, context: context)
        }
        router.post("/systems/:code/resources/new") { request, context in
            let system = try await ledger.records.fetch(InfoSystem.self, key: try context.parameters.require("code")).record
            let actor = try context.require(.editLedger(unit: system.unitUSCC))
            let resource = Self.resource(from: try await Form(request), systemCode: system.code)
            return try await save(resource, isNew: true, actor: actor, context: context) { try await ledger.records.create(resource, by: actor) }
        }
        router.get("/resources/:code/edit") { _, context in
            let stored = try await find(context)
            let actor = try context.require(.editLedger(unit: try await ownerUnit(of: stored.record, ledger: ledger)))
            return page(stored.record, isNew: false, issues: [], actor: actor, context: context, version: stored.version)
        }
        router.post("/resources/:code/edit") { request, context in
            let stored = try await find(context)
            let actor = try context.require(.editLedger(unit: try await ownerUnit(of: stored.record, ledger: ledger)))
            let form = try await Form(request)
            let resource = Self.resource(from: form, systemCode: stored.record.systemCode, code: stored.record.code)
            let version = try formVersion(form)
            return try await save(resource, isNew: false, actor: actor, context: context, version: version) {
                try await ledger.records.update(CatalogResource.self, id: stored.id, with: resource, expectedVersion: version, by: actor)
            }
        }
        router.post("/resources/:code/submit") { _, context in
            let stored = try await find(context)
            let actor = try context.require(.editLedger(unit: try await ownerUnit(of: stored.record, ledger: ledger)))
            _ = try await ledger.records.transition(resourceID: stored.id, .submit, reason: nil, expectedVersion: nil, by: actor)
            return Flash.submitted.redirect("/systems/\(stored.record.systemCode)", code: stored.record.code)
        }
    }

    func find(_ context: LedgerContext) async throws -> Stored<CatalogResource> {
        let raw = try context.parameters.require("code")
        return try await ledger.records.fetch(CatalogResource.self, key: raw.removingPercentEncoding ?? raw)
    }

    /// Saves, then goes to the system page; a refused record comes back with every problem at its field.
    func save(
        _ resource: CatalogResource, isNew: Bool, actor: Actor, context: LedgerContext, version: Int? = nil,
        _ write: () async throws -> Stored<CatalogResource>
    ) async throws -> Response {
        do {
            let saved = try await write()
            return Flash.saved.redirect("/systems/\(resource.systemCode)", code: saved.record.code)
        } catch let error as LedgerError where error.kind == .validation {
            return page(
                resource, isNew: isNew, issues: error.details, actor: actor, context: context, status: .unprocessableContent,
                version: version)
        }
    }

    /// The resource a submitted form describes (empty item rows are left out).
    static func resource(from form: Form, systemCode: String, code: String? = nil) -> CatalogResource {
        func text(_ name: String) -> String? { form[name].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 } }
        func number(_ name: String) -> Int64? { text(name).flatMap { Int64($0) } }
        var items: [DataItem] = []
        var row = 0
        while form["items[\(row)].name"] != nil {
            if let name = text("items[\(row)].name") {
                items.append(
                    DataItem(
                        name: name, type: text("items[\(row)].type") ?? "", length: text("items[\(row)].length").flatMap { Int($0) },
                        description: text("items[\(row)].description")))
            }
            row += 1
        }
        var resource = CatalogResource(
            code: code ?? text("code") ?? "", name: text("name") ?? "", systemCode: systemCode, summary: text("summary") ?? "",
            format: text("format") ?? "", formatType: text("formatType"), items: items, shareType: text("shareType") ?? "",
            shareCondition: text("shareCondition"), shareMethod: text("shareMethod"), openToPublic: form["openToPublic"] == "on",
            openType: text("openType"), openCondition: text("openCondition"), updateCycle: text("updateCycle") ?? "",
            publishedOn: text("publishedOn").flatMap(CivilDate.init),
            relatedCodes: (text("relatedCodes") ?? "").split(whereSeparator: { $0 == "," || $0 == "，" || $0 == " " }).map(String.init),
            storageMB: number("storageMB"), records: number("records"), sharedRecords: number("sharedRecords"), openedRecords: number("openedRecords")
        )
        resource.state = .draft
        return resource
    }

    func page(
        _ resource: CatalogResource, isNew: Bool, issues: [ValidationIssue], actor: Actor, context: LedgerContext,
        status: HTTPResponse.Status = .ok, version: Int? = nil
    ) -> Response {
        let codes = ledger.codes
        var form = FieldRows(issues: issues)
        let rows = (resource.items + Array(repeating: DataItem(name: "", type: ""), count: Self.blankRows)).enumerated().map { index, item in
            let types = ([""] + codes.dataTypes.map(\.code)).map {
                "<option value=\"\($0)\"\($0 == item.type ? " selected" : "")>\($0.isEmpty ? "" : "\($0) \(codes.dataType($0)?.name ?? "")")</option>"
            }.joined()
            let row = "第\(index + 1)项"
            return "<tr><td>\(index + 1)</td>"
                + "<td><input name=\"items[\(index)].name\" aria-label=\"\(row)名称\" value=\"\(HTML.escape(item.name))\"></td>"
                + "<td><select name=\"items[\(index)].type\" aria-label=\"\(row)数据类型\">\(types)</select></td>"
                + "<td><input name=\"items[\(index)].length\" aria-label=\"\(row)长度\" size=\"5\""
                + " value=\"\(item.length.map(String.init) ?? "")\"></td>"
                + "<td><input name=\"items[\(index)].description\" aria-label=\"\(row)说明\" size=\"30\""
                + " value=\"\(HTML.escape(item.description ?? ""))\"></td>"
                + "<td>\(form.problems("items[\(index)]"))</td></tr>"
        }.joined()
        let action =
            isNew ? "/systems/\(resource.systemCode)/resources/new" : "/resources/\(resource.code.replacingOccurrences(of: "/", with: "%2F"))/edit"
        var fields = isNew ? form.input("code", "资源代码", resource.code, size: 16) : form.fixed("资源代码", resource.code)
        fields += form.input("name", "资源名称", resource.name) + form.input("summary", "摘要", resource.summary, size: 70)
        fields +=
            form.select("format", "格式", codes.formats.map(\.name), resource.format)
            + form.input("formatType", "格式类型", resource.formatType, size: 16)
        fields += form.select("shareType", "共享类型", codes.shareTypes.map(\.name), resource.shareType)
        fields += form.input("shareCondition", "共享条件 / 不予共享依据", resource.shareCondition, size: 70)
        fields += form.select("shareMethod", "共享方式", codes.shareMethods.map(\.name), resource.shareMethod)
        fields +=
            "<tr><th><label for=\"f-openToPublic\">向社会开放</label></th>"
            + "<td><input type=\"checkbox\" id=\"f-openToPublic\" name=\"openToPublic\"\(resource.openToPublic ? " checked" : "")> "
            + "\(form.problems("openToPublic"))</td></tr>"
        fields +=
            form.select("openType", "开放类型", codes.openTypes.map(\.name), resource.openType)
            + form.input("openCondition", "开放条件", resource.openCondition, size: 70)
        fields += form.select("updateCycle", "更新周期", codes.updateCycles.map(\.name), resource.updateCycle)
        fields += form.input("publishedOn", "发布日期", resource.publishedOn?.description, size: 12)
        fields += form.input("relatedCodes", "关联资源代码", resource.relatedCodes.joined(separator: ", "))
        fields +=
            form.input("records", "结构化记录总数", resource.records.map(String.init), size: 12)
            + form.input("storageMB", "存储量（MB）", resource.storageMB.map(String.init), size: 12)
        fields += form.input("sharedRecords", "已共享记录数", resource.sharedRecords.map(String.init), size: 12)
        fields += form.input("openedRecords", "已开放记录数", resource.openedRecords.map(String.init), size: 12)
        let itemTable = "<table><tr><th>#</th><th>信息项名称</th><th>数据类型</th><th>长度</th><th>说明</th><th></th></tr>\(rows)</table>"
        let summary = form.summary()
        let body = """
            <h1>\(isNew ? "新增信息资源" : "编辑信息资源 \(HTML.escape(resource.code))")（来源系统 \(HTML.escape(resource.systemCode))）</h1>\(summary)
            <form method="post" action="\(HTML.escape(action))">\(WebPage.csrfField(context.csrf))\(WebPage.versionField(version))
            <table class="form">\(fields)</table><h2>信息项</h2>\(itemTable)<button>保存</button></form>
            """
        return WebPage.response(WebPage.shell(title: "信息资源", actor: actor, context: context, body: body), status: status)
    }
}
