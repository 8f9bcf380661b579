import Foundation
import LedgerCore
import LedgerStore

/// A record's fields as text, the way its CSV columns show them: the web forms of units, projects and systems are
/// built from the same columns as the import files, so a form accepts exactly what a spreadsheet row does.
public struct RecordField: Sendable {
    /// Dotted path in the record's JSON form (`security.mlpsLevel`), also the form field's name.
    public let path: String
    /// The Chinese label (the CSV header).
    public let label: String
    /// Whether the field holds several values separated by “;”.
    public let isList: Bool
    /// Whether the field holds JSON (a project's change filings).
    public let isJSON: Bool

    init(_ column: CSVColumn) {
        path = column.path
        label = column.header
        isList = column.kind == .list
        isJSON = column.kind == .json
    }
}

public enum RecordText {
    /// The fields of a unit, project or system (resources have their own editor).
    public static func fields<E: StoredEntity>(of type: E.Type) -> [RecordField] {
        kind(of: type)?.columns.map(RecordField.init) ?? []
    }

    /// The allowed values of each field that takes codes, by path (是/否 fields offer both words); for a list field
    /// (`isList`) the values it may hold, separated by “;”.
    public static func choices<E: StoredEntity>(of type: E.Type, codes: CodeLists) -> [String: [String]] {
        guard let kind = kind(of: type) else { return [:] }
        return kind.choices(codes: codes).merging(kind.listChoices(codes: codes)) { first, _ in first }
    }

    /// Each field's text for `record`, by path.
    public static func cells<E: StoredEntity>(of record: E) throws -> [String: String] {
        guard let kind = kind(of: E.self) else { return [:] }
        let object = try CanonicalJSON.decoder.decode(JSONValue.self, from: try CanonicalJSON.encode(record))
        return Dictionary(uniqueKeysWithValues: kind.columns.map { ($0.path, CellCodec.encode(object.value(at: $0.path), as: $0.kind)) })
    }

    /// The record the texts describe (a missing path reads as an empty cell), or every cell that cannot be read
    /// (a word for a number, 是/否 misspelt) as a validation error at its field.
    public static func record<E: StoredEntity>(_ type: E.Type, from cells: [String: String]) throws -> E {
        guard let kind = kind(of: type) else { throw LedgerError(.badRequest, "\(E.label)没有表格字段") }
        var object = JSONValue.object([:])
        var problems: [ValidationIssue] = []
        for column in kind.columns {
            let cell = cells[column.path] ?? ""
            switch CellCodec.decode(cell, as: column.kind) {
            case .success(let value?): object.set(value, at: Substring(column.path))
            case .success(nil): continue
            case .failure(let error):
                problems.append(ValidationIssue(field: column.path, value: cell, rule: error.rule, message: "\(column.header)：\(error.message)"))
            }
        }
        guard problems.isEmpty else { throw LedgerError.invalid(problems) }
        do {
            return try CanonicalJSON.decoder.decode(E.self, from: object.data)
        } catch let error as DecodingError {
            throw LedgerError.invalid([DecodingProblem.issue(for: error)])
        }
    }

    /// The Chinese label of a field of an audited entity (`resource`, `shareType` → 共享类型), for history pages.
    public static func label(entity: String, field: String) -> String? {
        let kinds: [String: RecordKind] = ["unit": .units, "project": .projects, "system": .systems, "resource": .resources]
        if entity == "resource", field == "items" { return "信息项" }
        if entity == "resource", field == "origin" { return "采集来源信息" }
        return kinds[entity]?.columns.first { $0.path == field }?.header
    }

    static func kind<E: StoredEntity>(of type: E.Type) -> RecordKind? {
        switch type {
        case is GovUnit.Type: .units
        case is Project.Type: .projects
        case is InfoSystem.Type: .systems
        default: nil
        }
    }
}
