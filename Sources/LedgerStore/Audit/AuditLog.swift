import Foundation
import GRDB
import LedgerCore
import Synchronization

/// The end of the audit chain: the next entry's number and the hash it links to. Entries made from it must be inserted
/// in order before anything else appends, which holds under the write lock; an import's write pass makes them a little
/// ahead of their inserts, on its second core.
struct AuditChain: Sendable {
    private(set) var seq: Int64
    private(set) var hash: String

    /// The chain's end as stored.
    static func end(in db: Database) throws -> AuditChain {
        let last = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1"))
        return AuditChain(seq: last?["seq"] ?? 0, hash: last?["hash"] ?? AuditLog.genesis)
    }

    /// The next entry, linked to the last and hashed.
    mutating func next(actor: Actor, action: String, entity: String, key: String, changesJSON: String, at: String) -> AuditEntry {
        var entry = AuditEntry(
            seq: seq + 1, at: at, actor: actor.username, role: actor.role.rawValue, requestId: actor.requestId, action: action,
            entity: entity, key: key, changes: [], previousHash: hash, hash: "")
        entry.hash = entry.hash(changesJSON: changesJSON)
        (seq, hash) = (entry.seq, entry.hash)
        return entry
    }

    /// Links each write an import applies into the chain after `end`, in the order called, for `actor` at `now`: a
    /// write with an audit action gets its entry (`WriteSpool.replay` calls it on the core that reads the spool).
    static func linker(after end: AuditChain, actor: Actor, now: String) -> @Sendable (inout PreparedWrite) -> Void {
        let chain = Mutex(end)
        return { write in
            guard let action = write.auditAction else { return }
            write.audit = chain.withLock {
                $0.next(actor: actor, action: action, entity: write.table, key: write.key, changesJSON: write.auditChanges, at: now)
            }
        }
    }
}

/// Appends to the audit trail (table `audit_entry`, protected by triggers against UPDATE and DELETE) inside the
/// caller's transaction: every ledger write calls it with the actor it was given.
enum AuditLog {
    static let genesis = String(repeating: "0", count: 64)

    /// Appends an entry for the current actor inside the caller's transaction.
    static func append(_ db: Database, actor: Actor, action: String, entity: String, key: String, changes: [FieldChange]) throws {
        try append(
            db, actor: actor, action: action, entity: entity, key: key, changesJSON: try CanonicalJSON.text(changes),
            at: Ledger.timestamp())
    }

    /// Appends an entry whose changes are already encoded as canonical JSON (a write prepared before the lock), made
    /// at `at` (the write's time: formatting the clock for each of an import's entries was a cost of its write pass).
    static func append(
        _ db: Database, actor: Actor, action: String, entity: String, key: String, changesJSON: String, at: String
    ) throws {
        var chain = try AuditChain.end(in: db)
        let entry = chain.next(actor: actor, action: action, entity: entity, key: key, changesJSON: changesJSON, at: at)
        try insert(entry, changesJSON: changesJSON, in: db)
    }

    /// Inserts an entry that `AuditChain` made, its changes encoded as canonical JSON.
    static func insert(_ entry: AuditEntry, changesJSON: String, in db: Database) throws {
        // Bound directly: an import appends tens of thousands of entries under the write lock.
        try DirectInsert(
            db.cachedStatement(
                sql: """
                    INSERT INTO audit_entry (seq, at, actor, role, request_id, action, entity, key, changes, previous_hash, hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """), in: db
        ).run([
            .integer(entry.seq), .text(entry.at), .text(entry.actor), .text(entry.role),
            entry.requestId.map { .text($0) } ?? .null, .text(entry.action), .text(entry.entity),
            .text(entry.key), .text(changesJSON), .text(entry.previousHash), .text(entry.hash)
        ])
    }

    /// The sequence number of the last entry: every ledger write appends one, so an unchanged number means the
    /// ledger is as it was (an import's write pass compares it with its check pass's snapshot).
    static func generation(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT max(seq) FROM audit_entry") ?? 0
    }

    /// The records named by the entries after `generation` (table and key), oldest first.
    static func records(changedAfter generation: Int64, in db: Database) throws -> [(entity: String, key: String)] {
        try Row.fetchAll(db, sql: "SELECT entity, key FROM audit_entry WHERE seq > ? ORDER BY seq", arguments: [generation])
            .map { ($0["entity"], $0["key"]) }
    }

    /// Appends an entry for a record change: the changed fields of `old` → `new` (whole values for nested lists).
    static func record(
        _ db: Database, actor: Actor, action: String, entity: String, key: String,
        old: (some Encodable)?, new: (some Encodable)?
    ) throws {
        let changes = try changes(old: old, new: new)
        guard !changes.isEmpty || action != "update" else { return }
        try append(db, actor: actor, action: action, entity: entity, key: key, changes: changes)
    }

    /// The changed fields of `old` → `new`, as `record` stores them.
    static func changes(old: (some Encodable)?, new: (some Encodable)?) throws -> [FieldChange] {
        diff(old: try old.map { try tree($0) }, new: try new.map { try tree($0) })
    }

    /// `value` as a tree, its canonical text parsed as `JSONDecoder` reads it (a funding batch's entry names 50,000
    /// systems: `JSONDecoder` took half a second of the batch's last transaction).
    static func tree(_ value: some Encodable) throws -> JSONValue {
        try JSONValue(parsing: CanonicalJSON.text(value))
    }

    /// The fields that differ, by path; objects are compared field by field, other values whole.
    static func diff(old: JSONValue?, new: JSONValue?, path: String = "") -> [FieldChange] {
        if case .object(let before)? = old, case .object(let after)? = new {
            return Set(before.keys).union(after.keys).sorted().flatMap { name in
                diff(old: before[name], new: after[name], path: path.isEmpty ? name : "\(path).\(name)")
            }
        }
        if case .object(let before)? = old, new == nil, path.isEmpty {
            return before.keys.sorted().flatMap { diff(old: before[$0], new: nil, path: $0) }
        }
        if case .object(let after)? = new, old == nil, path.isEmpty {
            return after.keys.sorted().flatMap { diff(old: nil, new: after[$0], path: $0) }
        }
        guard old != new else { return [] }
        func text(_ value: JSONValue?) -> String? {
            guard let value, value != .null else { return nil }
            if case .string(let string) = value { return string }
            return value.canonicalText  // keys in order: the same value always reads the same
        }
        return [FieldChange(field: path, old: text(old), new: text(new))]
    }
}
