import Foundation
import Hummingbird
import Interchange
import LedgerCore
import LedgerStore
import Presentation

/// The ledger forms of units, projects and systems: one field per import column (same labels, same 是/否 and
/// “;” lists), saved through the same write path as the API and the import, with each problem at its field.
/// A data officer creates and edits the projects and systems of the own unit; units are the admin's.
struct LedgerForms {
    let ledger: Ledger

    func register(on router: Router<LedgerContext>) {
        routes(GovUnit.self, path: "units", title: "建设单位")
        routes(Project.self, path: "projects", title: "项目")
        routes(InfoSystem.self, path: "systems", title: "政务信息系统")

        func routes<E: StoredEntity>(_ type: E.Type, path: String, title: String) {
            router.get("/\(path)/new") { request, context in
                var cells: [String: String] = [:]
                let unit = request.uri.formParameters.get("unit") ?? context.actor?.unitUSCC
                if E.self != GovUnit.self { cells["unitUSCC"] = unit ?? "" }
                try context.require(E.self == GovUnit.self ? .manageUnits : .editLedger(unit: unit ?? ""))
                return try page(E.self, path: path, title: title, cells: cells, existing: nil, issues: [], context: context)
            }
            router.post("/\(path)/new") { request, context in
                let cells = Self.cells(E.self, from: try await Form(request))
                let actor = try context.require(E.self == GovUnit.self ? .manageUnits : .editLedger(unit: cells["unitUSCC"] ?? ""))
                return try await save(E.self, path: path, title: title, cells: cells, existing: nil, context: context) { record in
                    try await ledger.records.create(record, by: actor)
                }
            }
            router.get("/\(path)/:code/edit") { _, context in
                let stored = try await find(E.self, context)
                try context.require(.editLedger(unit: try await ownerUnit(of: stored.record, ledger: ledger)))
                return try page(
                    E.self, path: path, title: title, cells: try RecordText.cells(of: stored.record), existing: stored,
                    issues: [], context: context)
            }
            router.post("/\(path)/:code/edit") { request, context in
                let stored = try await find(E.self, context)
                let actor = try context.require(.editLedger(unit: try await ownerUnit(of: stored.record, ledger: ledger)))
                let form = try await Form(request)
                let version = try formVersion(form)
                var cells = Self.cells(E.self, from: form)
                // The key and the unit are not edited here: a record keeps its identity and its owner.
                let current = try RecordText.cells(of: stored.record)
                for fixed in Self.fixedPaths(E.self) { cells[fixed] = current[fixed] }
                return try await save(E.self, path: path, title: title, cells: cells, existing: stored, context: context) { record in
                    try await ledger.records.update(E.self, id: stored.id, with: record, expectedVersion: version, by: actor)
                }
            }
        }
    }

    func find<E: StoredEntity>(_ type: E.Type, _ context: LedgerContext) async throws -> Stored<E> {
        let raw = try context.parameters.require("code")
        return try await ledger.records.fetch(E.self, key: raw.removingPercentEncoding ?? raw)
    }

    /// The key's path, and for projects and systems the owning unit's.
    static func fixedPaths<E: StoredEntity>(_ type: E.Type) -> [String] {
        let key = RecordText.fields(of: E.self).first?.path ?? "code"
        return E.self == GovUnit.self ? [key] : [key, "unitUSCC"]
    }

    /// The posted texts by field path: a multiple choice's ticked values joined by “;” as the import writes them, the
    /// change filings' rows as the JSON array the import reads (rows marked 删除 and empty rows left out).
    static func cells<E: StoredEntity>(_ type: E.Type, from form: Form) -> [String: String] {
        var cells: [String: String] = [:]
        for field in RecordText.fields(of: E.self) {
            cells[field.path] = field.isJSON ? ChangeRows.json(from: form, field.path) : form.all(field.path).joined(separator: ";")
        }
        return cells
    }

    /// Saves, then shows where the record lives; a refused record comes back with every problem at its field.
    func save<E: StoredEntity>(
        _ type: E.Type, path: String, title: String, cells: [String: String], existing: Stored<E>?,
        context: LedgerContext, _ write: (E) async throws -> Stored<E>
    ) async throws -> Response {
        do {
            let stored = try await write(try RecordText.record(E.self, from: cells))
            return Flash.saved.redirect(Self.home(of: stored.record), code: stored.record.naturalKey)
        } catch let error as LedgerError where error.kind == .validation {
            return try page(
                E.self, path: path, title: title, cells: cells, existing: existing, issues: error.details, context: context,
                status: .unprocessableContent)
        }
    }

    /// The page that shows a saved record: a system's own page, a unit's (or a project's unit's) page.
    static func home<E: StoredEntity>(of record: E) -> String {
        switch record {
        case let system as InfoSystem: "/systems/\(system.code)"
        case let project as Project: "/unit?unit=\(project.unitUSCC)#projects"
        default: "/unit?unit=\(record.naturalKey)"
        }
    }

    func page<E: StoredEntity>(
        _ type: E.Type, path: String, title: String, cells: [String: String], existing: Stored<E>?,
        issues: [ValidationIssue], context: LedgerContext, status: HTTPResponse.Status = .ok
    ) throws -> Response {
        let actor = try context.require(.read)
        var form = FieldRows(issues: issues)
        let fixed = existing == nil ? (E.self == GovUnit.self || actor.role != .dataOfficer ? [] : ["unitUSCC"]) : Self.fixedPaths(E.self)
        let options = RecordText.choices(of: E.self, codes: ledger.codes)
        let fields = try RecordText.fields(of: E.self).map { field -> FieldView in
            let value = cells[field.path]
            if fixed.contains(field.path) { return form.fixed(field.path, field.label, value ?? "", keep: true) }
            if let choices = options[field.path] {
                return field.isList
                    ? form.checkboxes(field.path, field.label, choices, ticked: (value ?? "").split(separator: ";").map(String.init))
                    : form.select(field.path, field.label, choices, value)
            }
            if field.isJSON { return form.rows(field.path, field.label, try ChangeRows.view(field.path, value)) }
            if field.isList { return form.input(field.path, field.label, value, size: 50, hint: "多个用“;”分隔") }
            let isDate = field.path.hasSuffix("On") || field.path.hasPrefix("milestones.")
            return isDate ? form.date(field.path, field.label, value) : form.input(field.path, field.label, value)
        }
        let view = RecordFormView(
            heading: existing.map { "编辑\(title) \($0.record.naturalKey) \($0.record.displayName)" } ?? "登记\(title)",
            action: existing.map { "/\(path)/\(pathSegment($0.record.naturalKey))/edit" } ?? "/\(path)/new",
            csrf: context.csrf ?? "", version: existing?.version, fields: fields, summary: form.summary())
        let html = PageTemplates.render(view, "record-form")
        return WebPage.response(WebPage.shell(title: title, actor: actor, context: context, body: html), status: status)
    }
}

/// What a ledger form (unit, project, system) shows.
struct RecordFormView {
    var heading: String
    var action: String
    var csrf: String
    /// The version the form was opened at, posted back to detect a lost update.
    var version: Int?
    var fields: [FieldView]
    var summary: FormSummary?
}

/// A project's change filings (变更记录, Art. 16) as rows of a form — date, what changed, the amount, 备案 and 重新审核
/// — with blank rows to add one and a 删除 box on each, read back into the JSON array the import takes.
enum ChangeRows {
    /// Blank rows offered below the filed ones.
    static let blankRows = 2

    /// The rows of the filings in `value` (a JSON array, as the import reads it), then the blank ones.
    static func view(_ path: String, _ value: String?) throws -> ChangeRowsView {
        // The value is the stored record's, or the one `json(from:)` built from a refused form: none, or a JSON array.
        let filed = try (value ?? "").isEmpty ? [] : JSONDecoder().decode([JSONValue].self, from: Data((value ?? "").utf8))
        let entries = filed.map { entry -> [String: String] in
            guard case .object(let fields) = entry else { return [:] }
            return fields.mapValues { $0.stringValue ?? $0.canonicalText }
        }
        return ChangeRowsView(
            rows: (entries + Array(repeating: [:], count: blankRows)).enumerated().map { index, entry in
                .init(
                    prefix: "\(path)[\(index)]", number: index + 1, date: entry["date"] ?? "", description: entry["description"] ?? "",
                    amount: entry["amountDelta"] ?? "", filed: entry["filed"] == "true", reReviewed: entry["reReviewed"] == "true",
                    removable: index < entries.count)
            })
    }

    /// The filings the rows describe, as a JSON array (`[]` when none); a row without date and content is left out,
    /// and so is a row marked 删除. Values are passed on as typed, for the write path to check.
    static func json(from form: Form, _ path: String) -> String {
        var filings: [JSONValue] = []
        var index = 0
        while form["\(path)[\(index)].date"] != nil, index < 1_000 {
            let name = "\(path)[\(index)]"
            index += 1
            let date = form["\(name).date"] ?? ""
            let description = form["\(name).description"] ?? ""
            if form["\(name).remove"] == "true" || (date.isEmpty && description.isEmpty) { continue }
            let amount = (form["\(name).amountDelta"] ?? "").replacingOccurrences(of: ",", with: "")
            filings.append(
                .object([
                    "date": .string(date), "description": .string(description), "amountDelta": .string(amount.isEmpty ? "0" : amount),
                    "filed": .bool(form["\(name).filed"] == "true"), "reReviewed": .bool(form["\(name).reReviewed"] == "true")
                ]))
        }
        return filings.isEmpty ? "" : JSONValue.array(filings).canonicalText
    }
}

/// A project's change filings as rows of its form (`change-rows.mustache`).
struct ChangeRowsView {
    struct Row {
        /// The field names' prefix (`changes[0]`).
        var prefix: String
        var number: Int
        var date: String
        var description: String
        var amount: String
        var filed: Bool
        var reReviewed: Bool
        /// A filed row has a 删除 box; a blank row does not.
        var removable: Bool
    }

    var rows: [Row]
}
