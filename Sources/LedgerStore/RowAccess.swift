import Foundation
import GRDB
import LedgerCore
import PostgresNIO

/// What the write path's checks read of the ledger (`RecordWriter.check`, an import's session) and how a prepared write
/// is applied, on either store. An import's reader of files (`Interchange`) is synchronous, so these are too.
protocol RowAccess {
    /// The stored row of `table` with `key`.
    func storedRow(table: String, key: String) throws -> StoredRow?
    /// The data items of resource row `rowID`, in order.
    func items(ofResource rowID: Int64) throws -> [DataItem]
    /// The unit of the stored system `code`.
    func unit(ofSystem code: String) throws -> String?
    /// The unit that the stored row of `table` with `key` belongs to (a unit's own key).
    func unit(ofRow table: String, key: String) throws -> String?
    /// The row id and unit of the stored resource `key`.
    func resource(_ key: String) throws -> (id: Int64, unit: String)?
    /// Issues for the rows `record` names that are not stored.
    func missingReferences<E: StoredEntity>(_ record: E) throws -> [ValidationIssue]
    /// The stored row `mode` replaces: row `id` for an update, else the row with `record`'s key.
    func existingRow<E: StoredEntity>(for record: E, mode: WriteMode) throws -> RecordWriter.ExistingRow?
    /// Writes `write` for `actor` at `now`; the row id.
    func apply(_ write: PreparedWrite, actor: Actor, now: String) throws -> Int64
    /// Whether a write carries its search text (PostgreSQL's columns), rather than being indexed after the import's last
    /// file (SQLite's FTS5 tables, `SearchBacklog`).
    var indexesOnWrite: Bool { get }
}

/// The write path's reads and writes on a SQLite database.
struct SQLiteRowAccess: RowAccess {
    let db: Database

    func storedRow(table: String, key: String) throws -> StoredRow? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT id, body FROM \(table) WHERE key = ?"), arguments: [key]).map {
            StoredRow(id: $0["id"], body: $0["body"])
        }
    }

    func items(ofResource rowID: Int64) throws -> [DataItem] { try DataItemRows.read(rowID: rowID, in: db) }

    func unit(ofSystem code: String) throws -> String? { try SQLiteRows.unit(ofSystem: code, in: db) }

    func unit(ofRow table: String, key: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT \(table == "unit" ? "key" : "unit_key") FROM \(table) WHERE key = ?"), arguments: [key])
    }

    func resource(_ key: String) throws -> (id: Int64, unit: String)? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT id, unit_key FROM resource WHERE key = ?"), arguments: [key]).map {
            ($0["id"], $0["unit_key"])
        }
    }

    func missingReferences<E: StoredEntity>(_ record: E) throws -> [ValidationIssue] { try SQLiteRows.missingReferences(record, in: db) }

    func existingRow<E: StoredEntity>(for record: E, mode: WriteMode) throws -> RecordWriter.ExistingRow? {
        let row: Row?
        switch mode {
        case .update(let id, _):
            row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT id, key, body, version, updated_at FROM \(E.table) WHERE id = ?"), arguments: [id])
            if row == nil { throw LedgerError.notFound(E.label, String(id)) }
        case .create, .upsert:
            row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT id, key, body, version, updated_at FROM \(E.table) WHERE key = ?"),
                arguments: [record.naturalKey])
        }
        return row.map {
            RecordWriter.ExistingRow(id: $0["id"], key: $0["key"], body: $0["body"], version: $0["version"], updatedAt: $0["updated_at"])
        }
    }

    func apply(_ write: PreparedWrite, actor: Actor, now: String) throws -> Int64 { try write.apply(actor: actor, now: now, in: db) }

    var indexesOnWrite: Bool { false }
}

/// An import's reads and writes on a PostgreSQL connection in a transaction, each query awaited by blocking the calling
/// thread, which must therefore not be one of Swift's cooperative threads (`PostgresRowAccess.onOwnThread`). With
/// `locking`, the rows read are locked as `PostgresRecords` locks them for a write.
struct PostgresRowAccess: RowAccess {
    let connection: PostgresConnection
    let locking: Bool

    /// The row lock a read for a write takes (none on a read-only snapshot).
    private var lock: String { locking ? "FOR UPDATE" : "" }

    func storedRow(table: String, key: String) throws -> StoredRow? {
        try wait { connection in
            var found: StoredRow?
            let rows = try await connection.query("SELECT id, body FROM \(unescaped: table) WHERE key = \(key)", logger: connection.logger)
            for try await (id, body) in rows.decode((Int64, String).self) { found = StoredRow(id: id, body: body) }
            return found
        }
    }

    func items(ofResource rowID: Int64) throws -> [DataItem] {
        try wait { connection in try await PostgresRecords.items(ofResource: rowID, on: connection) }
    }

    func unit(ofSystem code: String) throws -> String? { try unit(ofRow: InfoSystem.table, key: code) }

    func unit(ofRow table: String, key: String) throws -> String? {
        try wait { connection in
            try await connection.column(
                "SELECT \(unescaped: table == "unit" ? "key" : "unit_key") FROM \(unescaped: table) WHERE key = \(key)", as: String.self
            ).first
        }
    }

    func resource(_ key: String) throws -> (id: Int64, unit: String)? {
        try wait { connection in
            var found: (Int64, String)?
            let rows = try await connection.query(
                "SELECT id, unit_key FROM resource WHERE key = \(key) \(unescaped: lock)", logger: connection.logger)
            for try await row in rows.decode((Int64, String).self) { found = row }
            return found
        }
    }

    func missingReferences<E: StoredEntity>(_ record: E) throws -> [ValidationIssue] {
        let share = locking ? "FOR KEY SHARE" : ""
        return try wait { connection in
            var missing: [ValidationIssue] = []
            for reference in record.references {
                let query: PostgresQuery = "SELECT 1 FROM \(unescaped: reference.table) WHERE key = \(reference.key) \(unescaped: share)"
                if try await !connection.exists(query) { missing.append(reference.missing) }
            }
            return missing
        }
    }

    func existingRow<E: StoredEntity>(for record: E, mode: WriteMode) throws -> RecordWriter.ExistingRow? {
        let select = "SELECT id, key, body, version, updated_at FROM \(E.table)"
        let query: PostgresQuery =
            switch mode {
            case .update(let id, _): "\(unescaped: select) WHERE id = \(id) \(unescaped: lock)"
            case .create, .upsert: "\(unescaped: select) WHERE key = \(record.naturalKey) \(unescaped: lock)"
            }
        let row = try wait { connection in try await PostgresRecords.existingRows(query, on: connection).first }
        if case .update(let id, _) = mode, row == nil { throw LedgerError.notFound(E.label, String(id)) }
        return row
    }

    func apply(_ write: PreparedWrite, actor: Actor, now: String) throws -> Int64 {
        try wait { connection in try await PostgresRecords.apply(write, now: now, actor: actor, on: connection) }
    }

    var indexesOnWrite: Bool { true }

    /// Runs `body` on the connection and waits for it.
    func wait<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) throws -> T {
        let result = BlockingResult<T>()
        let connection = connection
        Task {
            result.set(await Result(catching: { try await body(connection) }))
        }
        return try result.get()
    }

    /// Runs `body` on a thread of its own, where it may block on the queries of a `PostgresRowAccess`.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}

/// A result handed from an asynchronous task to a thread that waits for it.
private final class BlockingResult<T: Sendable>: @unchecked Sendable {
    private let ready = DispatchSemaphore(value: 0)
    /// Written once by the task before `ready` is signalled, read after by the waiting thread.
    private var result: Result<T, any Error>?

    func set(_ result: Result<T, any Error>) {
        self.result = result
        ready.signal()
    }

    func get() throws -> T {
        ready.wait()
        guard let result else { throw LedgerError(.busy, "数据库查询未返回结果") }
        return try result.get()
    }
}

extension Result where Failure == any Error {
    /// The result of an asynchronous `body`.
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
