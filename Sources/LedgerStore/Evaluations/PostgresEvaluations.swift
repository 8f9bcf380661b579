import Compliance
import Foundation
import LedgerCore
import PostgresNIO

/// `EvaluationRepository` on PostgreSQL (issue 18): SQLite's tables and the same inputs, decisions and documents
/// (`StoredSystemRows`, `LatestVerdicts`, `FundingWork`), read set-wise a slice of systems at a time.
///
/// A funding batch reads every slice on one snapshot (a `REPEATABLE READ` transaction held for the batch, which on
/// PostgreSQL neither blocks writers nor holds back what they write), so it decides one state of the ledger without
/// SQLite's catching up; it writes each slice in a short transaction of its own. A whole-ledger batch records the
/// snapshot's marks (`FundingBasis`) and takes from the newest finished batch for the same year, as-of date and context
/// every decision whose system nothing has named since, as SQLite's does. A batch on the ledger as it stood
/// (`--ledger-at`) rebuilds it from the audit trail on the snapshot (`LedgerHistory`), as SQLite's does.
struct PostgresEvaluations: EvaluationRepository {
    let store: PostgresStore

    /// Systems read and decided at a time.
    static let sliceSize = 1_000

    // MARK: Inputs

    func inputs(fiscalYear: Int, asOf: CivilDate, systemCode: String?, unitUSCC: String?) async throws -> [ComplianceInput] {
        try await storedInputs(fiscalYear: fiscalYear, asOf: asOf, systemCode: systemCode, unitUSCC: unitUSCC).map(\.input)
    }

    func storedInputs(fiscalYear: Int, asOf: CivilDate, systemCode: String?, unitUSCC: String?) async throws -> [StoredInput] {
        let cutoff = SQLiteEvaluations.cutoff(asOf: asOf, ledgerAt: nil)
        let (rows, projects) = try await store.transaction { connection in
            try await connection.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            let keys = try await connection.column(
                """
                SELECT key FROM system WHERE (\(systemCode)::text IS NULL OR key = \(systemCode))
                    AND (\(unitUSCC)::text IS NULL OR unit_key = \(unitUSCC)) ORDER BY key
                """, as: String.self)
            if let systemCode, keys.isEmpty { throw LedgerError.notFound(InfoSystem.label, systemCode) }
            let waivers = try await Self.waivers(systemCode: systemCode, before: cutoff, on: connection)
            return try await Self.liveRows(keys, waivers: waivers, cutoff: cutoff, on: connection)
        }
        return try await StoredSystemRows.decode(rows, projects: projects, asOf: asOf, fiscalYear: fiscalYear)
    }

    /// The stored rows of the systems `keys` (in key order; resources as their indexed columns with their item counts)
    /// and the texts of the projects they list, read set-wise on `connection`.
    static func liveRows(
        _ keys: [String], waivers: [String: [Waiver]], cutoff: String, on connection: PostgresConnection
    ) async throws -> ([StoredSystemRows], [String: String]) {
        guard !keys.isEmpty else { return ([], [:]) }
        var systems: [(key: String, body: String)] = []
        for try await row in try await connection.query(
            "SELECT key, body FROM system WHERE key = ANY(\(keys)) ORDER BY key", logger: connection.logger
        ).decode((String, String).self) {
            systems.append(row)
        }
        var projects: [String: String] = [:]
        let listed = try await connection.query(
            """
            SELECT key, body FROM project WHERE key IN (
                SELECT jsonb_array_elements_text(body::jsonb -> 'projectCodes') FROM system WHERE key = ANY(\(keys)))
            """, logger: connection.logger)
        for try await (key, body) in listed.decode((String, String).self) { projects[key] = body }
        var facts: [String: [ResourceFacts]] = [:]
        var itemCounts: [String: [String: Int]] = [:]
        let resources = try await connection.query(
            """
            SELECT system_key, key, name, share_type, state, \(unescaped: DataItemRows.count(ofResource: "r.id")) FROM resource r
            WHERE system_key = ANY(\(keys)) ORDER BY key
            """, logger: connection.logger)
        for try await (system, key, name, shareType, state, items) in resources.decode((String, String, String, String, String, Int).self) {
            facts[system, default: []].append(
                ResourceFacts(code: key, name: name, shareType: shareType, state: CatalogState(rawValue: state) ?? .draft))
            itemCounts[system, default: [:]][key] = items
        }
        let rows = try await Self.rows(
            systems: systems, resources: facts, itemCounts: itemCounts, waivers: waivers, cutoff: cutoff, on: connection)
        return (rows, projects)
    }

    /// The rows of `systems` (code and stored text, in order) with their resources, waivers, and the probe evidence
    /// recorded before `cutoff`: the newest verdicts, and the probes run only later.
    static func rows(
        systems: [(key: String, body: String)], resources: [String: [ResourceFacts]], itemCounts: [String: [String: Int]],
        waivers: [String: [Waiver]], cutoff: String, on connection: PostgresConnection
    ) async throws -> [StoredSystemRows] {
        let keys = systems.map(\.key)
        var latest: [String: LatestVerdicts] = [:]
        let verdicts = try await connection.query(
            """
            SELECT system_key, id, run_id, platform || '|' || probe || '|' || target, outcome, body FROM probe_verdict
            WHERE system_key = ANY(\(keys)) AND checked_at < \(cutoff) ORDER BY id DESC
            """, logger: connection.logger)
        for try await (system, id, runID, target, outcome, body) in verdicts.decode((String, Int64, Int64, String, String, String).self) {
            try latest[system, default: LatestVerdicts()].add(id: id, runId: runID, target: target, outcome: outcome, body: body)
        }
        var later: [String: [(probe: String, first: String)]] = [:]
        let laterRows = try await connection.query(
            """
            SELECT system_key, platform || '/' || probe, min(checked_at) FROM probe_verdict
            WHERE system_key = ANY(\(keys)) AND checked_at >= \(cutoff) GROUP BY system_key, platform, probe
            """, logger: connection.logger)
        for try await (system, probe, first) in laterRows.decode((String, String, String).self) { later[system, default: []].append((probe, first)) }
        return try systems.map { system in
            let chosen = latest[system.key]?.verdicts ?? []
            return StoredSystemRows(
                body: system.body, resources: resources[system.key] ?? [], itemCounts: itemCounts[system.key] ?? [:], verdicts: chosen,
                laterProbes: try LatestVerdicts.laterProbes(later[system.key] ?? [], besides: chosen), waivers: waivers[system.key] ?? [])
        }
    }

    // MARK: Waivers

    func addWaiver(_ waiver: Waiver, by actor: Actor) async throws -> StoredWaiver {
        try EvaluationRules.check(waiver)
        let body = try CanonicalJSON.text(waiver)
        let created = Date().formatted(.iso8601)
        return try await store.transaction { connection in
            guard try await connection.exists("SELECT 1 FROM system WHERE key = \(waiver.systemCode) FOR KEY SHARE") else {
                throw LedgerError.notFound(InfoSystem.label, waiver.systemCode)
            }
            // Waivers are numbered in the order they commit (a funding batch's marks rely on it), as verdicts are.
            try await connection.run("SELECT pg_advisory_xact_lock(\(Self.waiverLock))")
            let ids = try await connection.column(
                """
                INSERT INTO waiver (system_key, check_id, expires_on, created_at, body)
                VALUES (\(waiver.systemCode), \(waiver.check.rawValue), \(waiver.expiresOn.description), \(created), \(body)) RETURNING id
                """, as: Int64.self)
            guard let id = ids.first else { throw LedgerError(.conflict, "豁免未能保存") }
            try await PostgresAuditLog.append(
                on: connection, actor: actor, action: "grant", entity: "waiver", key: EvaluationRules.auditKey(waiver, id: id),
                changes: try AuditLog.changes(old: nil as Waiver?, new: waiver))
            return StoredWaiver(id: id, createdAt: created, waiver: waiver)
        }
    }

    /// The advisory lock a waiver's grant holds.
    private static let waiverLock: Int64 = 0x5942_5A03

    func waivers(systemCode: String?) async throws -> [StoredWaiver] {
        try await store.transaction { connection in try await Self.waivers(systemCode: systemCode, on: connection) }
    }

    /// Waivers of one system, or all, newest first.
    private static func waivers(systemCode: String?, on connection: PostgresConnection) async throws -> [StoredWaiver] {
        let rows = try await connection.query(
            "SELECT id, created_at, body FROM waiver WHERE \(systemCode)::text IS NULL OR system_key = \(systemCode) ORDER BY id DESC",
            logger: connection.logger)
        var waivers: [StoredWaiver] = []
        for try await (id, created, body) in rows.decode((Int64, String, String).self) {
            waivers.append(StoredWaiver(id: id, createdAt: created, waiver: try CanonicalJSON.decoder.decode(Waiver.self, from: Data(body.utf8))))
        }
        return waivers
    }

    /// The waivers granted before `cutoff`, by system: one granted later was not in force then, whatever its dates.
    static func waivers(systemCode: String?, before cutoff: String, on connection: PostgresConnection) async throws -> [String: [Waiver]] {
        StoredWaiver.inForce(try await waivers(systemCode: systemCode, on: connection), before: cutoff)
    }

    // MARK: Reviews

    func recordReview(_ report: ReviewReport, input: ComplianceInput, by actor: Actor) async throws -> StoredReview {
        let (inputJSON, reportJSON) = (try CanonicalJSON.text(input), try CanonicalJSON.text(report))
        let created = Date().formatted(.iso8601)
        return try await store.transaction { connection in
            let ids = try await connection.column(
                """
                INSERT INTO evaluation_batch (kind, fiscal_year, as_of, policy_version, created_at, summary)
                VALUES ('review', NULL, \(report.inputs.asOf.description), \(report.inputs.policyVersion), \(created),
                    \(report.recommendation.rawValue))
                RETURNING id
                """, as: Int64.self)
            guard let id = ids.first else { throw LedgerError(.conflict, "审查未能保存") }
            try await connection.run(
                "INSERT INTO evaluation (batch_id, system_key, input, result) VALUES (\(id), \(report.systemCode), \(inputJSON), \(reportJSON))")
            try await PostgresAuditLog.append(
                on: connection, actor: actor, action: "review", entity: "review", key: String(id),
                changes: try AuditLog.changes(old: nil as [String: String]?, new: EvaluationRules.auditRecord(report)))
            return StoredReview(id: id, createdAt: created, report: report)
        }
    }

    func decideReview(id: Int64, decision: ReviewDecision, by actor: Actor) async throws -> StoredReview {
        try EvaluationRules.check(decision)
        return try await store.transaction { connection in
            var stored = try await Self.review(id: id, locked: true, on: connection)
            stored.report = try EvaluationRules.decided(stored.report, id: id, decision: decision)
            try await connection.run("UPDATE evaluation SET result = \(try CanonicalJSON.text(stored.report)) WHERE batch_id = \(id)")
            try await connection.run("UPDATE evaluation_batch SET summary = \(decision.outcome.rawValue) WHERE id = \(id)")
            try await PostgresAuditLog.append(
                on: connection, actor: actor, action: "decide", entity: "review", key: String(id),
                changes: try AuditLog.changes(old: nil as ReviewDecision?, new: decision))
            return stored
        }
    }

    func review(id: Int64) async throws -> StoredReview {
        try await store.transaction { connection in try await Self.review(id: id, locked: false, on: connection) }
    }

    func reviews(systemCode: String?, page: PageRequest) async throws -> Page<StoredReview> {
        try await store.transaction { connection in
            try await connection.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            let total = try await connection.count(
                """
                SELECT count(*) FROM evaluation_batch b JOIN evaluation e ON e.batch_id = b.id
                WHERE b.kind = 'review' AND (\(systemCode)::text IS NULL OR e.system_key = \(systemCode))
                """)
            let ids = try await connection.column(
                """
                SELECT b.id FROM evaluation_batch b JOIN evaluation e ON e.batch_id = b.id
                WHERE b.kind = 'review' AND (\(systemCode)::text IS NULL OR e.system_key = \(systemCode))
                ORDER BY b.id DESC LIMIT \(page.limit) OFFSET \(page.offset)
                """, as: Int64.self)
            var items: [StoredReview] = []
            for id in ids { items.append(try await Self.review(id: id, locked: false, on: connection)) }
            return Page(items: items, total: total, limit: page.limit, offset: page.offset)
        }
    }

    /// One stored review, its row locked until the transaction ends when `locked`.
    private static func review(id: Int64, locked: Bool, on connection: PostgresConnection) async throws -> StoredReview {
        let rows = try await connection.query(
            """
            SELECT b.created_at, e.result FROM evaluation_batch b JOIN evaluation e ON e.batch_id = b.id
            WHERE b.id = \(id) AND b.kind = 'review' \(unescaped: locked ? "FOR UPDATE" : "")
            """, logger: connection.logger)
        var found: (String, String)?
        for try await row in rows.decode((String, String).self) { found = row }
        guard let (created, result) = found else { throw LedgerError.notFound("验收前置审查", String(id)) }
        return StoredReview(id: id, createdAt: created, report: try CanonicalJSON.decoder.decode(ReviewReport.self, from: Data(result.utf8)))
    }
}
