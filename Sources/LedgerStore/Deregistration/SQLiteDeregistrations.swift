import Compliance
import Foundation
import GRDB
import LedgerCore

/// `DeregistrationRepository` on SQLite.
public struct SQLiteDeregistrations: DeregistrationRepository {
    let database: AppDatabase
    let codes: CodeLists

    /// The applications of `database`; `codes` normalize the system an approval deregisters.
    public init(database: AppDatabase, codes: CodeLists) {
        self.database = database
        self.codes = codes
    }

    public func apply(
        systemCode: String, reason: DeregistrationReason, appliedOn: CivilDate, plan: DeregistrationPlan,
        by actor: Actor
    ) async throws -> StoredDeregistration {
        let writer = RecordWriter(codes: codes, actor: actor)
        return try await database.writer.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT body FROM system WHERE key = ?", arguments: [systemCode]) else {
                throw LedgerError.notFound(InfoSystem.label, systemCode)
            }
            let application = try DeregistrationRules.application(
                system: try RecordWriter.decode(InfoSystem.self, body: row["body"]),
                applications: try Self.deregistrations(systemCode: systemCode, in: db), reason: reason, appliedOn: appliedOn, plan: plan)
            try db.execute(
                sql: "INSERT INTO deregistration (system_key, applied_on, body) VALUES (?, ?, ?)",
                arguments: [systemCode, appliedOn.description, try CanonicalJSON.text(application)])
            let id = db.lastInsertedRowID
            try AuditLog.record(
                db, actor: writer.actor, action: "apply", entity: "deregistration", key: String(id),
                old: nil as DeregistrationApplication?, new: application)
            return StoredDeregistration(id: id, application: application)
        }
    }

    public func review(id: Int64, review: DeregistrationReview, by actor: Actor) async throws -> StoredDeregistration {
        try DeregistrationRules.check(review)
        let writer = RecordWriter(codes: codes, actor: actor)
        return try await database.writer.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT body FROM deregistration WHERE id = ?", arguments: [id]) else {
                throw LedgerError.notFound("注销申请", String(id))
            }
            let before = try CanonicalJSON.decoder.decode(DeregistrationApplication.self, from: Data((row["body"] as String).utf8))
            let application = try DeregistrationRules.reviewed(before, id: id, review: review)
            try db.execute(sql: "UPDATE deregistration SET body = ? WHERE id = ?", arguments: [try CanonicalJSON.text(application), id])
            try AuditLog.record(
                db, actor: writer.actor, action: "review", entity: "deregistration", key: String(id),
                old: before, new: application)
            if review.approved,
                let system = try Row.fetchOne(
                    db, sql: "SELECT id, body FROM system WHERE key = ?",
                    arguments: [application.systemCode])
            {
                var record = try RecordWriter.decode(InfoSystem.self, body: system["body"])
                record.status = .deregistered
                _ = try writer.save(record, mode: .update(id: system["id"], expectedVersion: nil), now: Ledger.timestamp(), in: db)
            }
            return StoredDeregistration(id: id, application: application)
        }
    }

    public func applications(systemCode: String?) async throws -> [StoredDeregistration] {
        try await database.writer.read { db in try Self.deregistrations(systemCode: systemCode, in: db) }
    }

    static func deregistrations(systemCode: String?, in db: Database) throws -> [StoredDeregistration] {
        try Row.fetchAll(
            db, sql: "SELECT id, body FROM deregistration \(systemCode == nil ? "" : "WHERE system_key = ?") ORDER BY id DESC",
            arguments: systemCode.map { [$0] } ?? []
        ).map {
            StoredDeregistration(
                id: $0["id"],
                application: try CanonicalJSON.decoder.decode(
                    DeregistrationApplication.self,
                    from: Data(($0["body"] as String).utf8)))
        }
    }

    public func deadlines(calendar: WorkingCalendar, asOf: CivilDate) async throws -> [Deadline] {
        let (projects, applications) = try await database.writer.read { db in
            (
                try Row.fetchAll(db, sql: "SELECT body FROM project ORDER BY key").map { try RecordWriter.decode(Project.self, body: $0["body"]) },
                try Self.deregistrations(systemCode: nil, in: db).map(\.application)
            )
        }
        return Deadlines.list(projects: projects, deregistrations: applications, calendar: calendar, asOf: asOf)
    }
}
