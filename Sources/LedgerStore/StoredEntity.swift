import Foundation
import GRDB
import LedgerCore

/// How a ledger entity maps to its table: the natural key and name columns, indexed columns for
/// filters, a JSON body holding the whole record, and the references it must find in the database.
public protocol StoredEntity: LedgerRecord {
    /// The table name.
    static var table: String { get }
    /// Whether the table has a full-text index (`SearchIndex`) of `displayName` and `searchText`.
    static var isSearchable: Bool { get }
    /// Indexed columns besides `key`, `name` and `body`, in a fixed order.
    static var columnNames: [String] { get }
    /// Filter names accepted by `list`, mapped to their columns.
    static var filterColumns: [String: String] { get }
    /// The name shown in lists.
    var displayName: String { get }
    /// The text full-text search looks in.
    var searchText: String { get }
    /// Values for `columnNames`, read from the record and, where derived, from the unit of a system.
    func columnValues(unitOfSystem: (String) throws -> String?) throws -> [(any DatabaseValueConvertible)?]
    /// The rows of other tables the record names.
    var references: [RowReference] { get }
    /// What still names the row with `key` and so blocks its deletion, in words, or `nil`.
    static func dependents(of key: String, in db: Database) throws -> String?
    /// The record as stored in `body` (a resource's items live in their own table).
    var storedBody: Self { get }
    /// The data items stored in their own rows (`DataItemRows`), or `nil` for a record without any.
    var childItems: [DataItem]? { get }
    /// Reads them back into a decoded body.
    static func loadChildren(into record: inout Self, rowID: Int64, in db: Database) throws
    /// The name and search text of the stored row `rowID` (`nil` when there is none), as the search index holds them.
    static func indexedText(rowID: Int64, in db: Database) throws -> (name: String, text: String)?
    /// The record as registered through the API (a new catalog resource starts as 待提交).
    func registeringNew() -> Self
    /// The record to store when an edit replaces `stored`: keeps what edits may not change (workflow state),
    /// or refuses the edit.
    func editing(_ stored: Self) throws -> Self
}

extension StoredEntity {
    public static var isSearchable: Bool { false }
    public var storedBody: Self { self }
    public var childItems: [DataItem]? { nil }
    public static func loadChildren(into record: inout Self, rowID: Int64, in db: Database) throws {}
    public func editing(_ stored: Self) throws -> Self { self }
    public func registeringNew() -> Self { self }
    public static func indexedText(rowID: Int64, in db: Database) throws -> (name: String, text: String)? {
        guard
            let body = try String.fetchOne(
                db.cachedStatement(sql: "SELECT body FROM \(table) WHERE id = ?"),
                arguments: [rowID])
        else { return nil }
        var record = try RecordWriter.decode(Self.self, body: body)
        try loadChildren(into: &record, rowID: rowID, in: db)
        return (record.displayName, record.searchText)
    }
    public var searchText: String { "\(naturalKey) \(displayName)" }
}

/// A row of another table that a record names in one of its fields, and whether a record naming a missing row is
/// refused (an error) or only warned about.
public struct RowReference: Sendable {
    public var field: String
    public var table: String
    public var key: String
    /// What the row is, in messages (`建设单位`).
    public var label: String
    public var severity: ValidationIssue.Severity = .error
}

extension StoredEntity {
    /// Issues for the rows the record names that do not exist.
    func missingReferences(in db: Database) throws -> [ValidationIssue] {
        try references.compactMap { reference in
            let exists = try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM \(reference.table) WHERE key = ?)"), arguments: [reference.key])
            return exists == true
                ? nil
                : ValidationIssue(
                    field: reference.field, value: reference.key, rule: "reference.exists",
                    message: "\(reference.label)“\(reference.key)”不存在，请先登记",
                    severity: reference.severity)
        }
    }
}

/// A count of rows naming `key`, for deletion checks.
func referencingCount(_ sql: String, key: String, in db: Database) throws -> Int {
    try Int.fetchOne(db.cachedStatement(sql: sql), arguments: [key]) ?? 0
}

extension GovUnit: StoredEntity {
    public static let table = "unit"
    public static let columnNames = ["region"]
    public static let filterColumns = ["region": "region"]
    public var displayName: String { name }

    public func columnValues(unitOfSystem: (String) throws -> String?) throws -> [(any DatabaseValueConvertible)?] { [region] }

    public var references: [RowReference] {
        parentUSCC.map { [RowReference(field: "parentUSCC", table: "unit", key: $0, label: "上级单位", severity: .warning)] } ?? []
    }

    public static func dependents(of key: String, in db: Database) throws -> String? {
        let projects = try referencingCount("SELECT count(*) FROM project WHERE unit_key = ?", key: key, in: db)
        let systems = try referencingCount("SELECT count(*) FROM system WHERE unit_key = ?", key: key, in: db)
        let accounts = try referencingCount("SELECT count(*) FROM account WHERE unit_key = ?", key: key, in: db)
        return projects + systems + accounts == 0 ? nil : "该单位仍有\(projects)个项目、\(systems)个系统、\(accounts)个数据专员账号"
    }
}

extension Project: StoredEntity {
    public static let table = "project"
    public static let columnNames = ["unit_key"]
    public static let filterColumns = ["unit": "unit_key"]
    public var displayName: String { name }

    public func columnValues(unitOfSystem: (String) throws -> String?) throws -> [(any DatabaseValueConvertible)?] { [unitUSCC] }

    public var references: [RowReference] {
        [RowReference(field: "unitUSCC", table: "unit", key: unitUSCC, label: "建设单位")]
    }

    public static func dependents(of key: String, in db: Database) throws -> String? {
        let systems = try referencingCount(
            "SELECT count(*) FROM system, json_each(system.body, '$.projectCodes') WHERE json_each.value = ?",
            key: key, in: db)
        return systems == 0 ? nil : "仍有\(systems)个系统关联该项目"
    }
}

extension InfoSystem: StoredEntity {
    public static let table = "system"
    public static let isSearchable = true
    public static let columnNames = ["unit_key", "status"]
    public static let filterColumns = ["unit": "unit_key", "status": "status"]
    public var displayName: String { name }
    public var searchText: String { [code, name, summary ?? ""].joined(separator: " ") }

    public func columnValues(unitOfSystem: (String) throws -> String?) throws -> [(any DatabaseValueConvertible)?] {
        [unitUSCC, status.rawValue]
    }

    public var references: [RowReference] {
        [RowReference(field: "unitUSCC", table: "unit", key: unitUSCC, label: "建设单位")]
            + projectCodes.enumerated().map { RowReference(field: "projectCodes[\($0)]", table: "project", key: $1, label: "项目") }
    }

    /// The unit of the stored system `code` (a resource's `unit_key`), or `nil` when there is none.
    static func unit(ofSystem code: String, in db: Database) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT unit_key FROM system WHERE key = ?"), arguments: [code])
    }

    public static func dependents(of key: String, in db: Database) throws -> String? {
        let resources = try referencingCount("SELECT count(*) FROM resource WHERE system_key = ?", key: key, in: db)
        let waivers = try referencingCount("SELECT count(*) FROM waiver WHERE system_key = ?", key: key, in: db)
        let applications = try referencingCount("SELECT count(*) FROM deregistration WHERE system_key = ?", key: key, in: db)
        guard resources + waivers + applications > 0 else { return nil }
        return "该系统仍有\(resources)条信息资源、\(waivers)项检查豁免、\(applications)份注销申请（已注销的系统应保留记录）"
    }
}

extension CatalogResource: StoredEntity {
    public static let table = "resource"
    public static let isSearchable = true
    public static let columnNames = ["system_key", "unit_key", "share_type", "update_cycle", "state"]
    public static let filterColumns = [
        "system": "system_key", "unit": "unit_key", "shareType": "share_type",
        "updateCycle": "update_cycle", "state": "state"
    ]
    public var displayName: String { name }
    public var searchText: String {
        Self.searchText(code: code, name: name, summary: summary, itemNames: items.map(\.name))
    }

    /// What full-text search looks in: code, name, summary and data item names.
    static func searchText(code: String, name: String, summary: String, itemNames: [String]) -> String {
        ([code, name, summary] + itemNames).joined(separator: " ")
    }

    public func columnValues(unitOfSystem: (String) throws -> String?) throws -> [(any DatabaseValueConvertible)?] {
        [systemCode, try unitOfSystem(systemCode) ?? "", shareType, updateCycle, state.rawValue]
    }

    public var references: [RowReference] {
        [RowReference(field: "systemCode", table: "system", key: systemCode, label: "来源系统")]
    }

    public static func dependents(of key: String, in db: Database) throws -> String? { nil }

    public var storedBody: CatalogResource {
        var body = self
        body.items = []
        return body
    }

    public var childItems: [DataItem]? { items }

    public static func loadChildren(into record: inout CatalogResource, rowID: Int64, in db: Database) throws {
        record.items = try DataItemRows.read(rowID: rowID, in: db)
    }

    /// Reads the four parts of the text alone (an import indexes every resource it wrote: decoding each was slower).
    public static func indexedText(rowID: Int64, in db: Database) throws -> (name: String, text: String)? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT key, name, json_extract(body, '$.summary') AS summary FROM resource WHERE id = ?"), arguments: [rowID])
        else { return nil }
        let names = try String.fetchAll(
            db.cachedStatement(sql: "SELECT name FROM data_item WHERE resource_id = ? ORDER BY seq"),
            arguments: [rowID])
        let name: String = row["name"]
        return (name, searchText(code: row["key"], name: name, summary: row["summary"] ?? "", itemNames: names))
    }

    public func registeringNew() -> CatalogResource {
        var fresh = self
        fresh.state = .draft
        fresh.returnReason = nil
        return fresh
    }

    public func editing(_ stored: CatalogResource) throws -> CatalogResource {
        guard stored.state.isEditable else {
            throw LedgerError(.conflict, "信息资源处于\(stored.state.rawValue)状态，不能再修改")
        }
        var edited = self
        edited.state = stored.state
        edited.returnReason = stored.returnReason
        return edited
    }
}
