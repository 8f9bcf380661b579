import Crypto
import Foundation
import GRDB
import LedgerCore

/// One field that changed: its path (`shareType`, `items`) with the old and new value (text as is, other values as
/// JSON). A created record is one change of field `*` holding the whole record as JSON.
public struct FieldChange: Codable, Sendable, Equatable {
    public var field: String
    public var old: String?
    public var new: String?
}

/// One entry of the audit trail. Entries are append-only and hash-chained: `hash` is the SHA-256 of the previous
/// entry's hash and this entry's content, so an edited, removed or reordered entry breaks the chain.
public struct AuditEntry: Codable, Sendable, Equatable {
    public var seq: Int64
    public var at: String
    public var actor: String
    public var role: String
    public var requestId: String?
    /// `create`, `update`, `delete`, `submit` …
    public var action: String
    /// The table (`system`, `resource`, `waiver`, `funding` …) and the natural key of the record.
    public var entity: String
    public var key: String
    public var changes: [FieldChange]
    public var previousHash: String
    public var hash: String

    /// The hash of the entry whose changes are stored as `changesJSON`.
    func hash(changesJSON: String) -> String {
        let content = [String(seq), at, actor, role, requestId ?? "", action, entity, key, changesJSON, previousHash]
        return Hex.string(SHA256.hash(data: Data(content.joined(separator: "\u{1F}").utf8)))
    }
}

/// The result of checking the chain.
public struct AuditVerification: Codable, Sendable, Equatable {
    public var entries: Int
    /// The hash of the last entry: record it elsewhere to detect a truncated tail later.
    public var headHash: String
    /// Each broken link, naming the entry.
    public var problems: [String]
    public var isIntact: Bool { problems.isEmpty }
}

/// Appends and reads the audit trail (table `audit_entry`, protected by triggers against UPDATE and DELETE).
enum AuditLog {
    static let genesis = String(repeating: "0", count: 64)

    /// Appends an entry for the current actor inside the caller's transaction.
    static func append(_ db: Database, actor: Actor, action: String, entity: String, key: String, changes: [FieldChange]) throws {
        let last = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1"))
        var entry = AuditEntry(seq: (last?["seq"] as Int64? ?? 0) + 1, at: Date().formatted(.iso8601), actor: actor.username,
                               role: actor.role.rawValue, requestId: actor.requestId, action: action, entity: entity, key: key,
                               changes: changes, previousHash: last?["hash"] ?? genesis, hash: "")
        let changesJSON = try CanonicalJSON.text(changes)
        entry.hash = entry.hash(changesJSON: changesJSON)
        try db.cachedStatement(sql: """
            INSERT INTO audit_entry (seq, at, actor, role, request_id, action, entity, key, changes, previous_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [entry.seq, entry.at, entry.actor, entry.role, entry.requestId, entry.action, entry.entity,
                                     entry.key, changesJSON, entry.previousHash, entry.hash])
    }


    /// The sequence number of the last entry: every ledger write appends one, so an unchanged number means the
    /// ledger is as it was (an import's write pass compares it with its check pass's snapshot).
    static func generation(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT max(seq) FROM audit_entry") ?? 0
    }

    /// Appends an entry for a record change: the changed fields of `old` → `new` (whole values for nested lists).
    static func record(_ db: Database, actor: Actor, action: String, entity: String, key: String,
                       old: (some Encodable)?, new: (some Encodable)?) throws {
        let changes = diff(old: try old.map(tree), new: try new.map(tree))
        guard !changes.isEmpty || action != "update" else { return }
        try append(db, actor: actor, action: action, entity: entity, key: key, changes: changes)
    }

    static func tree(_ value: some Encodable) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: CanonicalJSON.encode(value))
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

extension Ledger {
    /// The audit entries of one record (or all of an entity, or everything), newest first.
    public func auditEntries(entity: String? = nil, key: String? = nil, limit: Int = 200) async throws -> [AuditEntry] {
        try await database.writer.read { db in
            var conditions: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            if let entity { conditions.append("entity = ?"); arguments.append(entity) }
            if let key { conditions.append("key = ?"); arguments.append(key) }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(db, sql: "SELECT * FROM audit_entry \(filter) ORDER BY seq DESC LIMIT ?",
                                    arguments: StatementArguments(arguments + [limit])).map(Self.auditEntry)
        }
    }

    /// Walks the whole chain and names every entry whose content, position or link is wrong.
    public func verifyAudit() async throws -> AuditVerification {
        try await database.writer.read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM audit_entry ORDER BY rowid")
            var previous = AuditLog.genesis
            var expectedSeq: Int64 = 1
            var count = 0
            var problems: [String] = []
            while let row = try rows.next() {
                count += 1
                // A tampered row may hold anything: read it without trusting types, and name it when it cannot be read.
                guard let entry = Self.unverifiedEntry(row) else {
                    problems.append("第\(count)条记录无法读取（字段为空或类型不符）：记录被修改")
                    expectedSeq += 1
                    continue
                }
                if entry.seq != expectedSeq {
                    problems.append("第\(count)条记录的序号为 \(entry.seq)，应为 \(expectedSeq)：记录被删除或调换了顺序")
                }
                if entry.previousHash != previous {
                    problems.append("记录 #\(entry.seq)（\(entry.entity) \(entry.key)）与前一条记录的链接不符：前一条被修改、删除或顺序被调换")
                }
                // The hash covers the changes as stored, so the check does not depend on how they were encoded.
                if entry.hash != entry.hash(changesJSON: String.fromDatabaseValue(row["changes"] ?? .null) ?? "") {
                    problems.append("记录 #\(entry.seq)（\(entry.entity) \(entry.key)，\(entry.at)）的内容与其哈希不符：记录被修改")
                }
                previous = entry.hash
                expectedSeq = entry.seq + 1
            }
            return AuditVerification(entries: count, headHash: previous, problems: problems)
        }
    }

    /// The entry of a row with its changes left undecoded (verification hashes them as stored), or `nil` when a
    /// column is missing or of another type.
    static func unverifiedEntry(_ row: Row) -> AuditEntry? {
        func value(_ column: String) -> DatabaseValue { row[column] ?? .null }
        func text(_ column: String) -> String? { String.fromDatabaseValue(value(column)) }
        guard let seq = Int64.fromDatabaseValue(value("seq")), let at = text("at"), let actor = text("actor"),
              let role = text("role"), let action = text("action"), let entity = text("entity"), let key = text("key"),
              text("changes") != nil, let previousHash = text("previous_hash"), let hash = text("hash") else { return nil }
        return AuditEntry(seq: seq, at: at, actor: actor, role: role, requestId: text("request_id"), action: action, entity: entity,
                          key: key, changes: [], previousHash: previousHash, hash: hash)
    }

    /// The entry of a row with its changes decoded, for the history pages and the API.
    static func auditEntry(_ row: Row) throws -> AuditEntry {
        guard var entry = unverifiedEntry(row), let changes = String.fromDatabaseValue(row["changes"] ?? .null) else {
            throw LedgerError(.badRequest, "审计记录无法读取（字段为空或类型不符）；请运行 ybz audit verify 检查")
        }
        entry.changes = try JSONDecoder().decode([FieldChange].self, from: Data(changes.utf8))
        return entry
    }

    /// The actor of the current task, or the command line.
    static var currentActor: Actor { Acting.actor ?? .commandLine }
}
