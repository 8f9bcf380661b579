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
            let system = try RecordWriter.decode(InfoSystem.self, body: row["body"])
            guard system.status != .deregistered else { throw LedgerError(.conflict, "系统 \(systemCode) 已注销") }
            let open = try Self.deregistrations(systemCode: systemCode, in: db).first { $0.application.review == nil }
            if let open { throw LedgerError(.conflict, "系统 \(systemCode) 已有待审核的注销申请 #\(open.id)") }
            let application = DeregistrationApplication(
                systemCode: systemCode, unitUSCC: system.unitUSCC, reason: reason,
                appliedOn: appliedOn, plan: plan)
            let issues = application.validate()
            guard issues.isEmpty else { throw LedgerError.invalid(issues) }
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
        guard !review.reviewer.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw LedgerError.invalid([
                ValidationIssue(
                    field: "reviewer", value: "", rule: "review.reviewer-required",
                    message: "须写明审核人", article: "Art. 24")
            ])
        }
        let writer = RecordWriter(codes: codes, actor: actor)
        return try await database.writer.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT body FROM deregistration WHERE id = ?", arguments: [id]) else {
                throw LedgerError.notFound("注销申请", String(id))
            }
            var application = try CanonicalJSON.decoder.decode(DeregistrationApplication.self, from: Data((row["body"] as String).utf8))
            guard application.review == nil else { throw LedgerError(.conflict, "注销申请 #\(id) 已审核") }
            guard review.reviewedOn >= application.appliedOn else {
                throw LedgerError.invalid([
                    ValidationIssue(
                        field: "reviewedOn", value: review.reviewedOn.description, rule: "dates.order",
                        message: "审核日期早于申请日期 \(application.appliedOn)", article: "Art. 24")
                ])
            }
            let before = application
            application.review = review
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
