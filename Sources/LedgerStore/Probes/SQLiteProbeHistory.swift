import Foundation
import GRDB
import LedgerCore

/// `ProbeHistoryRepository` on SQLite.
public struct SQLiteProbeHistory: ProbeHistoryRepository {
    let database: AppDatabase

    /// The probe history of `database`.
    public init(database: AppDatabase) { self.database = database }

    public func targets(systemCode: String?) async throws -> ([InfoSystem], [String: [CatalogResource]]) {
        try await database.writer.read { db in
            let decoder = JSONDecoder()
            let systemRows = try Row.fetchAll(
                db, sql: "SELECT body FROM system \(systemCode == nil ? "" : "WHERE key = ?") ORDER BY key",
                arguments: systemCode.map { [$0] } ?? [])
            let systems = try systemRows.map { try decoder.decode(InfoSystem.self, from: Data(($0["body"] as String).utf8)) }
            if let systemCode, systems.isEmpty { throw LedgerError.notFound(InfoSystem.label, systemCode) }
            var resources: [String: [CatalogResource]] = [:]
            let filter = systemCode == nil ? "" : "WHERE system_key = ?"
            let rows = try Row.fetchCursor(
                db, sql: "SELECT system_key, body FROM resource \(filter) ORDER BY key",
                arguments: systemCode.map { [$0] } ?? [])
            while let row = try rows.next() {
                resources[row["system_key"], default: []].append(try decoder.decode(CatalogResource.self, from: Data((row["body"] as String).utf8)))
            }
            return (systems, resources)
        }
    }

    public func recordRun(
        startedAt: Date, finishedAt: Date, asOf: CivilDate, trigger: String, specHashes: [String: String],
        canaries: [Verdict], verdicts: [Verdict], flipThresholds: [Platform: Int]
    ) async throws -> Int64 {
        let summaryJSON = try CanonicalJSON.text(ProbeRunRecord.summary(of: verdicts))
        let hashesJSON = try CanonicalJSON.text(specHashes)
        return try await database.writer.write { db in
            try db.execute(
                sql: "INSERT INTO probe_run (started_at, finished_at, as_of, trigger, spec_hashes, summary) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    startedAt.formatted(.iso8601), finishedAt.formatted(.iso8601), asOf.description, trigger,
                    hashesJSON, summaryJSON
                ])
            let runID = db.lastInsertedRowID
            let insertVerdict = try db.cachedStatement(
                sql: """
                    INSERT INTO probe_verdict (run_id, platform, system_key, probe, target, outcome, checked_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let insertAttempt = try db.cachedStatement(sql: "INSERT INTO probe_attempt (verdict_id, number, body) VALUES (?, ?, ?)")
            for verdict in canaries + verdicts {
                var body = verdict
                body.attempts = []
                try insertVerdict.execute(arguments: [
                    runID, verdict.platform.rawValue, verdict.systemCode, verdict.probe, verdict.target,
                    verdict.outcome.rawValue, verdict.checkedAt.formatted(.iso8601),
                    try CanonicalJSON.text(body)
                ])
                let verdictID = db.lastInsertedRowID
                for attempt in verdict.attempts {
                    try insertAttempt.execute(arguments: [verdictID, attempt.number, try CanonicalJSON.text(attempt)])
                }
            }
            for verdict in verdicts {
                try updateStatus(verdict, threshold: flipThresholds[verdict.platform] ?? 1, in: db)
            }
            return runID
        }
    }

    private func updateStatus(_ verdict: Verdict, threshold: Int, in db: Database) throws {
        let key: [any DatabaseValueConvertible] = [verdict.platform.rawValue, verdict.systemCode, verdict.probe, verdict.target]
        let current = try IntegrationStatusRow.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM integration_status WHERE platform = ? AND system_key = ? AND probe = ? AND target = ?"),
            arguments: StatementArguments(key)
        )?.state
        let next = current?.next(verdict.outcome, threshold: threshold) ?? IntegrationStatus(status: verdict.outcome)
        guard next != current else { return }
        let changedAt =
            next.status != current?.status
            ? verdict.checkedAt.formatted(.iso8601)
            : (try String.fetchOne(
                db,
                sql: """
                    SELECT changed_at FROM integration_status WHERE platform = ? AND system_key = ? AND probe = ? AND target = ?
                    """, arguments: StatementArguments(key)) ?? verdict.checkedAt.formatted(.iso8601))
        try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO integration_status (platform, system_key, probe, target, status, candidate, streak, changed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: StatementArguments(key + [next.status.rawValue, next.candidate?.rawValue, next.streak, changedAt]))
    }

    public func runs(page: PageRequest) async throws -> Page<ProbeRunRecord> {
        try await database.writer.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM probe_run") ?? 0
            let runs = try ProbeRunRecord.fetchAll(
                db, sql: "SELECT * FROM probe_run ORDER BY id DESC LIMIT ? OFFSET ?", arguments: [page.limit, page.offset])
            return Page(items: runs, total: total, limit: page.limit, offset: page.offset)
        }
    }

    public func run(id: Int64) async throws -> (ProbeRunRecord, [StoredVerdict]) {
        try await database.writer.read { db in
            guard let run = try ProbeRunRecord.fetchOne(db, sql: "SELECT * FROM probe_run WHERE id = ?", arguments: [id]) else {
                throw LedgerError.notFound("探测批次", String(id))
            }
            return (run, try verdicts(where: "run_id = ?", [id], limit: 1_000_000, in: db))
        }
    }

    public func canaries(runId: Int64) async throws -> [StoredVerdict] {
        try await database.writer.read { db in try verdicts(where: "run_id = ? AND system_key = '-'", [runId], limit: 100, in: db) }
    }

    public func verdicts(systemCode: String, platform: Platform?, limit: Int) async throws -> [StoredVerdict] {
        try await database.writer.read { db in
            if let platform {
                return try verdicts(where: "system_key = ? AND platform = ?", [systemCode, platform.rawValue], limit: limit, in: db)
            }
            return try verdicts(where: "system_key = ?", [systemCode], limit: limit, in: db)
        }
    }

    public func integrations(systemCode: String) async throws -> [IntegrationRecord] {
        try await database.writer.read { db in
            try IntegrationStatusRow.fetchAll(
                db, sql: "SELECT * FROM integration_status WHERE system_key = ? ORDER BY platform, probe, target",
                arguments: [systemCode]
            ).map(\.record)
        }
    }

    public func integrationCounts(systemCodes: [String]) async throws -> [String: [Platform: [VerdictOutcome: Int]]] {
        guard !systemCodes.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: systemCodes.count).joined(separator: ",")
        return try await database.writer.read { db in
            var counts: [String: [Platform: [VerdictOutcome: Int]]] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT system_key, platform, status, count(*) AS n FROM integration_status
                    WHERE system_key IN (\(marks)) GROUP BY system_key, platform, status
                    """, arguments: StatementArguments(systemCodes))
            for row in rows {
                // A platform or status this version does not know is left out rather than guessed.
                guard let platform = Platform(rawValue: row["platform"]), let status = VerdictOutcome(rawValue: row["status"]) else { continue }
                counts[row["system_key"], default: [:]][platform, default: [:]][status, default: 0] += row["n"] as Int
            }
            return counts
        }
    }

    @discardableResult
    public func prune(now: Date, policy: RetentionPolicy) async throws -> Int {
        let passCutoff = now.addingTimeInterval(-Double(policy.passDays) * 86_400).formatted(.iso8601)
        let otherCutoff = now.addingTimeInterval(-Double(policy.otherDays) * 86_400).formatted(.iso8601)
        return try await database.writer.write { db in
            // The newest verdict stays, so that verdict ids only grow (a funding batch's marks rely on it); the systems
            // whose verdicts go are written down, for their decisions are made again (`FundingBasis`).
            let pruned = "((outcome = 'pass' AND checked_at < ?) OR checked_at < ?) AND id < (SELECT max(id) FROM probe_verdict)"
            try db.execute(
                sql: "INSERT INTO verdict_prune (system_key) SELECT DISTINCT system_key FROM probe_verdict WHERE \(pruned)",
                arguments: [passCutoff, otherCutoff])
            try db.execute(sql: "DELETE FROM probe_verdict WHERE \(pruned)", arguments: [passCutoff, otherCutoff])
            let removed = db.changesCount
            try db.execute(sql: "DELETE FROM probe_run WHERE id NOT IN (SELECT DISTINCT run_id FROM probe_verdict)")
            return removed
        }
    }

    private func verdicts(
        where condition: String, _ arguments: [any DatabaseValueConvertible], limit: Int,
        in db: Database
    ) throws -> [StoredVerdict] {
        let decoder = CanonicalJSON.decoder
        let rows = try Row.fetchAll(
            db, sql: "SELECT id, run_id, body FROM probe_verdict WHERE \(condition) ORDER BY id DESC LIMIT ?",
            arguments: StatementArguments(arguments + [limit]))
        return try rows.map { row in
            var verdict = try decoder.decode(Verdict.self, from: Data((row["body"] as String).utf8))
            verdict.attempts = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT body FROM probe_attempt WHERE verdict_id = ? ORDER BY number"),
                arguments: [row["id"] as Int64]
            ).map {
                try decoder.decode(ProbeAttempt.self, from: Data(($0["body"] as String).utf8))
            }
            return StoredVerdict(id: row["id"], runId: row["run_id"], verdict: verdict)
        }
    }
}
