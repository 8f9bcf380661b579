import Foundation
import GRDB
import GRDBSQLite
import LedgerCore

/// One row's write, worked out from a checked record without touching the database: the row's values, its data
/// items, its audit entry's changes and, for a write indexed at once, its search text. `apply` writes it, and is the
/// one place a ledger record's row is written. An import prepares every row on its check pass (on a read snapshot,
/// without the write lock) and applies them on its write pass, which then only executes statements and chains the
/// audit hashes (`WriteSpool`).
struct PreparedWrite: Equatable, Sendable {
    enum Operation: Equatable, Sendable {
        /// A new row.
        case insert
        /// Replaces row `id`, which becomes `version`.
        case update(id: Int64, version: Int)
        /// Replaces the data items of the resource with `key` and adds one to its version (a data-items file).
        case replaceItems
    }

    var operation: Operation
    var table: String
    var key: String
    /// The row's name, indexed columns (`columnNames`, in order, with `values`) and JSON body; unused by `replaceItems`.
    var name = ""
    var columnNames: [String] = []
    var values: [DatabaseValue] = []
    var body = ""
    /// The data items that replace the row's (`nil`: the row has none, or they stay).
    var items: [DataItem]?
    /// The audit entry's action and changes as canonical JSON (`nil`: no entry, as for an update that changed nothing).
    var auditAction: String?
    var auditChanges = ""
    /// The audit entry, linked into the chain ahead of the insert (`nil`: linked when applied, to the chain's end).
    var audit: AuditEntry?
    /// The name and text to index at once; `nil` when the caller indexes later (`SearchBacklog`) or the table has none.
    var search: Search?

    struct Search: Equatable, Sendable {
        var name: String
        var text: String
    }

    /// Writes the row, its data items, its search text and its audit entry inside the caller's transaction; returns
    /// the row id.
    func apply(actor: Actor, now: String, in db: Database) throws -> Int64 {
        let id: Int64
        switch operation {
        case .insert:
            let columns = ["key", "name"] + columnNames + ["body", "version", "updated_at"]
            let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
            try db.cachedStatement(sql: "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(marks))")
                .execute(arguments: StatementArguments([key, name] + values + [body, 1, now]))
            id = db.lastInsertedRowID
        case .update(let rowID, let version):
            let assignments = (["name"] + columnNames + ["body", "version", "updated_at"]).map { "\($0) = ?" }
            try db.cachedStatement(sql: "UPDATE \(table) SET \(assignments.joined(separator: ", ")) WHERE id = ?")
                .execute(arguments: StatementArguments([name] + values + [body, version, now, rowID]))
            id = rowID
        case .replaceItems:
            guard
                let found = try Int64.fetchOne(
                    db.cachedStatement(sql: "SELECT id FROM \(table) WHERE key = ?"),
                    arguments: [key])
            else {
                throw LedgerError.notFound(CatalogResource.label, key)
            }
            try db.cachedStatement(sql: "UPDATE \(table) SET version = version + 1, updated_at = ? WHERE id = ?")
                .execute(arguments: [now, found])
            id = found
        }
        if let items { try DataItemRows.replace(items, rowID: id, in: db) }
        if let search {
            let (index, entry) = (SearchIndex(table: table), SearchIndex.Entry(name: search.name, text: search.text))
            if operation == .insert {
                try index.insert(db, id: id, entry)
            } else {
                try index.replace(db, id: id, entry)
            }
        }
        if let audit {
            try AuditLog.insert(audit, changesJSON: auditChanges, in: db)
        } else if let auditAction {
            try AuditLog.append(db, actor: actor, action: auditAction, entity: table, key: key, changesJSON: auditChanges, at: now)
        }
        return id
    }
}

/// The rows of table `data_item`, a resource's data items in order.
enum DataItemRows {
    /// SQL for the number of items of the resource whose row id is the SQL expression `resourceID`: the number of its
    /// last item, since `replace` numbers them from 1 (one seek, where counting reads every item: a province's million
    /// resources in 1 s rather than 13 s).
    static func count(ofResource resourceID: String) -> String {
        "(SELECT coalesce(max(seq), 0) FROM data_item WHERE resource_id = \(resourceID))"
    }

    /// Replaces the items of resource row `rowID`, numbered from 1. Each item is bound straight through SQLite's
    /// interface (`DirectInsert`): an import writes hundreds of thousands of them under the write lock.
    static func replace(_ items: [DataItem], rowID: Int64, in db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM data_item WHERE resource_id = ?").execute(arguments: [rowID])
        let insert = DirectInsert(
            try db.cachedStatement(
                sql: "INSERT INTO data_item (resource_id, seq, name, type, length, description) VALUES (?, ?, ?, ?, ?, ?)"), in: db)
        for (index, item) in items.enumerated() {
            try insert.run([
                .integer(rowID), .integer(Int64(index + 1)), .text(item.name), .text(item.type),
                item.length.map { .integer(Int64($0)) } ?? .null, item.description.map { .text($0) } ?? .null
            ])
        }
    }

    /// The items of resource row `rowID`, in order.
    static func read(rowID: Int64, in db: Database) throws -> [DataItem] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT name, type, length, description FROM data_item WHERE resource_id = ? ORDER BY seq"),
            arguments: [rowID]
        ).map { DataItem(name: $0["name"], type: $0["type"], length: $0["length"], description: $0["description"]) }
    }
}

/// A prepared statement run with its values bound straight through SQLite's C interface, for the rows an import
/// writes by the hundred thousand: GRDB's general binding (arguments as existentials, observers told of each
/// statement) was most of the cost of such a row. Only for inserts into tables no GRDB observation watches.
struct DirectInsert {
    enum Value {
        case null
        case integer(Int64)
        case text(String)
    }

    private let statement: Statement
    private let db: Database

    init(_ statement: Statement, in db: Database) {
        self.statement = statement
        self.db = db
    }

    /// Binds `values` to the statement's parameters in order and runs it.
    func run(_ values: [Value]) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)  // a failure of the previous run was thrown then; reset reports it again
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32 =
                switch value {
                case .null: sqlite3_bind_null(handle, index)
                case .integer(let number): sqlite3_bind_int64(handle, index, number)
                case .text(let text): text.withCString { sqlite3_bind_text(handle, index, $0, -1, Self.transient) }
                }
            guard code == SQLITE_OK else { throw failure(code) }
        }
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else { throw failure(code) }
    }

    private func failure(_ code: Int32) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
            sql: statement.sql)
    }

    /// SQLite copies the bound text (its `SQLITE_TRANSIENT`).
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
}
