import Compliance
import Foundation
import LedgerCore
import PostgresNIO

/// `DeregistrationRepository` on PostgreSQL (issue 18): SQLite's table and checks (`DeregistrationRules`). An application
/// locks its system's row while it checks for an open application, so two servers applying at once make one; a review
/// locks its application; an approval deregisters the system through the records' write path in the same transaction.
struct PostgresDeregistrations: DeregistrationRepository {
    let store: PostgresStore
    let codes: CodeLists

    func apply(
        systemCode: String, reason: DeregistrationReason, appliedOn: CivilDate, plan: DeregistrationPlan, by actor: Actor
    ) async throws -> StoredDeregistration {
        try await store.transaction { connection in
            let bodies = try await connection.column("SELECT body FROM system WHERE key = \(systemCode) FOR UPDATE", as: String.self)
            guard let body = bodies.first else { throw LedgerError.notFound(InfoSystem.label, systemCode) }
            let application = try DeregistrationRules.application(
                system: try RecordWriter.decode(InfoSystem.self, body: body),
                applications: try await Self.applications(systemCode: systemCode, on: connection), reason: reason, appliedOn: appliedOn,
                plan: plan)
            let ids = try await connection.column(
                """
                INSERT INTO deregistration (system_key, applied_on, body)
                VALUES (\(systemCode), \(appliedOn.description), \(try CanonicalJSON.text(application))) RETURNING id
                """, as: Int64.self)
            guard let id = ids.first else { throw LedgerError(.conflict, "注销申请未能保存") }
            try await PostgresAuditLog.append(
                on: connection, actor: actor, action: "apply", entity: "deregistration", key: String(id),
                changes: try AuditLog.changes(old: nil as DeregistrationApplication?, new: application))
            return StoredDeregistration(id: id, application: application)
        }
    }

    func review(id: Int64, review: DeregistrationReview, by actor: Actor) async throws -> StoredDeregistration {
        try DeregistrationRules.check(review)
        let writer = RecordWriter(codes: codes, actor: actor)
        return try await store.transaction { connection in
            let bodies = try await connection.column("SELECT body FROM deregistration WHERE id = \(id) FOR UPDATE", as: String.self)
            guard let body = bodies.first else { throw LedgerError.notFound("注销申请", String(id)) }
            let before = try CanonicalJSON.decoder.decode(DeregistrationApplication.self, from: Data(body.utf8))
            let application = try DeregistrationRules.reviewed(before, id: id, review: review)
            try await connection.run("UPDATE deregistration SET body = \(try CanonicalJSON.text(application)) WHERE id = \(id)")
            try await PostgresAuditLog.append(
                on: connection, actor: actor, action: "review", entity: "deregistration", key: String(id),
                changes: try AuditLog.changes(old: before, new: application))
            var systems: [(id: Int64, body: String)] = []
            let rows = try await connection.query(
                "SELECT id, body FROM system WHERE key = \(application.systemCode) FOR UPDATE", logger: connection.logger)
            for try await row in rows.decode((Int64, String).self) { systems.append(row) }
            for (systemID, systemBody) in systems where review.approved {
                var system = try RecordWriter.decode(InfoSystem.self, body: systemBody)
                system.status = .deregistered
                let (normalized, issues) = try writer.normalized(system)
                _ = try await PostgresRecords.save(
                    normalized, issues: issues, mode: .update(id: systemID, expectedVersion: nil), writer: writer, on: connection)
            }
            return StoredDeregistration(id: id, application: application)
        }
    }

    func applications(systemCode: String?) async throws -> [StoredDeregistration] {
        try await store.transaction { connection in try await Self.applications(systemCode: systemCode, on: connection) }
    }

    func deadlines(calendar: WorkingCalendar, asOf: CivilDate) async throws -> [Deadline] {
        let (projects, applications) = try await store.transaction { connection in
            try await connection.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            let projects = try await connection.column("SELECT body FROM project ORDER BY key", as: String.self)
            return (
                try projects.map { try RecordWriter.decode(Project.self, body: $0) },
                try await Self.applications(systemCode: nil, on: connection).map(\.application)
            )
        }
        return Deadlines.list(projects: projects, deregistrations: applications, calendar: calendar, asOf: asOf)
    }

    /// The applications of one system, or all, newest first.
    private static func applications(systemCode: String?, on connection: PostgresConnection) async throws -> [StoredDeregistration] {
        let rows = try await connection.query(
            "SELECT id, body FROM deregistration WHERE \(systemCode)::text IS NULL OR system_key = \(systemCode) ORDER BY id DESC",
            logger: connection.logger)
        var applications: [StoredDeregistration] = []
        for try await (id, body) in rows.decode((Int64, String).self) {
            applications.append(
                StoredDeregistration(id: id, application: try CanonicalJSON.decoder.decode(DeregistrationApplication.self, from: Data(body.utf8))))
        }
        return applications
    }
}
