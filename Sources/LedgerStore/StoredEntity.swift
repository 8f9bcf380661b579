import Foundation
import LedgerCore

/// How a ledger entity maps to its table: the natural key and name columns, indexed columns for
/// filters, a JSON body holding the whole record, and the references it must find in the database. Nothing here names
/// a database engine: how rows are read and what blocks a deletion is the SQLite implementation's (`SQLiteRows`).
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
    func columnValues(unitOfSystem: (String) throws -> String?) throws -> [String?]
    /// The rows of other tables the record names.
    var references: [RowReference] { get }
    /// The record as stored in `body` (a resource's items live in their own table).
    var storedBody: Self { get }
    /// The data items stored in their own rows (`DataItemRows`), or `nil` for a record without any.
    var childItems: [DataItem]? { get }
    /// Whether the record has data items in their own rows, to read back into a decoded body (`withChildItems`).
    static var hasChildItems: Bool { get }
    /// The record with its data items replaced by `items` (as read back from their rows).
    func withChildItems(_ items: [DataItem]) -> Self
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
    public static var hasChildItems: Bool { false }
    public func withChildItems(_ items: [DataItem]) -> Self { self }
    public func editing(_ stored: Self) throws -> Self { self }
    public func registeringNew() -> Self { self }
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

    /// The issue of a reference to a row that does not exist (either store).
    var missing: ValidationIssue {
        ValidationIssue(
            field: field, value: key, rule: "reference.exists", message: "\(label)“\(key)”不存在，请先登记", severity: severity)
    }
}

/// Why a row may not be deleted while others name it, in words, from the counts of what names it (either store).
enum DeletionBlock {
    /// A unit with projects, systems or data officers' accounts.
    static func unit(projects: Int, systems: Int, accounts: Int) -> String? {
        projects + systems + accounts == 0 ? nil : "该单位仍有\(projects)个项目、\(systems)个系统、\(accounts)个数据专员账号"
    }

    /// A project that systems list.
    static func project(systems: Int) -> String? { systems == 0 ? nil : "仍有\(systems)个系统关联该项目" }

    /// A system with resources, waivers or deregistration applications (a deregistered system's record is kept).
    static func system(resources: Int, waivers: Int, applications: Int) -> String? {
        guard resources + waivers + applications > 0 else { return nil }
        return "该系统仍有\(resources)条信息资源、\(waivers)项检查豁免、\(applications)份注销申请"
            + "（已注销的系统应保留记录）"
    }
}

extension GovUnit: StoredEntity {
    public static let table = "unit"
    public static let columnNames = ["region"]
    public static let filterColumns = ["region": "region"]
    public var displayName: String { name }

    public func columnValues(unitOfSystem: (String) throws -> String?) throws -> [String?] { [region] }

    public var references: [RowReference] {
        parentUSCC.map { [RowReference(field: "parentUSCC", table: "unit", key: $0, label: "上级单位", severity: .warning)] } ?? []
    }

}

extension Project: StoredEntity {
    public static let table = "project"
    public static let columnNames = ["unit_key"]
    public static let filterColumns = ["unit": "unit_key"]
    public var displayName: String { name }

    public func columnValues(unitOfSystem: (String) throws -> String?) throws -> [String?] { [unitUSCC] }

    public var references: [RowReference] {
        [RowReference(field: "unitUSCC", table: "unit", key: unitUSCC, label: "建设单位")]
    }

}

extension InfoSystem: StoredEntity {
    public static let table = "system"
    public static let isSearchable = true
    public static let columnNames = ["unit_key", "status"]
    public static let filterColumns = ["unit": "unit_key", "status": "status"]
    public var displayName: String { name }
    public var searchText: String { [code, name, summary ?? ""].joined(separator: " ") }

    public func columnValues(unitOfSystem: (String) throws -> String?) throws -> [String?] {
        [unitUSCC, status.rawValue]
    }

    public var references: [RowReference] {
        [RowReference(field: "unitUSCC", table: "unit", key: unitUSCC, label: "建设单位")]
            + projectCodes.enumerated().map { RowReference(field: "projectCodes[\($0)]", table: "project", key: $1, label: "项目") }
    }

}

extension CatalogResource: StoredEntity {
    public static let table = "resource"
    public static let isSearchable = true
    public static let columnNames = ["system_key", "unit_key", "share_type", "update_cycle", "state", "format", "format_type"]
    public static let filterColumns = [
        "system": "system_key", "unit": "unit_key", "shareType": "share_type",
        "updateCycle": "update_cycle", "state": "state", "format": "format", "formatType": "format_type"
    ]
    public var displayName: String { name }
    public var searchText: String {
        Self.searchText(code: code, name: name, summary: summary, itemNames: items.map(\.name))
    }

    /// What full-text search looks in: code, name, summary and data item names.
    static func searchText(code: String, name: String, summary: String, itemNames: [String]) -> String {
        ([code, name, summary] + itemNames).joined(separator: " ")
    }

    public func columnValues(unitOfSystem: (String) throws -> String?) throws -> [String?] {
        [systemCode, try unitOfSystem(systemCode) ?? "", shareType, updateCycle, state.rawValue, format, formatType]
    }

    public var references: [RowReference] {
        [RowReference(field: "systemCode", table: "system", key: systemCode, label: "来源系统")]
    }

    public var storedBody: CatalogResource {
        var body = self
        body.items = []
        return body
    }

    public var childItems: [DataItem]? { items }

    public static let hasChildItems = true

    public func withChildItems(_ items: [DataItem]) -> CatalogResource {
        var record = self
        record.items = items
        return record
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
