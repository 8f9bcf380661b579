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
    /// Reads the rows of `table` with `keys` ahead of the checks that will ask for them, where reading many at once is
    /// cheaper than one at a time (a PostgreSQL snapshot).
    func prefetch(table: String, keys: [String]) throws
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

    /// Nothing: SQLite reads a row in the process's own memory.
    func prefetch(table: String, keys: [String]) throws {}
}

/// An import's reads and writes on a PostgreSQL connection in a transaction, each query awaited by blocking the calling
/// thread, which must therefore not be one of Swift's cooperative threads (`PostgresRowAccess.onOwnThread`). With
/// `locking`, the rows read are locked as `PostgresRecords` locks them for a write; without, the pass reads a snapshot
/// that does not change under it, and each row is read once, a batch of rows a query (`SnapshotRows`).
struct PostgresRowAccess: RowAccess {
    let connection: PostgresConnection
    let locking: Bool
    private let snapshot: SnapshotRows?

    init(connection: PostgresConnection, locking: Bool) {
        (self.connection, self.locking, snapshot) = (connection, locking, locking ? nil : SnapshotRows())
    }

    /// The row lock a read for a write takes (none on a read-only snapshot).
    private var lock: String { locking ? "FOR UPDATE" : "" }

    func storedRow(table: String, key: String) throws -> StoredRow? {
        if let snapshot { return try snapshot.row(table, key, reading: self).map { StoredRow(id: $0.row.id, body: $0.row.body) } }
        return try wait { connection in
            var found: StoredRow?
            let rows = try await connection.query("SELECT id, body FROM \(unescaped: table) WHERE key = \(key)", logger: connection.logger)
            for try await (id, body) in rows.decode((Int64, String).self) { found = StoredRow(id: id, body: body) }
            return found
        }
    }

    func items(ofResource rowID: Int64) throws -> [DataItem] {
        if let snapshot { return try snapshot.items(ofResource: rowID, reading: self) }
        return try wait { connection in try await PostgresRecords.items(ofResource: rowID, on: connection) }
    }

    func unit(ofSystem code: String) throws -> String? { try unit(ofRow: InfoSystem.table, key: code) }

    func unit(ofRow table: String, key: String) throws -> String? {
        if let snapshot { return try snapshot.row(table, key, reading: self)?.unit }
        return try wait { connection in
            try await connection.column(
                "SELECT \(unescaped: Self.unitColumn(table)) FROM \(unescaped: table) WHERE key = \(key)", as: String.self
            ).first
        }
    }

    func resource(_ key: String) throws -> (id: Int64, unit: String)? {
        if let snapshot { return try snapshot.resource(key, reading: self) }
        return try wait { connection in
            var found: (Int64, String)?
            let rows = try await connection.query(
                "SELECT id, unit_key FROM resource WHERE key = \(key) \(unescaped: lock)", logger: connection.logger)
            for try await row in rows.decode((Int64, String).self) { found = row }
            return found
        }
    }

    func missingReferences<E: StoredEntity>(_ record: E) throws -> [ValidationIssue] {
        if let snapshot {
            return try record.references.filter { try snapshot.row($0.table, $0.key, reading: self) == nil }.map(\.missing)
        }
        return try wait { connection in
            var missing: [ValidationIssue] = []
            for reference in record.references {
                let query: PostgresQuery = "SELECT 1 FROM \(unescaped: reference.table) WHERE key = \(reference.key) FOR KEY SHARE"
                if try await !connection.exists(query) { missing.append(reference.missing) }
            }
            return missing
        }
    }

    func existingRow<E: StoredEntity>(for record: E, mode: WriteMode) throws -> RecordWriter.ExistingRow? {
        if let snapshot, !mode.isUpdate { return try snapshot.row(E.table, record.naturalKey, reading: self)?.row }
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

    func prefetch(table: String, keys: [String]) throws { try snapshot?.read(table, keys, reading: self) }

    /// The column that names a row's unit.
    static func unitColumn(_ table: String) -> String { table == GovUnit.table ? "key" : "unit_key" }

    func apply(_ write: PreparedWrite, actor: Actor, now: String) throws -> Int64 {
        try wait { connection in try await PostgresRecords.apply(write, now: now, actor: actor, on: connection) }
    }

    var indexesOnWrite: Bool { true }

    /// Runs `body` on the connection and waits for it.
    func wait<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) throws -> T {
        try Self.wait(on: connection, body)
    }

    /// Runs `body` on `connection` and waits for it, blocking the calling thread.
    static func wait<T: Sendable>(on connection: PostgresConnection, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) throws -> T {
        let result = BlockingResult<T>()
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

/// What a pass on a read-only PostgreSQL snapshot has read of it. The snapshot does not change, so a row read once is
/// known for the rest of the pass, and so is its absence; rows are read many at a time: those of a batch of a file's
/// rows and of the rows they name (`prefetch`), and resources by a window of the keys that follow the one asked for,
/// since a data-items file names its resources in turn and mostly in order. Only the pass's thread uses it.
private final class SnapshotRows: @unchecked Sendable {
    struct Row {
        let row: RecordWriter.ExistingRow
        let unit: String
    }
    /// By table and key: the row, or `nil` when the snapshot has none.
    private var rows: [String: [String: Row?]] = [:]
    /// The data items of the resources read, by row id.
    private var items: [Int64: [DataItem]] = [:]
    /// Resources' row ids and units by key, and the keys a window has covered (from, through; `nil`: to the last key).
    private var resources: [String: (id: Int64, unit: String)] = [:]
    private var window: (from: [UInt8], through: [UInt8]?)?
    /// How many rows, or resources' lists of data items, are kept at most.
    private static let rowsKept = 20_000
    /// The keys a resource window reads at a time.
    private static let windowSize = 200

    func row(_ table: String, _ key: String, reading access: PostgresRowAccess) throws -> Row? {
        if let known = rows[table]?[key] { return known }
        try read(table, [key], reading: access)
        return rows[table]?[key] ?? nil
    }

    /// Reads the rows of `table` with `keys` not yet known, in one query.
    func read(_ table: String, _ keys: [String], reading access: PostgresRowAccess) throws {
        let unknown = Array(Set(keys.filter { rows[table]?[$0] == nil }))
        guard !unknown.isEmpty else { return }
        let found = try access.wait { connection in
            var found: [Row] = []
            let query: PostgresQuery = """
                SELECT id, key, body, version, updated_at, \(unescaped: PostgresRowAccess.unitColumn(table)) FROM \(unescaped: table)
                WHERE key = ANY(\(unknown)::text[])
                """
            for try await (id, key, body, version, updatedAt, unit) in try await connection.query(query, logger: connection.logger)
                .decode((Int64, String, String, Int, String, String).self)
            {
                found.append(Row(row: RecordWriter.ExistingRow(id: id, key: key, body: body, version: version, updatedAt: updatedAt), unit: unit))
            }
            return found
        }
        // What was read long ago is forgotten (and read again if asked for), so a province's import stays small.
        if rows.values.reduce(0, { $0 + $1.count }) > Self.rowsKept { rows = [:] }
        for key in unknown { rows[table, default: [:]][key] = .some(nil) }
        for row in found { rows[table, default: [:]][row.row.key] = row }
        if table == CatalogResource.table { try readItems(found.map(\.row.id), reading: access) }
    }

    func items(ofResource rowID: Int64, reading access: PostgresRowAccess) throws -> [DataItem] {
        if items[rowID] == nil { try readItems([rowID], reading: access) }
        return items[rowID] ?? []
    }

    /// Reads the data items of the resource rows `ids`, in one query.
    private func readItems(_ ids: [Int64], reading access: PostgresRowAccess) throws {
        guard !ids.isEmpty else { return }
        let found = try access.wait { connection in
            var found: [Int64: [DataItem]] = [:]
            let query: PostgresQuery = """
                SELECT resource_id, name, type, length, description FROM data_item WHERE resource_id = ANY(\(ids)::bigint[])
                ORDER BY resource_id, seq
                """
            for try await (id, name, type, length, description) in try await connection.query(query, logger: connection.logger)
                .decode((Int64, String, String, Int?, String?).self)
            {
                found[id, default: []].append(DataItem(name: name, type: type, length: length, description: description))
            }
            return found
        }
        if items.count > Self.rowsKept { items = [:] }
        for id in ids { items[id] = found[id] ?? [] }
    }

    func resource(_ key: String, reading access: PostgresRowAccess) throws -> (id: Int64, unit: String)? {
        if let known = rows[CatalogResource.table]?[key] { return known.map { ($0.row.id, $0.unit) } }
        if let found = resources[key] { return found }
        // Keys compare as PostgreSQL's "C" collation orders them: by their bytes.
        let bytes = Array(key.utf8)
        if let window, !bytes.lexicographicallyPrecedes(window.from), window.through.map({ !$0.lexicographicallyPrecedes(bytes) }) ?? true {
            return nil
        }
        let size = Self.windowSize
        let found = try access.wait { connection in
            var found: [(String, Int64, String)] = []
            let query: PostgresQuery = "SELECT key, id, unit_key FROM resource WHERE key >= \(key) ORDER BY key LIMIT \(size)"
            for try await row in try await connection.query(query, logger: connection.logger).decode((String, Int64, String).self) {
                found.append(row)
            }
            return found
        }
        resources = Dictionary(found.map { ($0.0, ($0.1, $0.2)) }, uniquingKeysWith: { first, _ in first })
        window = (bytes, found.count < size ? nil : found.last.map { Array($0.0.utf8) })
        // A data-items file replaces the items of the resources it names: what they have now is read with them.
        try readItems(found.map(\.1).filter { items[$0] == nil }, reading: access)
        return resources[key]
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
