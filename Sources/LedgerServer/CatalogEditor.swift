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
            let form = try await Form(request)
            var posted = Self.resource(from: form, systemCode: system.code)
            if posted.resource.code.isEmpty, let classification = posted.classification, posted.issues.isEmpty {
                posted.resource.code = try await nextCode(classification)
            }
            return try await save(posted, isNew: true, more: form["_more"] != nil, actor: actor, context: context) { resource in
                try await ledger.records.create(resource, by: actor)
            }
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
            let posted = Self.resource(from: form, systemCode: stored.record.systemCode, code: stored.record.code)
            let version = try formVersion(form)
            return try await save(posted, isNew: false, more: form["_more"] != nil, actor: actor, context: context, version: version) {
                try await ledger.records.update(CatalogResource.self, id: stored.id, with: $0, expectedVersion: version, by: actor)
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

    /// The next free code under a classification: its highest sequence number in use plus one.
    func nextCode(_ classification: String) async throws -> String {
        let highest = try await ledger.records.highestKey(CatalogResource.self, prefix: classification + "/")
        let next = (highest.flatMap { Int($0.suffix(6)) } ?? 0) + 1
        guard next <= 999_999 else { throw LedgerError(.conflict, "分类 \(classification) 下的顺序号已用完（最多 999999）") }
        return classification + "/" + String(format: "%06d", next)
    }

    /// Saves, then goes to the system page. A form with problems of its own (a length that is no number), a refused
    /// record, or a request for another data item row comes back with what was typed and every problem at its field.
    func save(
        _ posted: PostedResource, isNew: Bool, more: Bool, actor: Actor, context: LedgerContext, version: Int? = nil,
        _ write: (CatalogResource) async throws -> Stored<CatalogResource>
    ) async throws -> Response {
        let resource = posted.resource
        if more || !posted.issues.isEmpty {
            let status: HTTPResponse.Status = posted.issues.isEmpty ? .ok : .unprocessableContent
            return page(
                resource, isNew: isNew, issues: posted.issues, actor: actor, context: context, status: status, version: version,
                blankRows: more ? posted.blankRows + 1 : Self.blankRows, classification: posted.classification)
        }
        do {
            let saved = try await write(resource)
            return Flash.saved.redirect("/systems/\(resource.systemCode)", code: saved.record.code)
        } catch let error as LedgerError where error.kind == .validation {
            return page(
                resource, isNew: isNew, issues: error.details, actor: actor, context: context, status: .unprocessableContent,
                version: version, classification: posted.classification)
        }
    }

    /// What a submitted form says: the resource, the problems found before any rule is applied (a number or date that
    /// is none), the classification picked for a new code, and how many blank item rows the form had.
    struct PostedResource {
        var resource: CatalogResource
        var issues: [ValidationIssue]
        var classification: String?
        var blankRows: Int
    }

    /// The resource a submitted form describes: rows marked 删除 and empty rows are left out; a new resource's code
    /// is its classification and sequence number (the sequence left for `nextCode` when blank).
    static func resource(from form: Form, systemCode: String, code: String? = nil) -> PostedResource {
        var issues: [ValidationIssue] = []
        func text(_ name: String) -> String? { form[name].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 } }
        func number<T: FixedWidthInteger>(_ name: String, _ label: String) -> T? {
            guard let typed = text(name) else { return nil }
            guard let value = T(typed.replacingOccurrences(of: ",", with: "")), value >= 0 else {
                issues.append(
                    ValidationIssue(
                        field: name, value: typed, rule: "field.number",
                        message: "\(label)“\(typed)”不是数字，请填写阿"
                            + "拉伯数字（如 20）"))
                return nil
            }
            return value
        }
        var items: [DataItem] = []
        var row = 0
        var blank = 0
        while form["items[\(row)].name"] != nil, row < FieldLimits.maxItems {
            let prefix = "items[\(row)]"
            if let name = text("\(prefix).name"), form["\(prefix).remove"] == nil {
                items.append(
                    DataItem(
                        name: name, type: text("\(prefix).type") ?? "", length: number("\(prefix).length", "第\(row + 1)项的长度"),
                        description: text("\(prefix).description")))
            } else if text("\(prefix).name") == nil {
                blank += 1
            }
            row += 1
        }
        let publishedOn = text("publishedOn").flatMap { typed -> CivilDate? in
            guard let day = CivilDate(typed) else {
                issues.append(
                    ValidationIssue(
                        field: "publishedOn", value: typed, rule: "field.date",
                        message: "发布日期“\(typed)”不是"
                            + "有效日期"))
                return nil
            }
            return day
        }
        let classification = text("classification").flatMap { $0.count == 6 && $0.allSatisfy { $0.isASCII && $0.isNumber } ? $0 : nil }
        var newCode = code ?? text("code") ?? ""
        if code == nil, newCode.isEmpty, let classification, let sequence = text("sequence") {
            if let value: Int = number("sequence", "顺序号"), (1...999_999).contains(value) {
                newCode = classification + "/" + String(format: "%06d", value)
            } else if issues.last?.field != "sequence" {
                issues.append(ValidationIssue(field: "sequence", value: sequence, rule: "field.range", message: "顺序号应在1至999999之间"))
            }
        }
        var resource = CatalogResource(
            code: newCode, name: text("name") ?? "", systemCode: systemCode, summary: text("summary") ?? "",
            format: text("format") ?? "", formatType: text("formatType"), items: items, shareType: text("shareType") ?? "",
            shareCondition: text("shareCondition"), shareMethod: text("shareMethod"), openToPublic: form["openToPublic"] == "on",
            openType: text("openType"), openCondition: text("openCondition"), updateCycle: text("updateCycle") ?? "",
            publishedOn: publishedOn,
            relatedCodes: (text("relatedCodes") ?? "").split(whereSeparator: { $0 == "," || $0 == "，" || $0 == " " }).map(String.init),
            storageMB: number("storageMB", "存储量"), records: number("records", "结构化记录总数"),
            sharedRecords: number("sharedRecords", "已共享记录数"), openedRecords: number("openedRecords", "已开放记录数")
        )
        resource.state = .draft
        return PostedResource(resource: resource, issues: issues, classification: classification, blankRows: blank)
    }

    func page(
        _ resource: CatalogResource, isNew: Bool, issues: [ValidationIssue], actor: Actor, context: LedgerContext,
        status: HTTPResponse.Status = .ok, version: Int? = nil, blankRows: Int = Self.blankRows, classification: String? = nil
    ) -> Response {
        let codes = ledger.codes
        var form = FieldRows(issues: issues)
        let blanks = min(max(blankRows, 1), 200)
        let types = [("", "")] + codes.dataTypes.map { ($0.code, "\($0.code) \($0.name)") }
        let rows = (resource.items + Array(repeating: DataItem(name: "", type: ""), count: blanks)).enumerated().map { index, item in
            ResourceFormView.ItemRow(
                prefix: "items[\(index)]", number: index + 1, name: item.name,
                types: types.map { FieldView.Option(value: $0.0, label: $0.1, selected: $0.0 == item.type) },
                length: item.length.map(String.init) ?? "", description: item.description ?? "", removable: index < resource.items.count,
                problems: form.problems("items[\(index)]"))
        }
        let picked = classification ?? (resource.code.count == 13 ? String(resource.code.prefix(6)) : nil)
        var fields: [FieldView] =
            isNew
            ? [
                form.select(
                    "classification", "信息资源分类", codes.classificationSubjects.map(\.code), picked,
                    labels: Dictionary(codes.classificationSubjects.map { ($0.code, "\($0.code) \($0.path)") }, uniquingKeysWith: { a, _ in a })),
                form.input(
                    "sequence", "顺序号", resource.code.count == 13 ? String(resource.code.suffix(6)) : nil, size: 8,
                    hint: "留空则自动编号"),
                form.fixed("code", "资源代码", resource.code.isEmpty ? "保存时由分类和顺序号生成，如 101001/000001" : resource.code)
            ] : [form.fixed("code", "资源代码", resource.code)]
        fields += [
            form.input("name", "资源名称", resource.name), form.input("summary", "摘要", resource.summary, size: 70),
            form.select("format", "格式", codes.formats.map(\.name), resource.format),
            form.input("formatType", "格式类型", resource.formatType, size: 16),
            form.select("shareType", "共享类型", codes.shareTypes.map(\.name), resource.shareType),
            form.input("shareCondition", "共享条件 / 不予共享依据", resource.shareCondition, size: 70),
            form.select("shareMethod", "共享方式", codes.shareMethods.map(\.name), resource.shareMethod),
            form.checkbox("openToPublic", "向社会开放", checked: resource.openToPublic),
            form.select("openType", "开放类型", codes.openTypes.map(\.name), resource.openType),
            form.input("openCondition", "开放条件", resource.openCondition, size: 70),
            form.select("updateCycle", "更新周期", codes.updateCycles.map(\.name), resource.updateCycle),
            form.date("publishedOn", "发布日期", resource.publishedOn?.description),
            form.input("relatedCodes", "关联资源代码", resource.relatedCodes.joined(separator: ", "), hint: "多个用逗号分隔"),
            form.input("records", "结构化记录总数", resource.records.map(String.init), size: 12),
            form.input("storageMB", "存储量（MB）", resource.storageMB.map(String.init), size: 12),
            form.input("sharedRecords", "已共享记录数", resource.sharedRecords.map(String.init), size: 12),
            form.input("openedRecords", "已开放记录数", resource.openedRecords.map(String.init), size: 12)
        ]
        let view = ResourceFormView(
            heading: isNew ? "新增信息资源" : "编辑信息资源 \(resource.code)", system: resource.systemCode,
            action: isNew ? "/systems/\(pathSegment(resource.systemCode))/resources/new" : resourcePath(resource.code) + "/edit",
            csrf: context.csrf ?? "", version: version, fields: fields, items: rows, summary: form.summary())
        let html = PageTemplates.render(view, "resource-form")
        return WebPage.response(WebPage.shell(title: "信息资源", actor: actor, context: context, body: html), status: status)
    }
}

/// What the catalog editor shows: the resource's fields and its data items as rows.
struct ResourceFormView {
    struct ItemRow {
        /// The field names' prefix (`items[0]`).
        var prefix: String
        var number: Int
        var name: String
        var types: [FieldView.Option]
        var length: String
        var description: String
        /// A stored item has a 删除 box; a blank row does not.
        var removable: Bool
        var problems: [FieldView.Problem]
    }

    var heading: String
    var system: String
    var action: String
    var csrf: String
    var version: Int?
    var fields: [FieldView]
    var items: [ItemRow]
    var summary: FormSummary?
}
