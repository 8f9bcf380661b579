import Foundation
import GRDB
import LedgerCore

/// `AuditTrail` on SQLite.
public struct SQLiteAuditTrail: AuditTrail {
    let database: AppDatabase

    /// The trail of `database`.
    public init(database: AppDatabase) { self.database = database }

    public func entries(entity: String?, key: String?, limit: Int) async throws -> [AuditEntry] {
        try await database.writer.read { db in
            var conditions: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            if let entity {
                conditions.append("entity = ?")
                arguments.append(entity)
            }
            if let key {
                conditions.append("key = ?")
                arguments.append(key)
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(
                db, sql: "SELECT * FROM audit_entry \(filter) ORDER BY seq DESC LIMIT ?",
                arguments: StatementArguments(arguments + [limit])
            ).map(Self.auditEntry)
        }
    }

    /// When a record was first written, from the entry with the lowest sequence number (index `audit_entry_record`).
    public func firstRecorded(entity: String, key: String) async throws -> String? {
        try await database.writer.read { db in
            try String.fetchOne(
                db, sql: "SELECT at FROM audit_entry WHERE entity = ? AND key = ? ORDER BY seq LIMIT 1", arguments: [entity, key])
        }
    }

    public func verify() async throws -> AuditVerification {
        try await database.writer.read { db in try Self.verify(in: db) }
    }

    /// Every entry and link of the chain as `db` sees it.
    static func verify(in db: Database) throws -> AuditVerification {
        let rows = try Row.fetchCursor(db, sql: "SELECT * FROM audit_entry ORDER BY rowid")
        var walk = AuditChainWalk()
        while let row = try rows.next() {
            // A tampered row may hold anything: read it without trusting types.
            walk.next(Self.unverifiedEntry(row), changesJSON: String.fromDatabaseValue(row["changes"] ?? .null) ?? "")
        }
        return walk.verification
    }

    /// The entry of a row with its changes left undecoded (verification hashes them as stored), or `nil` when a
    /// column is missing or of another type.
    static func unverifiedEntry(_ row: Row) -> AuditEntry? {
        func value(_ column: String) -> DatabaseValue { row[column] ?? .null }
        func text(_ column: String) -> String? { String.fromDatabaseValue(value(column)) }
        guard let seq = Int64.fromDatabaseValue(value("seq")), let at = text("at"), let actor = text("actor"),
            let role = text("role"), let action = text("action"), let entity = text("entity"), let key = text("key"),
            text("changes") != nil, let previousHash = text("previous_hash"), let hash = text("hash")
        else { return nil }
        return AuditEntry(
            seq: seq, at: at, actor: actor, role: role, requestId: text("request_id"), action: action, entity: entity,
            key: key, changes: [], previousHash: previousHash, hash: hash)
    }

    /// The entry of a row with its changes decoded, for the history pages and the API.
    static func auditEntry(_ row: Row) throws -> AuditEntry {
        guard let entry = unverifiedEntry(row), let changes = String.fromDatabaseValue(row["changes"] ?? .null) else {
            throw LedgerError(.badRequest, "审计记录无法读取（字段为空或类型不符）；请运行 ybz audit verify 检查")
        }
        return try entry.withChanges(changes)
    }
}
