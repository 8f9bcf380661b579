import Foundation
import LedgerCore
import PostgresNIO

/// Appends to the audit trail of a PostgreSQL ledger inside the caller's transaction. Servers on several machines
/// append to one chain: each append holds a transaction-scoped advisory lock until its transaction ends, so the next
/// append (on any server) reads the end of the chain only after this one is committed or rolled back.
enum PostgresAuditLog {
    /// The advisory lock appends hold.
    static let chainLock: Int64 = 0x5942_5A01

    /// Appends an entry for `actor` with `changes`, made now, on `connection`, which must be in a transaction.
    static func append(
        on connection: PostgresConnection, actor: Actor, action: String, entity: String, key: String, changes: [FieldChange]
    ) async throws {
        try await append(on: connection, actor: actor, action: action, entity: entity, key: key, changesJSON: try CanonicalJSON.text(changes))
    }

    /// Appends an entry whose changes are already encoded as canonical JSON (a record's write, prepared by `RecordWriter`),
    /// made at `at` (the time the record's row says it was written).
    static func append(
        on connection: PostgresConnection, actor: Actor, action: String, entity: String, key: String, changesJSON: String,
        at: String = Ledger.timestamp()
    ) async throws {
        var chain = try await lockedEnd(on: connection)
        let entry = chain.next(actor: actor, action: action, entity: entity, key: key, changesJSON: changesJSON, at: at)
        try await connection.query(
            """
            INSERT INTO audit_entry (seq, at, actor, role, request_id, action, entity, key, changes, previous_hash, hash)
            VALUES (\(entry.seq), \(entry.at), \(entry.actor), \(entry.role), \(entry.requestId), \(entry.action), \(entry.entity),
                \(entry.key), \(changesJSON), \(entry.previousHash), \(entry.hash))
            """, logger: connection.logger)
    }

    /// Takes the lock appends hold, until the transaction ends.
    static func lockChain(on connection: PostgresConnection) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(\(chainLock))", logger: connection.logger)
    }

    /// Takes the lock appends hold, until the transaction ends, and reads the chain's end after it, in one round trip
    /// (migration v13's function).
    static func lockedEnd(on connection: PostgresConnection) async throws -> AuditChain {
        try await chain(endingAt: "SELECT end_seq, end_hash FROM audit_chain_end_locked(\(chainLock))", on: connection)
    }

    /// The chain's end as the transaction sees it.
    static func end(on connection: PostgresConnection) async throws -> AuditChain {
        try await chain(endingAt: "SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1", on: connection)
    }

    /// The chain whose last entry (sequence number and hash) `query` reads; the empty chain when it reads none.
    private static func chain(endingAt query: PostgresQuery, on connection: PostgresConnection) async throws -> AuditChain {
        for try await (seq, hash) in try await connection.query(query, logger: connection.logger).decode((Int64, String).self) {
            return AuditChain(seq: seq, hash: hash)
        }
        return AuditChain(seq: 0, hash: AuditLog.genesis)
    }

    /// The number of the last entry the transaction sees: every write committed later bears a greater one, since
    /// appends hold the chain's lock until they commit.
    static func generation(on connection: PostgresConnection) async throws -> Int64 {
        try await connection.column("SELECT coalesce(max(seq), 0)::bigint FROM audit_entry", as: Int64.self).first ?? 0
    }

    /// The records named by the entries after `generation` (table and key).
    static func records(changedAfter generation: Int64, on connection: PostgresConnection) async throws -> [(entity: String, key: String)] {
        var records: [(entity: String, key: String)] = []
        let rows = try await connection.query("SELECT entity, key FROM audit_entry WHERE seq > \(generation) ORDER BY seq", logger: connection.logger)
        for try await (entity, key) in rows.decode((String, String).self) { records.append((entity, key)) }
        return records
    }
}

/// `AuditTrail` on PostgreSQL.
struct PostgresAuditTrail: AuditTrail {
    let store: PostgresStore

    /// The columns of an entry, in the order `entry(_:)` reads them.
    private static let columns = "seq, at, actor, role, request_id, action, entity, key, changes, previous_hash, hash"

    func entries(entity: String?, key: String?, limit: Int) async throws -> [AuditEntry] {
        let limit = Int64(min(max(limit, 0), 100_000))
        let rows = try await store.client.query(
            """
            SELECT \(unescaped: Self.columns) FROM audit_entry WHERE (\(entity)::text IS NULL OR entity = \(entity))
                AND (\(key)::text IS NULL OR key = \(key)) ORDER BY seq DESC LIMIT \(limit)
            """)
        var entries: [AuditEntry] = []
        for try await row in rows {
            let (entry, changes) = try Self.entry(row)
            entries.append(try entry.withChanges(changes))
        }
        return entries
    }

    func firstRecorded(entity: String, key: String) async throws -> String? {
        let rows = try await store.client.query("SELECT at FROM audit_entry WHERE entity = \(entity) AND key = \(key) ORDER BY seq LIMIT 1")
        for try await at in rows.decode(String.self) { return at }
        return nil
    }

    func verify() async throws -> AuditVerification {
        var walk = AuditChainWalk()
        for try await row in try await store.client.query("SELECT \(unescaped: Self.columns) FROM audit_entry ORDER BY seq") {
            // The table's types hold (NOT NULL, TEXT): a row always reads; what may be wrong is its content and links.
            let (entry, changes) = try Self.entry(row)
            walk.next(entry, changesJSON: changes)
        }
        return walk.verification
    }

    /// The entry of a row, with its changes as the text stored.
    private static func entry(_ row: PostgresRow) throws -> (AuditEntry, String) {
        let (seq, at, actor, role, requestId, action, entity, key, changes, previousHash, hash) = try row.decode(
            (Int64, String, String, String, String?, String, String, String, String, String, String).self)
        return (
            AuditEntry(
                seq: seq, at: at, actor: actor, role: role, requestId: requestId, action: action, entity: entity, key: key,
                changes: [], previousHash: previousHash, hash: hash), changes
        )
    }
}
