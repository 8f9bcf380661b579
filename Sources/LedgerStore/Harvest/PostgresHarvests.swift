import Foundation
import LedgerCore
import PostgresNIO

/// `HarvestRepository` on PostgreSQL (issue 18): SQLite's tables and checks. A source has one run at a time across
/// servers: starting a run locks the source's row, and a partial unique index allows one `running` run per source.
struct PostgresHarvests: HarvestRepository {
    let store: PostgresStore
    let codes: CodeLists

    func addSource(_ source: HarvestSource, by actor: Actor) async throws -> HarvestSource {
        let issues = source.issues(codes: codes)
        return try await store.transaction(duplicate: source.nameTaken) { connection in
            var missing = false
            if let system = source.profile.system, !system.isEmpty {
                missing = try await !connection.exists("SELECT 1 FROM system WHERE key = \(system) FOR KEY SHARE")
            }
            try source.check(issues, systemMissing: missing)
            var added = source
            added.createdAt = Ledger.timestamp()
            let ids = try await connection.column(
                """
                INSERT INTO harvest_source (name, location, kind, profile, created_at)
                VALUES (\(source.name), \(source.location), \(source.kind.rawValue), \(try CanonicalJSON.text(source.profile)), \(added.createdAt))
                RETURNING id
                """, as: Int64.self)
            guard let id = ids.first else { throw source.nameTaken }
            added.id = id
            try await PostgresAuditLog.append(
                on: connection, actor: actor, action: "create", entity: "harvest_source", key: source.name,
                changes: try AuditLog.changes(old: nil as HarvestSource?, new: added))
            return added
        }
    }

    func sources() async throws -> [HarvestSource] {
        try await store.transaction { connection in
            try await Self.sources("SELECT \(unescaped: Self.sourceColumns) FROM harvest_source ORDER BY name", on: connection)
        }
    }

    func source(named name: String) async throws -> HarvestSource {
        try await store.transaction { connection in try await Self.source(named: name, locked: false, on: connection) }
    }

    func removeSource(named name: String, by actor: Actor) async throws {
        try await store.transaction { connection in
            let source = try await Self.source(named: name, locked: true, on: connection)
            try await connection.run("DELETE FROM harvest_source WHERE id = \(source.id)")
            try await PostgresAuditLog.append(
                on: connection, actor: actor, action: "delete", entity: "harvest_source", key: name,
                changes: try AuditLog.changes(old: source, new: nil as HarvestSource?))
        }
    }

    func records(source id: Int64) async throws -> [String: HarvestRecord] {
        try await store.transaction { connection in
            let rows = try await connection.query(
                """
                SELECT identifier, resource_key, content_sha256, withdrawn_run, source_modified, run_id FROM harvest_record
                WHERE source_id = \(id)
                """, logger: connection.logger)
            var records: [String: HarvestRecord] = [:]
            for try await (identifier, code, sha256, withdrawn, modified, run) in rows.decode((String, String, String, Int64?, String?, Int64?).self)
            {
                records[identifier] = HarvestRecord(
                    identifier: identifier, resourceCode: code, contentSha256: sha256, withdrawnRun: withdrawn, sourceModified: modified,
                    writtenRun: run)
            }
            return records
        }
    }

    func startRun(source id: Int64) async throws -> HarvestRun {
        try await store.transaction(duplicate: HarvestRun.sourceBusy) { connection in
            guard try await connection.exists("SELECT 1 FROM harvest_source WHERE id = \(id) FOR UPDATE") else {
                throw LedgerError.notFound("采集来源", String(id))
            }
            if try await connection.exists("SELECT 1 FROM harvest_run WHERE source_id = \(id) AND state = 'running'") {
                throw HarvestRun.sourceBusy
            }
            let ids = try await connection.column(
                "INSERT INTO harvest_run (source_id, started_at, state) VALUES (\(id), \(Ledger.timestamp()), 'running') RETURNING id",
                as: Int64.self)
            guard let run = ids.first else { throw HarvestRun.sourceBusy }
            return try await Self.run(id: run, withReport: false, on: connection)
        }
    }

    func finishRun(_ id: Int64, report: [HarvestOutcome], records: [HarvestRecord], since: String?, cursor: String?) async throws -> HarvestRun {
        try await store.transaction { connection in
            let run = try await Self.run(id: id, withReport: false, on: connection)
            for record in records {
                try await connection.run(
                    """
                    INSERT INTO harvest_record (source_id, identifier, resource_key, content_sha256, withdrawn_run, source_modified, run_id)
                    VALUES (\(run.sourceId), \(record.identifier), \(record.resourceCode), \(record.contentSha256), \(record.withdrawnRun),
                        \(record.sourceModified), \(record.writtenRun))
                    ON CONFLICT (source_id, identifier) DO UPDATE SET resource_key = excluded.resource_key,
                        content_sha256 = excluded.content_sha256, withdrawn_run = excluded.withdrawn_run,
                        source_modified = excluded.source_modified, run_id = excluded.run_id
                    """)
            }
            let counts = Dictionary(grouping: report, by: \.result.rawValue).mapValues(\.count)
            try await connection.run(
                """
                UPDATE harvest_run SET state = 'done', finished_at = \(Ledger.timestamp()), counts = \(try CanonicalJSON.text(counts)),
                    report = \(try CanonicalJSON.text(report)), since = \(since), cursor = \(cursor)
                WHERE id = \(id)
                """)
            return try await Self.run(id: id, withReport: true, on: connection)
        }
    }

    func cursor(source id: Int64) async throws -> String? {
        try await store.transaction { connection in
            try await connection.column(
                "SELECT cursor FROM harvest_run WHERE source_id = \(id) AND state = 'done' ORDER BY id DESC LIMIT 1", as: String?.self
            ).first ?? nil
        }
    }

    func failRun(_ id: Int64, error: String) async throws {
        try await store.transaction { connection in
            try await connection.run(
                """
                UPDATE harvest_run SET state = 'failed', finished_at = \(Ledger.timestamp()), error = \(String(error.prefix(FieldLimits.maxLongText)))
                WHERE id = \(id)
                """)
        }
    }

    func runs(source id: Int64?, limit: Int) async throws -> [HarvestRun] {
        try await store.transaction { connection in
            try await Self.runs(
                """
                SELECT \(unescaped: Self.runColumns(withReport: false)) FROM harvest_run r JOIN harvest_source s ON s.id = r.source_id
                WHERE \(id)::bigint IS NULL OR r.source_id = \(id) ORDER BY r.id DESC LIMIT \(min(max(limit, 1), 500))
                """, on: connection)
        }
    }

    func run(id: Int64) async throws -> HarvestRun {
        try await store.transaction { connection in try await Self.run(id: id, withReport: true, on: connection) }
    }

    func provenance(resource code: String) async throws -> HarvestProvenance? {
        try await store.transaction { connection in
            let rows = try await connection.query(
                """
                SELECT s.name, s.location, r.run_id, u.started_at FROM harvest_record r JOIN harvest_source s ON s.id = r.source_id
                LEFT JOIN harvest_run u ON u.id = r.run_id WHERE r.resource_key = \(code) ORDER BY r.run_id DESC NULLS LAST LIMIT 1
                """, logger: connection.logger)
            for try await (name, location, run, started) in rows.decode((String, String, Int64?, String?).self) {
                return HarvestProvenance(source: name, location: location, run: run, writtenAt: started)
            }
            return nil
        }
    }

    func holdings() async throws -> [Int64: HarvestHoldings] {
        try await store.transaction { connection in
            let rows = try await connection.query(
                """
                SELECT h.source_id, r.state, r.share_type, count(*) FROM harvest_record h JOIN resource r ON r.key = h.resource_key
                GROUP BY h.source_id, r.state, r.share_type
                """, logger: connection.logger)
            var holdings: [Int64: HarvestHoldings] = [:]
            for try await (source, state, shareType, count) in rows.decode((Int64, String, String, Int).self) {
                guard let state = CatalogState(rawValue: state) else { continue }  // the store writes only known states
                holdings[source, default: HarvestHoldings()].byState[state, default: 0] += count
                holdings[source, default: HarvestHoldings()].byShareType[shareType, default: 0] += count
            }
            return holdings
        }
    }

    // MARK: Rows

    /// The columns of a source, in the order `sources(_:on:)` reads them.
    private static let sourceColumns = "id, name, location, kind, profile, created_at"

    private static func source(named name: String, locked: Bool, on connection: PostgresConnection) async throws -> HarvestSource {
        let found = try await sources(
            "SELECT \(unescaped: sourceColumns) FROM harvest_source WHERE name = \(name) \(unescaped: locked ? "FOR UPDATE" : "")", on: connection)
        guard let source = found.first else { throw LedgerError.notFound("采集来源", name) }
        return source
    }

    private static func sources(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [HarvestSource] {
        var sources: [HarvestSource] = []
        for try await (id, name, location, kind, profile, created) in try await connection.query(query, logger: connection.logger).decode(
            (Int64, String, String, String, String, String).self)
        {
            sources.append(
                HarvestSource(
                    id: id, name: name, location: location, kind: HarvestKind(rawValue: kind) ?? .dcat,
                    profile: try CanonicalJSON.decoder.decode(HarvestProfile.self, from: Data(profile.utf8)), createdAt: created))
        }
        return sources
    }

    /// The columns of a run (its report only `withReport`), in the order `runs(_:on:)` reads them.
    private static func runColumns(withReport: Bool) -> String {
        "r.id, r.source_id, s.name, r.started_at, r.finished_at, r.state, r.error, r.counts, \(withReport ? "r.report" : "'[]'"), r.since, r.cursor"
    }

    private static func run(id: Int64, withReport: Bool, on connection: PostgresConnection) async throws -> HarvestRun {
        let found = try await runs(
            """
            SELECT \(unescaped: runColumns(withReport: withReport)) FROM harvest_run r JOIN harvest_source s ON s.id = r.source_id
            WHERE r.id = \(id)
            """, on: connection)
        guard let run = found.first else { throw LedgerError.notFound("采集记录", String(id)) }
        return run
    }

    private static func runs(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [HarvestRun] {
        var runs: [HarvestRun] = []
        let rows = try await connection.query(query, logger: connection.logger)
        for try await (id, source, name, started, finished, state, error, counts, report, since, cursor) in rows.decode(
            (Int64, Int64, String, String, String?, String, String?, String, String, String?, String?).self)
        {
            runs.append(
                HarvestRun(
                    id: id, sourceId: source, sourceName: name, startedAt: started, finishedAt: finished, state: state, error: error,
                    counts: try CanonicalJSON.decoder.decode([String: Int].self, from: Data(counts.utf8)),
                    report: try CanonicalJSON.decoder.decode([HarvestOutcome].self, from: Data(report.utf8)), since: since, cursor: cursor))
        }
        return runs
    }
}
