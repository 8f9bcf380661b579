import Foundation
import GRDB
import LedgerCore

/// `RecordRepository` on SQLite: one table per entity (natural key, name, filter columns, JSON body, version), data
/// items in their own table, every write through `RecordWriter`.
public struct SQLiteRecords: RecordRepository {
    let database: AppDatabase
    let codes: CodeLists

    /// The records of `database`, normalized and validated with `codes`.
    public init(database: AppDatabase, codes: CodeLists) {
        self.database = database
        self.codes = codes
    }

    /// The write path, recording `actor` in the audit trail.
    func writer(_ actor: Actor) -> RecordWriter { RecordWriter(codes: codes, actor: actor) }

    /// Registers a new record for `actor`. A catalog resource registered this way starts as 待提交.
    public func create<E: StoredEntity>(_ record: E, by actor: Actor) async throws -> Stored<E> {
        let writer = writer(actor)
        return try await database.writer.write { db in
            try writer.save(record.registeringNew(), mode: .create, now: Ledger.timestamp(), in: db).0
        }
    }

    /// Replaces row `id` with `record` for `actor`; `expectedVersion` (from `If-Match` or the body) guards against lost
    /// updates.
    public func update<E: StoredEntity>(
        _ type: E.Type, id: Int64, with record: E, expectedVersion: Int?,
        by actor: Actor
    ) async throws -> Stored<E> {
        let writer = writer(actor)
        return try await database.writer.write { db in
            try writer.save(record, mode: .update(id: id, expectedVersion: expectedVersion), now: Ledger.timestamp(), in: db).0
        }
    }

    /// Deletes row `id` for `actor`, refusing while other rows name it.
    public func delete<E: StoredEntity>(_ type: E.Type, id: Int64, expectedVersion: Int?, by actor: Actor) async throws {
        let writer = writer(actor)
        try await database.writer.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT key, version, body FROM \(E.table) WHERE id = ?", arguments: [id]) else {
                throw LedgerError.notFound(E.label, String(id))
            }
            let version: Int = row["version"]
            if let expectedVersion, expectedVersion != version {
                throw LedgerError.versionConflict(expected: expectedVersion, actual: version)
            }
            if let blocking = try SQLiteRows.dependents(E.self, key: row["key"], in: db) {
                throw LedgerError(.conflict, "不能删除\(E.label)“\(row["key"] as String)”：\(blocking)")
            }
            let old = try SQLiteRows.loadChildren(try RecordWriter.decode(E.self, body: row["body"]), rowID: id, in: db)
            try db.execute(sql: "DELETE FROM \(E.table) WHERE id = ?", arguments: [id])
            try AuditLog.record(db, actor: writer.actor, action: "delete", entity: E.table, key: row["key"], old: old, new: nil as E?)
            if E.isSearchable { try SearchIndex(table: E.table).remove(db, id: id) }
        }
    }

    /// The row with `id`.
    public func fetch<E: StoredEntity>(_ type: E.Type, id: Int64) async throws -> Stored<E> {
        try await database.writer.read { db in
            try fetchOne(E.self, where: "id = ?", argument: id, in: db) ?? { throw LedgerError.notFound(E.label, String(id)) }()
        }
    }

    /// The row with natural key `key` (USCC or code).
    public func fetch<E: StoredEntity>(_ type: E.Type, key: String) async throws -> Stored<E> {
        try await database.writer.read { db in
            try fetchOne(E.self, where: "key = ?", argument: key, in: db) ?? { throw LedgerError.notFound(E.label, key) }()
        }
    }

    func fetchOne<E: StoredEntity>(
        _ type: E.Type, where condition: String, argument: some DatabaseValueConvertible,
        in db: Database
    ) throws -> Stored<E>? {
        let sql = "SELECT id, body, version, updated_at FROM \(E.table) WHERE \(condition)"
        guard let row = try Row.fetchOne(db, sql: sql, arguments: [argument]) else { return nil }
        return try stored(E.self, row: row, in: db)
    }

    func stored<E: StoredEntity>(_ type: E.Type, row: Row, in db: Database) throws -> Stored<E> {
        let record = try SQLiteRows.loadChildren(try RecordWriter.decode(E.self, body: row["body"]), rowID: row["id"], in: db)
        return Stored(id: row["id"], version: row["version"], updatedAt: row["updated_at"], record: record)
    }

    /// A page of rows ordered by natural key, filtered on the entity's `filterColumns` and by `nameContains`.
    public func list<E: StoredEntity>(
        _ type: E.Type, filter: ListFilter, nameContains: String?,
        page: PageRequest
    ) async throws -> Page<Stored<E>> {
        let condition = try ListCondition(E.self, filter: filter, nameContains: nameContains, dialect: .sqlite)
        let (whereClause, filterArguments) = (condition.sql, StatementArguments(condition.arguments))
        var pageArguments = filterArguments
        pageArguments += [page.limit, page.offset]
        return try await database.writer.read { [pageArguments] db in
            let total =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM \(E.table) \(whereClause)",
                    arguments: filterArguments) ?? 0
            let rows = try Row.fetchAll(
                db, sql: "SELECT id, body, version, updated_at FROM \(E.table) \(whereClause) ORDER BY \(page.sort.sql) LIMIT ? OFFSET ?",
                arguments: pageArguments)
            let items = try rows.map { try stored(E.self, row: $0, in: db) }
            return Page(items: items, total: total, limit: page.limit, offset: page.offset)
        }
    }

    /// Moves a resource through the catalog workflow (submit, approve, return with a reason, take offline).
    public func transition(
        resourceID id: Int64, _ action: CatalogTransition, reason: String?,
        expectedVersion: Int?, by actor: Actor
    ) async throws -> Stored<CatalogResource> {
        let writer = writer(actor)
        return try await database.writer.write { db in
            guard var current = try fetchOne(CatalogResource.self, where: "id = ?", argument: id, in: db) else {
                throw LedgerError.notFound(CatalogResource.label, String(id))
            }
            if let expectedVersion, expectedVersion != current.version {
                throw LedgerError.versionConflict(expected: expectedVersion, actual: current.version)
            }
            current.record.state = try action.apply(to: current.record, reason: reason, codes: codes)
            current.record.returnReason = action == .return ? Normalize.optional(reason) : nil
            return try writer.save(current.record, mode: .upsert, now: Ledger.timestamp(), in: db).0
        }
    }

    /// How many filtered rows hold each value of each filter column in `facets`.
    public func facets<E: StoredEntity>(
        _ type: E.Type, filter: ListFilter, facets: [String]
    ) async throws -> [String: [String: Int]] {
        let condition = try ListCondition(E.self, filter: filter, nameContains: nil, dialect: .sqlite)
        let (whereClause, arguments) = (condition.sql, StatementArguments(condition.arguments))
        let columns = try facets.map { ($0, try ListCondition.column(E.self, $0)) }
        return try await database.writer.read { db in
            var counts: [String: [String: Int]] = [:]
            for (name, column) in columns {
                for row in try Row.fetchAll(
                    db, sql: "SELECT \(column) AS value, count(*) AS n FROM \(E.table) \(whereClause) GROUP BY \(column)", arguments: arguments)
                {
                    counts[name, default: [:]][(row["value"] as String?) ?? ""] = row["n"]  // no value (a column that may be NULL): ""
                }
            }
            return counts
        }
    }

    /// Row counts per table, for health and summaries.
    public func counts() async throws -> [String: Int] {
        try await database.writer.read { db in
            var counts: [String: Int] = [:]
            for table in ["unit", "project", "system", "resource", "data_item"] {
                counts[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0
            }
            return counts
        }
    }
}
