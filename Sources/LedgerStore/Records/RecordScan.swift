import Foundation
import GRDB
import LedgerCore

/// Which part of the ledger an export covers.
public enum ExportScope: Sendable {
    case all
    /// One unit with its projects, systems and resources.
    case unit(String)
    /// One system with its unit, projects and resources.
    case system(String)
}

/// One consistent read of the records in a scope, each kind in natural-key order, streamed: what an export writes out
/// (`RecordRepository.scan`).
public protocol RecordScan {
    /// Each record of `type` in the scope; a resource with its data items when `withItems`.
    func forEach<E: StoredEntity>(_ type: E.Type, withItems: Bool, _ body: (E) throws -> Void) throws
    /// Each data item of the resources in the scope, by resource code and then sequence number.
    func forEachDataItem(_ body: (_ resourceCode: String, _ seq: Int, _ item: DataItem) throws -> Void) throws
}

/// The SQLite scan: the scope as a `WHERE` clause per table, read on one snapshot.
struct SQLiteRecordScan: RecordScan {
    let db: Database
    let filters: [String: Filter]

    /// A `WHERE` clause on one table.
    struct Filter {
        var sql: String
        var arguments: StatementArguments
    }

    init(_ scope: ExportScope, in db: Database) throws {
        self.db = db
        switch scope {
        case .all:
            filters = [:]
        case .unit(let uscc):
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM unit WHERE key = ?)", arguments: [uscc]) == true else {
                throw LedgerError.notFound(GovUnit.label, uscc)
            }
            let byUnit = Filter(sql: "WHERE unit_key = ?", arguments: [uscc])
            filters = [
                GovUnit.table: Filter(sql: "WHERE key = ?", arguments: [uscc]), Project.table: byUnit,
                InfoSystem.table: byUnit, CatalogResource.table: byUnit
            ]
        case .system(let code):
            guard let body = try String.fetchOne(db, sql: "SELECT body FROM system WHERE key = ?", arguments: [code]) else {
                throw LedgerError.notFound(InfoSystem.label, code)
            }
            let system = try RecordWriter.decode(InfoSystem.self, body: body)
            let marks = Array(repeating: "?", count: system.projectCodes.count).joined(separator: ", ")
            filters = [
                GovUnit.table: Filter(sql: "WHERE key = ?", arguments: [system.unitUSCC]),
                Project.table: system.projectCodes.isEmpty
                    ? Filter(sql: "WHERE 0", arguments: [])
                    : Filter(sql: "WHERE key IN (\(marks))", arguments: StatementArguments(system.projectCodes)),
                InfoSystem.table: Filter(sql: "WHERE key = ?", arguments: [code]),
                CatalogResource.table: Filter(sql: "WHERE system_key = ?", arguments: [code])
            ]
        }
    }

    private func filter(_ table: String) -> Filter { filters[table] ?? Filter(sql: "", arguments: []) }

    func forEach<E: StoredEntity>(_ type: E.Type, withItems: Bool, _ body: (E) throws -> Void) throws {
        let filter = filter(E.table)
        let rows = try Row.fetchCursor(db, sql: "SELECT id, body FROM \(E.table) \(filter.sql) ORDER BY key", arguments: filter.arguments)
        let decoder = JSONDecoder()
        while let row = try rows.next() {
            var record = try decoder.decode(E.self, from: Data((row["body"] as String).utf8))
            if withItems { record = try SQLiteRows.loadChildren(record, rowID: row["id"], in: db) }
            try body(record)
        }
    }

    func forEachDataItem(_ body: (String, Int, DataItem) throws -> Void) throws {
        let filter = filter(CatalogResource.table)
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT r.key, d.seq, d.name, d.type, d.length, d.description
                FROM data_item d JOIN resource r ON r.id = d.resource_id
                \(filter.sql.replacingOccurrences(of: "WHERE ", with: "WHERE r.")) ORDER BY r.key, d.seq
                """, arguments: filter.arguments)
        while let row = try rows.next() {
            try body(row[0], row[1], DataItem(name: row[2], type: row[3], length: row[4], description: row[5]))
        }
    }
}

extension SQLiteRecords {
    public func scan<T: Sendable>(_ scope: ExportScope, _ body: @escaping @Sendable (any RecordScan) throws -> T) async throws -> T {
        try await database.writer.read { db in try body(try SQLiteRecordScan(scope, in: db)) }
    }

    public func highestKey<E: StoredEntity>(_ type: E.Type, prefix: String) async throws -> String? {
        try await database.writer.read { db in
            try String.fetchOne(
                db, sql: "SELECT max(key) FROM \(E.table) WHERE key LIKE ? ESCAPE '\\'",
                arguments: [
                    prefix.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                        .replacingOccurrences(of: "_", with: "\\_") + "%"
                ])
        }
    }
}
