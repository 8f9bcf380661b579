import Compliance
import Foundation
import LedgerCore
import PostgresNIO

extension PostgresEvaluations {
    /// Decides a funding batch on one snapshot of the ledger and stores it slice by slice, each input and decision once by
    /// its hash (see the type's comment). The batch counts once finished; one cut short is removed with the documents only
    /// it held, here or (after a crash) by a later batch.
    func recordFunding(
        _ plan: FundingPlan, by actor: Actor, progress: (@Sendable (FundingProgress) -> Void)?, decide: @escaping FundingDecider
    ) async throws -> FundingBatch {
        try await recordFunding(plan, by: actor, progress: progress, sliceSize: Self.sliceSize, decide: decide)
    }

    /// `recordFunding`, reading and deciding `sliceSize` systems at a time while the slices before are written.
    func recordFunding(
        _ plan: FundingPlan, by actor: Actor, progress: (@Sendable (FundingProgress) -> Void)?, sliceSize: Int,
        decide: @escaping FundingDecider
    ) async throws -> FundingBatch {
        let cutoff = SQLiteEvaluations.cutoff(asOf: plan.asOf, ledgerAt: plan.ledgerAt)
        return try await store.transaction { snapshot in
            try await snapshot.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            // The ledger as it stood is rebuilt whole from the audit trail (`LedgerHistory`), as on SQLite, and decided
            // without reusing any batch; the ledger as it is is read a slice at a time.
            var historic: ([StoredSystemRows], [String: String])?
            var scope = FundingScope()
            if let moment = plan.ledgerAt {
                historic = try await Self.historicRows(at: moment, cutoff: cutoff, systemCode: plan.systemCode, on: snapshot) { seq, last in
                    progress?(FundingProgress(done: seq, total: last, restoring: true))
                }
            } else {
                scope = try await Self.scope(plan, cutoff: cutoff, on: snapshot)
            }
            let batch = try await store.transaction { [scope] connection in try await Self.start(plan, scope: scope, on: connection) }
            do {
                let read = historic?.0.count ?? scope.systems.count
                let made = try await FundingWork.decideSlices(
                    count: read, sliceSize: sliceSize, reused: scope.reused.count, plan: plan, earlier: scope.earlier,
                    progress: progress, decide: decide,
                    read: { [historic, scope] range in
                        if let (rows, projects) = historic { return SliceRows(systems: Array(rows[range]), projects: projects) }
                        let (systems, projects) = try await Self.liveRows(
                            Array(scope.systems[range]), waivers: scope.waivers, cutoff: cutoff, on: snapshot)
                        return SliceRows(systems: systems, projects: projects)
                    },
                    write: { rows in try await store.transaction { connection in try await Self.write(rows, batch: batch, on: connection) } })
                return try await store.transaction { [scope] connection in
                    try await Self.finish(batch: batch, plan: plan, scope: scope, decided: made, by: actor, on: connection)
                }
            } catch {
                // `try?`: a batch that cannot be removed now stays unfinished, which no list shows and the next batch
                // removes; the first error is the one to report.
                try? await store.transaction { connection in  // removed by the next batch
                    try await connection.run("DELETE FROM evaluation_batch WHERE id = \(batch)")
                    try await Self.removeUnreferencedDocuments(on: connection)
                }
                throw error
            }
        }
    }

    /// The rows of the systems (every one, or one) and of every project as they stood at `moment`, rebuilt from the
    /// audit trail on `snapshot` (on a thread of its own, which waits for each read); verdicts and waivers before `cutoff`.
    private static func historicRows(
        at moment: LedgerMoment, cutoff: String, systemCode: String?, on snapshot: PostgresConnection,
        progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws -> ([StoredSystemRows], [String: String]) {
        let history = try await PostgresRowAccess.onOwnThread {
            try LedgerHistory.at(before: moment.end, rows: PostgresRowAccess(connection: snapshot, locking: false), progress: progress)
        }
        let systems = try history.decoded(InfoSystem.self).filter { system in systemCode.map { $0 == system.code } ?? true }
        if let systemCode, systems.isEmpty { throw LedgerError.notFound(InfoSystem.label, systemCode) }
        var projects: [String: String] = [:]
        for project in try history.decoded(Project.self) { projects[project.code] = try CanonicalJSON.text(project) }
        let resources = try history.resourceFacts()
        var itemCounts: [String: [String: Int]] = [:]
        for (system, facts) in resources {
            itemCounts[system] = Dictionary(uniqueKeysWithValues: facts.map { ($0.code, history.itemCount(ofResource: $0.code)) })
        }
        let rows = try await Self.rows(
            systems: try systems.map { ($0.code, try CanonicalJSON.text($0)) }, resources: resources, itemCounts: itemCounts,
            waivers: try await waivers(systemCode: systemCode, before: cutoff, on: snapshot), cutoff: cutoff, on: snapshot)
        return (rows, projects)
    }

    /// What a batch of `plan` decides anew and takes from an earlier batch, and the marks of the snapshot it reads.
    private static func scope(_ plan: FundingPlan, cutoff: String, on snapshot: PostgresConnection) async throws -> FundingScope {
        var scope = FundingScope()
        let marks = try await FundingBasis.read(context: plan.contextFingerprint, on: snapshot)
        scope.marks = marks
        scope.systems = try await snapshot.column(
            "SELECT key FROM system WHERE \(plan.systemCode)::text IS NULL OR key = \(plan.systemCode) ORDER BY key", as: String.self)
        if let systemCode = plan.systemCode, scope.systems.isEmpty { throw LedgerError.notFound(InfoSystem.label, systemCode) }
        scope.waivers = try await waivers(systemCode: plan.systemCode, before: cutoff, on: snapshot)
        guard plan.systemCode == nil else { return scope }
        let previous = try await snapshot.query(
            """
            SELECT id, basis FROM evaluation_batch WHERE kind = 'funding' AND state = 'done' AND fiscal_year = \(plan.fiscalYear)
                AND as_of = \(plan.asOf.description) AND ledger_at IS NULL AND basis::jsonb ->> 'context' = \(plan.contextFingerprint)
            ORDER BY id DESC LIMIT 1
            """, logger: snapshot.logger)
        var found: (Int64, String)?
        for try await row in previous.decode((Int64, String).self) { found = row }
        guard let (id, basisText) = found else { return scope }
        let earlierBasis = try CanonicalJSON.decoder.decode(FundingBasis.self, from: Data(basisText.utf8))
        let changed = try await earlierBasis.changedSystems(until: marks, on: snapshot)
        let taken = Set(try await snapshot.column("SELECT system_key FROM funding_decision WHERE batch_id = \(id)", as: String.self))
        let systems = scope.systems
        scope.previous = id
        scope.reused = systems.filter { taken.contains($0) && !changed.contains($0) }
        scope.systems = systems.filter { !taken.contains($0) || changed.contains($0) }
        let rows = try await snapshot.query(
            """
            SELECT d.system_key, i.sha256, d.input_id, d.result_id, d.construction, d.operations FROM funding_decision d
            JOIN evaluation_document i ON i.id = d.input_id WHERE d.batch_id = \(id) AND d.system_key = ANY(\(scope.systems))
            """, logger: snapshot.logger)
        for try await (system, sha256, input, result, construction, operations) in rows.decode((String, String, Int64, Int64, String, String).self) {
            scope.earlier[system] = EarlierDecision(
                inputSha256: sha256, inputId: input, resultId: result, construction: construction, operations: operations)
        }
        return scope
    }

    /// Writes the batch's header, unfinished, with the rows it reuses; removes batches left unfinished for six hours
    /// (their server stopped).
    private static func start(_ plan: FundingPlan, scope: FundingScope, on connection: PostgresConnection) async throws -> Int64 {
        let stale = Date().addingTimeInterval(-6 * 3600).formatted(.iso8601)
        let removed = try await connection.count(
            """
            WITH gone AS (DELETE FROM evaluation_batch WHERE kind = 'funding' AND state = 'running' AND created_at < \(stale) RETURNING 1)
            SELECT count(*) FROM gone
            """)
        if removed > 0 { try await removeUnreferencedDocuments(on: connection) }
        let ids = try await connection.column(
            """
            INSERT INTO evaluation_batch (kind, fiscal_year, as_of, policy_version, created_at, summary, ledger_at, state)
            VALUES ('funding', \(plan.fiscalYear), \(plan.asOf.description), \(plan.policyVersion), \(Date().formatted(.iso8601)), '{}',
                \(plan.ledgerAt?.text), 'running')
            RETURNING id
            """, as: Int64.self)
        guard let batch = ids.first else { throw LedgerError(.conflict, "资金评估批次未能保存") }
        if let previous = scope.previous {
            try await connection.run(
                """
                INSERT INTO funding_decision (batch_id, system_key, input_id, result_id, construction, operations)
                SELECT \(batch), system_key, input_id, result_id, construction, operations FROM funding_decision
                WHERE batch_id = \(previous) AND system_key = ANY(\(scope.reused))
                """)
        }
        return batch
    }

    /// Removes the documents no batch refers to any more.
    private static func removeUnreferencedDocuments(on connection: PostgresConnection) async throws {
        try await connection.run(
            """
            DELETE FROM evaluation_document d WHERE NOT EXISTS (SELECT 1 FROM funding_decision f WHERE f.input_id = d.id OR f.result_id = d.id)
            """)
    }

    /// Writes a slice's rows, each new document once (a document another batch stored already is taken by its hash and
    /// locked against removal until the slice commits).
    private static func write(_ rows: [DecisionRow], batch: Int64, on connection: PostgresConnection) async throws {
        var (hashes, summaries, bodies) = ([String](), [String](), [String]())
        for row in rows {
            for case .new(let sha256, let body, let summary) in [row.input, row.result] {
                hashes.append(sha256)
                summaries.append(summary ?? "")
                bodies.append(String(decoding: body, as: UTF8.self))
            }
        }
        var ids: [String: Int64] = [:]
        if !hashes.isEmpty {
            try await connection.run(
                """
                INSERT INTO evaluation_document (sha256, summary, body)
                SELECT sha256, NULLIF(summary, ''), body FROM unnest(\(hashes)::text[], \(summaries)::text[], \(bodies)::text[])
                    AS d(sha256, summary, body)
                ON CONFLICT (sha256) DO NOTHING
                """)
            let found = try await connection.query(
                "SELECT sha256, id FROM evaluation_document WHERE sha256 = ANY(\(hashes)) FOR KEY SHARE", logger: connection.logger)
            for try await (sha256, id) in found.decode((String, Int64).self) { ids[sha256] = id }
        }
        func id(_ document: Document) throws -> Int64 {
            switch document {
            case .stored(let id): return id
            case .new(let sha256, _, _):
                guard let id = ids[sha256] else { throw LedgerError(.conflict, "评估文档 \(sha256.prefix(12))… 写入后无法读回") }
                return id
            }
        }
        let (inputs, results) = (try rows.map { try id($0.input) }, try rows.map { try id($0.result) })
        try await connection.run(
            """
            INSERT INTO funding_decision (batch_id, system_key, input_id, result_id, construction, operations)
            SELECT \(batch), * FROM unnest(\(rows.map(\.system))::text[], \(inputs)::bigint[], \(results)::bigint[],
                \(rows.map(\.construction))::text[], \(rows.map(\.operations))::text[])
            """)
    }

    /// Counts the batch's decisions, records the snapshot's marks (a whole-ledger batch) and what it reused, marks it
    /// finished and audits it.
    private static func finish(
        batch: Int64, plan: FundingPlan, scope: FundingScope, decided: [String: String], by actor: Actor, on connection: PostgresConnection
    ) async throws -> FundingBatch {
        var groups: [(construction: String, operations: String, systems: Int)] = []
        let rows = try await connection.query(
            "SELECT construction, operations, count(*) FROM funding_decision WHERE batch_id = \(batch) GROUP BY 1, 2", logger: connection.logger)
        for try await group in rows.decode((String, String, Int).self) { groups.append(group) }
        let counts = FundingWork.counts(groups)
        var basis = plan.systemCode == nil ? scope.marks : nil
        basis?.reusedFrom = scope.previous
        basis?.reused = scope.previous.map { _ in counts["operations", default: [:]].values.reduce(0, +) - decided.count }
        try await connection.run(
            """
            UPDATE evaluation_batch SET state = 'done', summary = \(try CanonicalJSON.text(counts)),
                basis = \(try basis.map { try CanonicalJSON.text($0) }) WHERE id = \(batch)
            """)
        try await PostgresAuditLog.append(
            on: connection, actor: actor, action: "decide", entity: "funding", key: String(batch),
            changes: try AuditLog.changes(
                old: nil as [String: String]?,
                new: FundingWork.auditRecord(plan, reusedFrom: scope.previous, reused: basis?.reused, decided: decided)))
        return try await batchRow(id: batch, on: connection).batch()
    }

    // MARK: Reading batches

    func fundingBatch(id: Int64) async throws -> FundingBatch {
        try await store.transaction { connection in
            try await connection.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            let row = try await Self.batchRow(id: id, on: connection)
            let results = try await connection.column(
                """
                SELECT r.body FROM funding_decision d JOIN evaluation_document r ON r.id = d.result_id WHERE d.batch_id = \(id)
                ORDER BY d.system_key
                """, as: String.self)
            return try row.batch(decisions: try results.map { try CanonicalJSON.decoder.decode(FundingDecision.self, from: Data($0.utf8)) })
        }
    }

    func fundingBatchHeader(id: Int64) async throws -> FundingBatch {
        try await store.transaction { connection in try await Self.batchRow(id: id, on: connection).batch() }
    }

    func fundingSummaries(batch id: Int64) async throws -> [FundingSummary] {
        let summaries = try await store.transaction { connection in
            try await connection.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            _ = try await Self.batchRow(id: id, on: connection)
            return try await connection.column(
                """
                SELECT r.summary FROM funding_decision d JOIN evaluation_document r ON r.id = d.result_id WHERE d.batch_id = \(id)
                ORDER BY d.system_key
                """, as: String.self)
        }
        return try await summaries.concurrentMap { try FundingSummary(stored: try JSONValue(parsing: $0)) }
    }

    func fundingDecisions(batch id: Int64, systems: [String]) async throws -> [FundingDecision] {
        guard !systems.isEmpty else { return [] }
        let results = try await store.transaction { connection in
            try await connection.column(
                """
                SELECT r.body FROM funding_decision d JOIN evaluation_document r ON r.id = d.result_id
                WHERE d.batch_id = \(id) AND d.system_key = ANY(\(systems)) ORDER BY d.system_key
                """, as: String.self)
        }
        return try results.map { try CanonicalJSON.decoder.decode(FundingDecision.self, from: Data($0.utf8)) }
    }

    func fundingEvaluations(batch id: Int64, after: String?, limit: Int) async throws -> [StoredEvaluation] {
        try await store.transaction { connection in
            let rows = try await connection.query(
                """
                SELECT d.system_key, i.body, r.body FROM funding_decision d JOIN evaluation_document i ON i.id = d.input_id
                    JOIN evaluation_document r ON r.id = d.result_id
                WHERE d.batch_id = \(id) AND d.system_key > \(after ?? "") ORDER BY d.system_key LIMIT \(max(0, limit))
                """, logger: connection.logger)
            var evaluations: [StoredEvaluation] = []
            for try await (system, input, result) in rows.decode((String, String, String).self) {
                evaluations.append(StoredEvaluation(systemCode: system, input: input, result: result))
            }
            return evaluations
        }
    }

    func fundingBatches(page: PageRequest) async throws -> Page<FundingBatch> {
        try await store.transaction { connection in
            try await connection.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            let total = try await connection.count("SELECT count(*) FROM evaluation_batch WHERE kind = 'funding' AND state = 'done'")
            let items = try await Self.batchRows(
                """
                SELECT \(unescaped: Self.batchColumns) FROM evaluation_batch WHERE kind = 'funding' AND state = 'done'
                ORDER BY id DESC LIMIT \(page.limit) OFFSET \(page.offset)
                """, on: connection
            ).map { try $0.batch() }
            return Page(items: items, total: total, limit: page.limit, offset: page.offset)
        }
    }

    /// The columns of a batch's header, in the order `batchRows` reads them.
    private static let batchColumns = "id, created_at, fiscal_year, as_of, policy_version, summary, ledger_at, basis"

    /// The finished funding batch `id`'s header.
    private static func batchRow(id: Int64, on connection: PostgresConnection) async throws -> FundingBatchRow {
        let rows = try await batchRows(
            "SELECT \(unescaped: batchColumns) FROM evaluation_batch WHERE id = \(id) AND kind = 'funding' AND state = 'done'", on: connection)
        guard let row = rows.first else { throw LedgerError.notFound("资金评估批次", String(id)) }
        return row
    }

    /// The batch headers `query` selects (`batchColumns`).
    private static func batchRows(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [FundingBatchRow] {
        var rows: [FundingBatchRow] = []
        for try await (id, created, year, asOf, policy, summary, ledgerAt, basis) in try await connection.query(query, logger: connection.logger)
            .decode((Int64, String, Int, String, String, String?, String?, String?).self)
        {
            rows.append(
                FundingBatchRow(
                    id: id, createdAt: created, fiscalYear: year, asOf: asOf, policyVersion: policy, summary: summary, ledgerAt: ledgerAt,
                    basis: basis))
        }
        return rows
    }
}

extension FundingBasis {
    /// The marks of the database as `connection`'s snapshot sees it.
    static func read(context: String, on connection: PostgresConnection) async throws -> FundingBasis {
        let rows = try await connection.query(
            """
            SELECT (SELECT coalesce(max(seq), 0) FROM audit_entry), (SELECT coalesce(max(id), 0) FROM probe_verdict),
                (SELECT coalesce(max(seq), 0) FROM verdict_prune), (SELECT coalesce(max(id), 0) FROM waiver)
            """, logger: connection.logger)
        for try await (audit, verdict, prune, waiver) in rows.decode((Int64, Int64, Int64, Int64).self) {
            return FundingBasis(context: context, auditSeq: audit, verdictId: verdict, pruneSeq: prune, waiverId: waiver)
        }
        throw LedgerError(.conflict, "无法读取评估依据的记录位置")
    }

    /// The systems whose inputs may differ between this basis and the later `now`, as SQLite's `changedSystems` finds them.
    func changedSystems(until now: FundingBasis, on connection: PostgresConnection) async throws -> Set<String> {
        var named = NamedRecords()
        let entries = try await connection.query(
            """
            SELECT entity, key, changes FROM audit_entry WHERE seq > \(auditSeq) AND seq <= \(now.auditSeq)
                AND entity IN ('system', 'resource', 'project') ORDER BY seq
            """, logger: connection.logger)
        for try await (entity, key, changes) in entries.decode((String, String, String).self) {
            try named.note(entity: entity, key: key, changes: changes)
        }
        var systems = named.systems
        let (resources, projects) = (Array(named.resources), Array(named.projects))
        systems.formUnion(try await connection.column("SELECT system_key FROM resource WHERE key = ANY(\(resources))", as: String.self))
        systems.formUnion(
            try await connection.column(
                "SELECT key FROM system WHERE jsonb_exists_any(body::jsonb -> 'projectCodes', \(projects))", as: String.self))
        systems.formUnion(
            try await connection.column(
                "SELECT DISTINCT system_key FROM probe_verdict WHERE id > \(verdictId) AND id <= \(now.verdictId)", as: String.self))
        systems.formUnion(
            try await connection.column(
                "SELECT DISTINCT system_key FROM verdict_prune WHERE seq > \(pruneSeq) AND seq <= \(now.pruneSeq)", as: String.self))
        systems.formUnion(
            try await connection.column("SELECT DISTINCT system_key FROM waiver WHERE id > \(waiverId) AND id <= \(now.waiverId)", as: String.self))
        return systems
    }
}

extension LedgerHistory {
    /// The records as they stood before `end`, read through `rows` (a PostgreSQL snapshot) a few thousand entries at a
    /// time; to be called on a thread that may wait (`PostgresRowAccess.onOwnThread`).
    static func at(before end: String, rows: PostgresRowAccess, progress: (Int, Int) -> Void) throws -> LedgerHistory {
        let last = try rows.wait { connection in try await connection.count("SELECT coalesce(max(seq), 0) FROM audit_entry") }
        var (buffer, position, after) = ([Entry](), 0, 0)
        return try replay(
            last: last,
            next: {
                if position == buffer.count {
                    let from = after
                    buffer = try rows.wait { connection in
                        var entries: [Entry] = []
                        let read = try await connection.query(
                            """
                            SELECT seq, action, entity, key, changes FROM audit_entry
                            WHERE seq > \(from) AND at < \(end) AND entity IN ('unit', 'project', 'system', 'resource') ORDER BY seq LIMIT 5000
                            """, logger: connection.logger)
                        for try await (seq, action, table, key, changes) in read.decode((Int, String, String, String, String).self) {
                            entries.append(Entry(seq: seq, action: action, table: table, key: key, changes: changes))
                        }
                        return entries
                    }
                    position = 0
                    guard let end = buffer.last else { return nil }
                    after = end.seq
                }
                defer { position += 1 }
                return buffer[position]
            }, stored: { table, key in try rows.storedRow(table: table, key: key)?.body }, progress: progress)
    }
}
