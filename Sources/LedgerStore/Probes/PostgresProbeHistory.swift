import Foundation
import LedgerCore
import PostgresNIO

/// `ProbeHistoryRepository` on PostgreSQL (issue 18): SQLite's tables and the same answers. A run's verdicts are written
/// a thousand at a time, with ids taken from the table's sequence first, so that the rows keep the run's order. Runs and
/// prunes are recorded one at a time across servers (a transaction-scoped advisory lock), so verdict ids grow in the order
/// they are committed, as SQLite's do (a funding batch's marks rely on it), and each integration's status moves one run
/// after the other.
struct PostgresProbeHistory: ProbeHistoryRepository {
    let store: PostgresStore

    /// How many verdicts one statement writes.
    private static let chunk = 1_000
    /// The advisory lock that recording a run or a prune holds.
    private static let historyLock: Int64 = 0x5942_5A02

    func targets(systemCode: String?) async throws -> ([InfoSystem], [String: [CatalogResource]]) {
        try await store.transaction { connection in
            try await connection.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            let decoder = JSONDecoder()
            let systemBodies = try await connection.column(
                "SELECT body FROM system WHERE \(systemCode)::text IS NULL OR key = \(systemCode) ORDER BY key", as: String.self)
            let systems = try systemBodies.map { try decoder.decode(InfoSystem.self, from: Data($0.utf8)) }
            if let systemCode, systems.isEmpty { throw LedgerError.notFound(InfoSystem.label, systemCode) }
            var resources: [String: [CatalogResource]] = [:]
            let rows = try await connection.query(
                "SELECT system_key, body FROM resource WHERE \(systemCode)::text IS NULL OR system_key = \(systemCode) ORDER BY key",
                logger: connection.logger)
            for try await (system, body) in rows.decode((String, String).self) {
                resources[system, default: []].append(try decoder.decode(CatalogResource.self, from: Data(body.utf8)))
            }
            return (systems, resources)
        }
    }

    func recordRun(
        startedAt: Date, finishedAt: Date, asOf: CivilDate, trigger: String, specHashes: [String: String],
        canaries: [Verdict], verdicts: [Verdict], flipThresholds: [Platform: Int]
    ) async throws -> Int64 {
        let summaryJSON = try CanonicalJSON.text(ProbeRunRecord.summary(of: verdicts))
        let hashesJSON = try CanonicalJSON.text(specHashes)
        return try await store.transaction { connection in
            try await connection.run("SELECT pg_advisory_xact_lock(\(Self.historyLock))")
            let inserted = try await connection.column(
                """
                INSERT INTO probe_run (started_at, finished_at, as_of, trigger, spec_hashes, summary)
                VALUES (\(startedAt.formatted(.iso8601)), \(finishedAt.formatted(.iso8601)), \(asOf.description), \(trigger),
                    \(hashesJSON), \(summaryJSON))
                RETURNING id
                """, as: Int64.self)
            guard let runID = inserted.first else { throw LedgerError(.conflict, "探测批次未能保存") }
            let all = canaries + verdicts
            for start in stride(from: 0, to: all.count, by: Self.chunk) {
                try await Self.insert(all[start..<min(start + Self.chunk, all.count)], runID: runID, on: connection)
            }
            try await Self.moveStatuses(verdicts, thresholds: flipThresholds, on: connection)
            return runID
        }
    }

    /// Writes `verdicts` of run `runID` and their attempts, in order.
    private static func insert(_ verdicts: ArraySlice<Verdict>, runID: Int64, on connection: PostgresConnection) async throws {
        let ids = try await connection.column(
            "SELECT nextval('probe_verdict_id_seq') FROM generate_series(1, \(verdicts.count))", as: Int64.self)
        var columns = (platform: [String](), system: [String](), probe: [String](), target: [String](), outcome: [String]())
        var (checkedAt, bodies) = ([String](), [String]())
        var attempts = (verdict: [Int64](), number: [Int](), body: [String]())
        for (id, verdict) in zip(ids, verdicts) {
            var body = verdict
            body.attempts = []
            columns.platform.append(verdict.platform.rawValue)
            columns.system.append(verdict.systemCode)
            columns.probe.append(verdict.probe)
            columns.target.append(verdict.target)
            columns.outcome.append(verdict.outcome.rawValue)
            checkedAt.append(verdict.checkedAt.formatted(.iso8601))
            bodies.append(try CanonicalJSON.text(body))
            for attempt in verdict.attempts {
                attempts.verdict.append(id)
                attempts.number.append(attempt.number)
                attempts.body.append(try CanonicalJSON.text(attempt))
            }
        }
        try await connection.run(
            """
            INSERT INTO probe_verdict (id, run_id, platform, system_key, probe, target, outcome, checked_at, body)
            SELECT id, \(runID), platform, system_key, probe, target, outcome, checked_at, body
            FROM unnest(\(ids)::bigint[], \(columns.platform)::text[], \(columns.system)::text[], \(columns.probe)::text[],
                \(columns.target)::text[], \(columns.outcome)::text[], \(checkedAt)::text[], \(bodies)::text[])
                AS v(id, platform, system_key, probe, target, outcome, checked_at, body)
            ORDER BY id
            """)
        guard !attempts.verdict.isEmpty else { return }
        try await connection.run(
            """
            INSERT INTO probe_attempt (verdict_id, number, body)
            SELECT * FROM unnest(\(attempts.verdict)::bigint[], \(attempts.number)::integer[], \(attempts.body)::text[])
            """)
    }

    /// Moves each integration's status by its verdict and its platform's flip threshold, as SQLite's does.
    private static func moveStatuses(_ verdicts: [Verdict], thresholds: [Platform: Int], on connection: PostgresConnection) async throws {
        guard !verdicts.isEmpty else { return }
        let systems = Array(Set(verdicts.map(\.systemCode))).sorted()
        var current: [IntegrationKey: (state: IntegrationStatus, changedAt: String)] = [:]
        let rows = try await connection.query(
            """
            SELECT platform, system_key, probe, target, status, candidate, streak, changed_at FROM integration_status
            WHERE system_key = ANY(\(systems))
            """, logger: connection.logger)
        for try await (platform, system, probe, target, status, candidate, streak, changedAt) in rows.decode(
            (String, String, String, String, String, String?, Int, String).self)
        {
            let key = IntegrationKey(platform: platform, system: system, probe: probe, target: target)
            current[key] = (try IntegrationKey.state(status: status, candidate: candidate, streak: streak), changedAt)
        }
        var changed: [IntegrationKey: (state: IntegrationStatus, changedAt: String)] = [:]
        for verdict in verdicts {
            let key = IntegrationKey(platform: verdict.platform.rawValue, system: verdict.systemCode, probe: verdict.probe, target: verdict.target)
            let before = changed[key] ?? current[key]
            let next = before?.state.next(verdict.outcome, threshold: thresholds[verdict.platform] ?? 1) ?? IntegrationStatus(status: verdict.outcome)
            guard next != before?.state else { continue }
            let changedAt =
                next.status != before?.state.status
                ? verdict.checkedAt.formatted(.iso8601) : before?.changedAt ?? verdict.checkedAt.formatted(.iso8601)
            changed[key] = (next, changedAt)
        }
        guard !changed.isEmpty else { return }
        let entries = changed.sorted {
            ($0.key.platform, $0.key.system, $0.key.probe, $0.key.target) < ($1.key.platform, $1.key.system, $1.key.probe, $1.key.target)
        }
        let (keys, states) = (entries.map(\.key), entries.map(\.value))
        let candidates = states.map { $0.state.candidate?.rawValue ?? "" }
        try await connection.run(
            """
            INSERT INTO integration_status (platform, system_key, probe, target, status, candidate, streak, changed_at)
            SELECT platform, system_key, probe, target, status, NULLIF(candidate, ''), streak, changed_at
            FROM unnest(\(keys.map(\.platform))::text[], \(keys.map(\.system))::text[], \(keys.map(\.probe))::text[],
                \(keys.map(\.target))::text[], \(states.map(\.state.status.rawValue))::text[], \(candidates)::text[],
                \(states.map(\.state.streak))::integer[], \(states.map(\.changedAt))::text[])
                AS s(platform, system_key, probe, target, status, candidate, streak, changed_at)
            ON CONFLICT (platform, system_key, probe, target) DO UPDATE SET status = excluded.status, candidate = excluded.candidate,
                streak = excluded.streak, changed_at = excluded.changed_at
            """)
    }

    func runs(page: PageRequest) async throws -> Page<ProbeRunRecord> {
        try await store.transaction { connection in
            try await connection.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            let total = try await connection.count("SELECT count(*) FROM probe_run")
            let runs = try await Self.runs(
                "SELECT \(unescaped: Self.runColumns) FROM probe_run ORDER BY id DESC LIMIT \(page.limit) OFFSET \(page.offset)", on: connection)
            return Page(items: runs, total: total, limit: page.limit, offset: page.offset)
        }
    }

    func run(id: Int64) async throws -> (ProbeRunRecord, [StoredVerdict]) {
        try await store.transaction { connection in
            try await connection.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            guard let run = try await Self.runs("SELECT \(unescaped: Self.runColumns) FROM probe_run WHERE id = \(id)", on: connection).first
            else { throw LedgerError.notFound("探测批次", String(id)) }
            return (run, try await Self.verdicts("run_id = \(id)", limit: 1_000_000, on: connection))
        }
    }

    func canaries(runId: Int64) async throws -> [StoredVerdict] {
        try await store.transaction { connection in try await Self.verdicts("run_id = \(runId) AND system_key = '-'", limit: 100, on: connection) }
    }

    func verdicts(systemCode: String, platform: Platform?, limit: Int) async throws -> [StoredVerdict] {
        try await store.transaction { connection in
            try await connection.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return try await Self.verdicts(
                "system_key = \(systemCode) AND (\(platform?.rawValue)::text IS NULL OR platform = \(platform?.rawValue))", limit: limit,
                on: connection)
        }
    }

    func integrations(systemCode: String) async throws -> [IntegrationRecord] {
        let rows = try await store.client.query(
            """
            SELECT platform, probe, target, status, candidate, streak, changed_at FROM integration_status
            WHERE system_key = \(systemCode) ORDER BY platform, probe, target
            """)
        var records: [IntegrationRecord] = []
        for try await (platform, probe, target, status, candidate, streak, changedAt) in rows.decode(
            (String, String, String, String, String?, Int, String).self)
        {
            let state = try IntegrationKey.state(status: status, candidate: candidate, streak: streak)
            records.append(
                IntegrationRecord(platform: platform, systemCode: systemCode, probe: probe, target: target, status: state, changedAt: changedAt))
        }
        return records
    }

    func integrationCounts(systemCodes: [String]) async throws -> [String: [Platform: [VerdictOutcome: Int]]] {
        guard !systemCodes.isEmpty else { return [:] }
        let rows = try await store.client.query(
            """
            SELECT system_key, platform, status, count(*) FROM integration_status WHERE system_key = ANY(\(systemCodes))
            GROUP BY system_key, platform, status
            """)
        var counts: [String: [Platform: [VerdictOutcome: Int]]] = [:]
        for try await (system, platform, status, count) in rows.decode((String, String, String, Int).self) {
            // A platform or status this version does not know is left out rather than guessed.
            guard let platform = Platform(rawValue: platform), let status = VerdictOutcome(rawValue: status) else { continue }
            counts[system, default: [:]][platform, default: [:]][status, default: 0] += count
        }
        return counts
    }

    @discardableResult
    func prune(now: Date, policy: RetentionPolicy) async throws -> Int {
        let passCutoff = now.addingTimeInterval(-Double(policy.passDays) * 86_400).formatted(.iso8601)
        let otherCutoff = now.addingTimeInterval(-Double(policy.otherDays) * 86_400).formatted(.iso8601)
        return try await store.transaction { connection in
            // As SQLite's: the newest verdict stays, and the systems whose verdicts go are written down (`verdict_prune`).
            try await connection.run("SELECT pg_advisory_xact_lock(\(Self.historyLock))")
            let pruned: PostgresQuery = """
                WITH gone AS (
                    DELETE FROM probe_verdict WHERE ((outcome = 'pass' AND checked_at < \(passCutoff)) OR checked_at < \(otherCutoff))
                        AND id < (SELECT max(id) FROM probe_verdict)
                    RETURNING system_key),
                noted AS (INSERT INTO verdict_prune (system_key) SELECT DISTINCT system_key FROM gone ORDER BY system_key)
                SELECT count(*) FROM gone
                """
            let removed = try await connection.count(pruned)
            try await connection.run("DELETE FROM probe_run WHERE id NOT IN (SELECT DISTINCT run_id FROM probe_verdict)")
            return removed
        }
    }

    // MARK: Rows

    /// The columns of a run, in the order `runs(_:on:)` reads them.
    private static let runColumns = "id, started_at, finished_at, as_of, trigger, spec_hashes, summary"

    /// The runs `query` selects (`runColumns`).
    private static func runs(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [ProbeRunRecord] {
        var runs: [ProbeRunRecord] = []
        let decoder = JSONDecoder()
        for try await (id, started, finished, asOf, trigger, hashes, summary) in try await connection.query(query, logger: connection.logger)
            .decode((Int64, String, String, String, String, String, String).self)
        {
            runs.append(
                ProbeRunRecord(
                    id: id, startedAt: started, finishedAt: finished, asOf: asOf, trigger: trigger,
                    specHashes: try decoder.decode([String: String].self, from: Data(hashes.utf8)),
                    summary: try decoder.decode([String: [String: Int]].self, from: Data(summary.utf8))))
        }
        return runs
    }

    /// The verdicts `condition` selects, newest first, at most `limit`, each with its attempts.
    private static func verdicts(_ condition: PostgresQuery, limit: Int, on connection: PostgresConnection) async throws -> [StoredVerdict] {
        let decoder = CanonicalJSON.decoder
        var query = PostgresQuery(unsafeSQL: "SELECT id, run_id, body FROM probe_verdict WHERE \(condition.sql) ORDER BY id DESC LIMIT ")
        query.binds = condition.binds
        query.sql += "$\(condition.binds.count + 1)"
        query.binds.append(Int64(max(0, limit)))
        var verdicts: [StoredVerdict] = []
        for try await (id, runID, body) in try await connection.query(query, logger: connection.logger).decode((Int64, Int64, String).self) {
            verdicts.append(StoredVerdict(id: id, runId: runID, verdict: try decoder.decode(Verdict.self, from: Data(body.utf8))))
        }
        let ids = verdicts.map(\.id)
        var attempts: [Int64: [ProbeAttempt]] = [:]
        let rows = try await connection.query(
            "SELECT verdict_id, body FROM probe_attempt WHERE verdict_id = ANY(\(ids)) ORDER BY verdict_id, number", logger: connection.logger)
        for try await (id, body) in rows.decode((Int64, String).self) {
            attempts[id, default: []].append(try decoder.decode(ProbeAttempt.self, from: Data(body.utf8)))
        }
        return verdicts.map { stored in
            var stored = stored
            stored.verdict.attempts = attempts[stored.id] ?? []
            return stored
        }
    }
}

/// One integration: a probe target of a system on a platform.
private struct IntegrationKey: Hashable {
    var platform: String
    var system: String
    var probe: String
    var target: String

    /// A stored status; one that is no outcome (a damaged or hand-edited database) is a decoding error naming the column,
    /// as SQLite's `IntegrationStatusRow` is.
    static func state(status: String, candidate: String?, streak: Int) throws -> IntegrationStatus {
        func outcome(_ value: String, _ column: String) throws -> VerdictOutcome {
            guard let outcome = VerdictOutcome(rawValue: value) else {
                throw DecodingError.dataCorrupted(
                    DecodingError.Context(codingPath: [], debugDescription: "integration_status.\(column): “\(value)” is no outcome"))
            }
            return outcome
        }
        return IntegrationStatus(status: try outcome(status, "status"), candidate: try candidate.map { try outcome($0, "candidate") }, streak: streak)
    }
}
