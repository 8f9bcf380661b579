import Compliance
import Foundation
import GRDB
import LedgerCore

/// What a funding batch decides: a fiscal year at an as-of date, for one system or all, on the ledger as it is or as it
/// stood (`ledgerAt`), under a policy version and a context (`ComplianceContext.fingerprint`).
public struct FundingPlan: Sendable {
    public var fiscalYear: Int
    public var asOf: CivilDate
    public var systemCode: String?
    public var ledgerAt: LedgerMoment?
    public var policyVersion: String
    public var contextFingerprint: String

    public init(
        fiscalYear: Int, asOf: CivilDate, systemCode: String? = nil, ledgerAt: LedgerMoment? = nil, policyVersion: String,
        contextFingerprint: String
    ) {
        self.fiscalYear = fiscalYear
        self.asOf = asOf
        self.systemCode = systemCode
        self.ledgerAt = ledgerAt
        self.policyVersion = policyVersion
        self.contextFingerprint = contextFingerprint
    }
}

/// How far a batch has got: systems decided or reused, of all.
public struct FundingProgress: Sendable, Equatable {
    public var done: Int
    public var total: Int
    /// Whether `done` and `total` number the audit trail's entries, read to restore the ledger as it stood
    /// (`--ledger-at`) before any system is decided.
    public var restoring = false
}

/// Decides one input whose stored text has the given SHA-256.
public typealias FundingDecider = @Sendable (ComplianceInput, String) throws -> FundingDecision

/// What a batch decides anew and what it takes from an earlier one, as the ledger stood when it began.
struct FundingScope: Sendable {
    /// The systems whose inputs are read and hashed, in key order.
    var systems: [String] = []
    /// How far the ledger reached when the batch began; `nil` for the ledger as it stood (`ledgerAt`).
    var marks: FundingBasis?
    /// The batch reused, and its systems whose rows are taken as they are.
    var previous: Int64?
    var reused: [String] = []
    /// The rows of the earlier batch for systems read again: an input that hashes the same keeps its decision.
    var earlier: [String: EarlierDecision] = [:]
    var waivers: [String: [Waiver]] = [:]
}

extension SQLiteEvaluations {
    /// Decides a funding batch and stores it slice by slice, each input and decision once by its hash. Each slice is read
    /// in a short read of its own, so that other users' writes go on and the log of written pages is folded into the
    /// database while the batch runs (one read held throughout kept a province's 1.3 GB of it until the end); the batch
    /// still decides one state of the ledger: the systems that a write touched since the batch read its marks
    /// (`FundingBasis`) are read and decided again, the last of them under the write lock of the transaction that
    /// finishes the batch, so that every decision rests on the ledger as it was then. A whole-ledger batch takes from
    /// the newest finished batch for the same year, as-of date and context every decision whose system nothing has
    /// touched since, and reads the rest again: an input that hashes as before keeps its decision, any other is decided
    /// by `decide`. The batch counts (lists, replay) once it is finished; one cut short by a crash is removed by a later
    /// batch.
    public func recordFunding(
        _ plan: FundingPlan, by actor: Actor, progress: (@Sendable (FundingProgress) -> Void)? = nil,
        decide: @escaping FundingDecider
    ) async throws -> FundingBatch {
        try await recordFunding(plan, by: actor, progress: progress, sliceSize: 1_000, decide: decide)
    }

    /// `recordFunding`, reading and deciding `sliceSize` systems at a time: memory holds one slice's inputs and decisions.
    /// `between` runs after each slice is written (tests write there as another user would).
    func recordFunding(
        _ plan: FundingPlan, by actor: Actor, progress: (@Sendable (FundingProgress) -> Void)?, sliceSize: Int,
        between: (@Sendable () async throws -> Void)? = nil, decide: @escaping FundingDecider
    ) async throws -> FundingBatch {
        let cutoff = Self.cutoff(asOf: plan.asOf, ledgerAt: plan.ledgerAt)
        // The ledger as it stood is rebuilt whole from the audit trail (`LedgerHistory`), kept as rows; then decoded,
        // decided and written in slices too.
        var historic: ([StoredSystemRows], [String: String])?
        if let moment = plan.ledgerAt {
            historic = try await database.writer.read { db in
                try Self.historicRows(at: moment, cutoff: cutoff, systemCode: plan.systemCode, in: db) { seq, last in
                    progress?(FundingProgress(done: seq, total: last, restoring: true))
                }
            }
        }
        let scope = try await database.writer.read { db in try Self.scope(plan, cutoff: cutoff, in: db) }
        let batch = try await database.writer.write { db in try Self.start(plan, scope: scope, in: db) }
        let read = historic?.0.count ?? scope.systems.count
        do {
            var decided = try await FundingWork.decideSlices(
                count: read, sliceSize: sliceSize, reused: scope.reused.count, plan: plan, earlier: scope.earlier, progress: progress,
                decide: decide,
                read: { [historic] range in
                    if let (rows, projects) = historic { return SliceRows(systems: Array(rows[range]), projects: projects) }
                    return try await liveRows(Array(scope.systems[range]), cutoff: cutoff, waivers: scope.waivers)
                },
                write: { rows in
                    try await database.writer.write { db in try Self.write(rows, batch: batch, in: db) }
                    try await between?()
                })
            // Many systems touched while the batch ran are decided again outside the write lock first.
            let caughtUp: FundingBasis? =
                if let marks = scope.marks {
                    try await catchUp(
                        batch: batch, plan: plan, cutoff: cutoff, from: marks, sliceSize: sliceSize, earlier: scope.earlier,
                        decided: &decided, decide: decide)
                } else { nil }
            let madeAnew = decided
            return try await database.writer.write { db in
                var decided = madeAnew
                if let caughtUp {
                    let changed = try Self.touched(since: caughtUp, plan: plan, in: db).systems
                    let rows = try Self.liveInputs(changed, plan: plan, cutoff: cutoff, in: db).map { stored in
                        try FundingWork.row(stored, earlier: scope.earlier, decide: decide)
                    }
                    try Self.replace(changed, with: rows, batch: batch, decided: &decided, in: db)
                }
                return try Self.finish(batch: batch, plan: plan, scope: scope, decided: decided, by: actor, in: db)
            }
        } catch {
            do {
                try await database.writer.write { db in
                    try db.execute(sql: "DELETE FROM evaluation_batch WHERE id = ?", arguments: [batch])
                    try Self.removeUnreferencedDocuments(in: db)
                }
            } catch {
                // The batch stays unfinished: no list shows it and the next batch removes it; the first error is the one to report.
            }
            throw error
        }
    }

    /// The stored rows of the systems `keys` as the ledger is now, read in one short transaction.
    private func liveRows(_ keys: [String], cutoff: String, waivers: [String: [Waiver]]? = nil) async throws -> SliceRows {
        let (systems, projects) = try await database.writer.read { db in
            try Self.liveRows(keys, waivers: try waivers ?? Self.waivers(systemCode: nil, before: cutoff, in: db), cutoff: cutoff, in: db)
        }
        return SliceRows(systems: systems, projects: projects)
    }

    /// The inputs of the systems `keys` as `db` sees them.
    private static func liveInputs(_ keys: [String], plan: FundingPlan, cutoff: String, in db: Database) throws -> [StoredInput] {
        let (rows, projects) = try liveRows(keys, waivers: try waivers(systemCode: nil, before: cutoff, in: db), cutoff: cutoff, in: db)
        let decoder = JSONValueDecoder()
        return try rows.map { try $0.decoded(projects: projects, asOf: plan.asOf, fiscalYear: plan.fiscalYear, decoder: decoder) }
    }

    /// Decides again, slice by slice and outside the write lock, the systems (of the plan) that writes touched since
    /// `marks`, while there are more than a slice of them; the marks reached. The few left are decided by the
    /// transaction that finishes the batch.
    private func catchUp(
        batch: Int64, plan: FundingPlan, cutoff: String, from marks: FundingBasis, sliceSize: Int, earlier: [String: EarlierDecision],
        decided: inout [String: String], decide: @escaping FundingDecider
    ) async throws -> FundingBasis {
        var marks = marks
        // Writes that go on faster than the batch decides again are left to the last transaction after a few rounds.
        for _ in 0..<3 {
            let since = marks
            let (now, keys) = try await database.writer.read { db in try Self.touched(since: since, plan: plan, in: db) }
            guard keys.count > sliceSize else { break }
            for start in stride(from: 0, to: keys.count, by: sliceSize) {
                let part = Array(keys[start..<min(start + sliceSize, keys.count)])
                let rows = try await FundingWork.rows(try await liveRows(part, cutoff: cutoff), plan: plan, earlier: earlier, decide: decide)
                let made = try await database.writer.write { db in
                    var made: [String: String] = [:]
                    try Self.replace(part, with: rows, batch: batch, decided: &made, in: db)
                    return made
                }
                for key in part { decided[key] = made[key] }
            }
            marks = now
        }
        return marks
    }

    /// How far the ledger reaches now, and the systems of `plan` (in key order) that writes touched since `marks`.
    private static func touched(since marks: FundingBasis, plan: FundingPlan, in db: Database) throws -> (now: FundingBasis, systems: [String]) {
        let now = try FundingBasis.read(context: marks.context, in: db)
        return (now, try marks.changedSystems(until: now, in: db).filter { plan.systemCode == nil || $0 == plan.systemCode }.sorted())
    }

    /// What `plan` decides anew and takes from an earlier batch.
    private static func scope(_ plan: FundingPlan, cutoff: String, in db: Database) throws -> FundingScope {
        var scope = FundingScope()
        guard plan.ledgerAt == nil else { return scope }
        let marks = try FundingBasis.read(context: plan.contextFingerprint, in: db)
        scope.marks = marks
        if let systemCode = plan.systemCode {
            scope.systems = try String.fetchAll(db, sql: "SELECT key FROM system WHERE key = ?", arguments: [systemCode])
            if scope.systems.isEmpty { throw LedgerError.notFound(InfoSystem.label, systemCode) }
            scope.waivers = try waivers(systemCode: systemCode, before: cutoff, in: db)
            return scope
        }
        let systems = try String.fetchAll(db, sql: "SELECT key FROM system ORDER BY key")
        scope.systems = systems
        if let previous = try Row.fetchOne(
            db,
            sql: """
                SELECT id, basis FROM evaluation_batch WHERE kind = 'funding' AND state = 'done' AND fiscal_year = ? AND as_of = ?
                    AND ledger_at IS NULL AND json_extract(basis, '$.context') = ? ORDER BY id DESC LIMIT 1
                """, arguments: [plan.fiscalYear, plan.asOf.description, plan.contextFingerprint]),
            let earlierBasis = try CanonicalJSON.decoder.decode(FundingBasis?.self, from: Data((previous["basis"] as String).utf8))
        {
            let changed = try earlierBasis.changedSystems(until: marks, in: db)
            let id: Int64 = previous["id"]
            let taken = Set(try String.fetchAll(db, sql: "SELECT system_key FROM funding_decision WHERE batch_id = ?", arguments: [id]))
            scope.previous = id
            scope.reused = systems.filter { taken.contains($0) && !changed.contains($0) }
            scope.systems = systems.filter { !taken.contains($0) || changed.contains($0) }
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT d.system_key, i.sha256, d.input_id, d.result_id, d.construction, d.operations FROM funding_decision d
                    JOIN evaluation_document i ON i.id = d.input_id WHERE d.batch_id = ? AND d.system_key IN (SELECT value FROM json_each(?))
                    """, arguments: [id, try FundingBasis.list(scope.systems)])
            while let row = try rows.next() {
                scope.earlier[row["system_key"]] = EarlierDecision(
                    inputSha256: row["sha256"], inputId: row["input_id"], resultId: row["result_id"], construction: row["construction"],
                    operations: row["operations"])
            }
        }
        scope.waivers = try waivers(systemCode: nil, before: cutoff, in: db)
        return scope
    }

    /// Writes the batch's header, unfinished, with the rows it reuses; removes batches left unfinished by a crash.
    private static func start(_ plan: FundingPlan, scope: FundingScope, in db: Database) throws -> Int64 {
        let stale = Date().addingTimeInterval(-6 * 3600).formatted(.iso8601)
        try db.execute(sql: "DELETE FROM evaluation_batch WHERE kind = 'funding' AND state = 'running' AND created_at < ?", arguments: [stale])
        if db.changesCount > 0 { try removeUnreferencedDocuments(in: db) }
        try db.execute(
            sql: """
                INSERT INTO evaluation_batch (kind, fiscal_year, as_of, policy_version, created_at, summary, ledger_at, state)
                VALUES ('funding', ?, ?, ?, ?, '{}', ?, 'running')
                """,
            arguments: [plan.fiscalYear, plan.asOf.description, plan.policyVersion, Date().formatted(.iso8601), plan.ledgerAt?.text])
        let batch = db.lastInsertedRowID
        if let previous = scope.previous {
            try db.execute(
                sql: """
                    INSERT INTO funding_decision (batch_id, system_key, input_id, result_id, construction, operations)
                    SELECT ?, system_key, input_id, result_id, construction, operations FROM funding_decision
                    WHERE batch_id = ? AND system_key IN (SELECT value FROM json_each(?))
                    """, arguments: [batch, previous, try FundingBasis.list(scope.reused)])
        }
        return batch
    }

    /// Removes the documents no batch refers to any more (those of a batch that failed or was cut short).
    private static func removeUnreferencedDocuments(in db: Database) throws {
        try db.execute(
            sql: """
                DELETE FROM evaluation_document
                WHERE id NOT IN (SELECT input_id FROM funding_decision UNION ALL SELECT result_id FROM funding_decision)
                """)
    }

    /// Writes a slice's rows, each new document once.
    private static func write(_ rows: [DecisionRow], batch: Int64, in db: Database) throws {
        let insertDocument = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO evaluation_document (sha256, summary, body) VALUES (?, ?, CAST(? AS TEXT))")
        let findDocument = try db.cachedStatement(sql: "SELECT id FROM evaluation_document WHERE sha256 = ?")
        func id(_ document: Document) throws -> Int64 {
            switch document {
            case .stored(let id): return id
            case .new(let sha256, let body, let summary):
                try insertDocument.execute(arguments: [sha256, summary, body])
                if db.changesCount > 0 { return db.lastInsertedRowID }
                guard let id = try Int64.fetchOne(findDocument, arguments: [sha256]) else {
                    throw LedgerError(.conflict, "评估文档 \(sha256.prefix(12))… 写入后无法读回")
                }
                return id
            }
        }
        let insert = try db.cachedStatement(
            sql: "INSERT INTO funding_decision (batch_id, system_key, input_id, result_id, construction, operations) VALUES (?, ?, ?, ?, ?, ?)")
        for row in rows {
            try insert.execute(arguments: [batch, row.system, try id(row.input), try id(row.result), row.construction, row.operations])
        }
    }

    /// Puts `rows` in the batch in place of the rows of the systems `keys`; a system of `keys` without a row (removed while
    /// the batch ran) leaves the batch. The documents only the replaced rows held are removed.
    private static func replace(
        _ keys: some Collection<String>, with rows: [DecisionRow], batch: Int64, decided: inout [String: String], in db: Database
    ) throws {
        guard !keys.isEmpty else { return }
        let list = try FundingBasis.list(keys)
        let held = try Int64.fetchAll(
            db,
            sql: """
                SELECT input_id FROM funding_decision WHERE batch_id = ?1 AND system_key IN (SELECT value FROM json_each(?2))
                UNION SELECT result_id FROM funding_decision WHERE batch_id = ?1 AND system_key IN (SELECT value FROM json_each(?2))
                """, arguments: [batch, list])
        try db.execute(
            sql: "DELETE FROM funding_decision WHERE batch_id = ? AND system_key IN (SELECT value FROM json_each(?))", arguments: [batch, list])
        try write(rows, batch: batch, in: db)
        try db.execute(
            sql: """
                DELETE FROM evaluation_document WHERE id IN (SELECT value FROM json_each(?))
                    AND id NOT IN (SELECT input_id FROM funding_decision UNION ALL SELECT result_id FROM funding_decision)
                """, arguments: [try CanonicalJSON.text(held)])
        for key in keys { decided[key] = nil }
        for row in rows { decided[row.system] = row.decided }
    }

    /// Counts the batch's decisions, records what it read and reused, marks it finished and audits it.
    private static func finish(
        batch: Int64, plan: FundingPlan, scope: FundingScope, decided: [String: String], by actor: Actor, in db: Database
    ) throws -> FundingBatch {
        let counts = FundingWork.counts(
            try Row.fetchAll(
                db, sql: "SELECT construction, operations, count(*) AS n FROM funding_decision WHERE batch_id = ? GROUP BY 1, 2", arguments: [batch]
            ).map { ($0["construction"], $0["operations"], $0["n"]) })
        // A whole-ledger batch records how far the ledger reached when it finished, the state it decided.
        var basis = plan.systemCode == nil ? try scope.marks.map { try FundingBasis.read(context: $0.context, in: db) } : nil
        let total = counts["operations", default: [:]].values.reduce(0, +)
        basis?.reusedFrom = scope.previous
        basis?.reused = scope.previous.map { _ in total - decided.count }
        try db.execute(
            sql: "UPDATE evaluation_batch SET state = 'done', summary = ?, basis = ? WHERE id = ?",
            arguments: [try CanonicalJSON.text(counts), try basis.map { try CanonicalJSON.text($0) }, batch])
        try AuditLog.record(
            db, actor: actor, action: "decide", entity: "funding", key: String(batch), old: nil as [String: String]?,
            new: FundingWork.auditRecord(plan, reusedFrom: scope.previous, reused: basis?.reused, decided: decided))
        return try batchRow(id: batch, in: db).batch()
    }

    // MARK: Reading batches

    /// One stored batch with its decisions.
    public func fundingBatch(id: Int64) async throws -> FundingBatch {
        try await database.writer.read { db in
            let row = try Self.batchRow(id: id, in: db)
            let decisions = try Row.fetchAll(
                db, sql: "SELECT result FROM funding_evaluation WHERE batch_id = ? ORDER BY system_key", arguments: [id]
            ).map { try CanonicalJSON.decoder.decode(FundingDecision.self, from: Data(($0["result"] as String).utf8)) }
            return try row.batch(decisions: decisions)
        }
    }

    /// One stored batch without its decisions (its counts tell how many got each status).
    public func fundingBatchHeader(id: Int64) async throws -> FundingBatch {
        try await database.writer.read { db in try Self.batchRow(id: id, in: db).batch() }
    }

    static func batchRow(id: Int64, in db: Database) throws -> FundingBatchRow {
        guard
            let row = try FundingBatchRow.fetchOne(
                db, sql: "SELECT * FROM evaluation_batch WHERE id = ? AND kind = 'funding' AND state = 'done'", arguments: [id])
        else { throw LedgerError.notFound("资金评估批次", String(id)) }
        return row
    }

    /// What lists and charts need of each decision of a batch, in system order, from the summaries stored beside the
    /// decisions (a province's batch: 50,000 decisions of several kilobytes); a batch stored before summaries were
    /// has its decisions decoded.
    public func fundingSummaries(batch id: Int64) async throws -> [FundingSummary] {
        let (summaries, decisions) = try await database.writer.read { db -> ([String], [String]) in
            _ = try Self.batchRow(id: id, in: db)
            let summaries = try String.fetchAll(
                db,
                sql: """
                    SELECT r.summary FROM funding_decision d JOIN evaluation_document r ON r.id = d.result_id WHERE d.batch_id = ?
                    ORDER BY d.system_key
                    """, arguments: [id])
            guard summaries.isEmpty else { return (summaries, []) }
            return ([], try String.fetchAll(db, sql: "SELECT result FROM evaluation WHERE batch_id = ? ORDER BY system_key", arguments: [id]))
        }
        // Read on every core from parsed trees, field by field.
        let decoder = JSONValueDecoder()
        return try await summaries.concurrentMap { try FundingSummary(stored: try JSONValue(parsing: $0)) }
            + decisions.concurrentMap { FundingSummary(try decoder.decode(FundingDecision.self, from: try JSONValue(parsing: $0))) }
    }

    /// The decisions of a batch for some of its systems, in system order.
    public func fundingDecisions(batch id: Int64, systems: [String]) async throws -> [FundingDecision] {
        guard !systems.isEmpty else { return [] }
        return try await database.writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT result FROM funding_evaluation WHERE batch_id = ? AND system_key IN (SELECT value FROM json_each(?)) ORDER BY system_key
                    """, arguments: [id, try FundingBasis.list(systems)]
            ).map { try CanonicalJSON.decoder.decode(FundingDecision.self, from: Data(($0["result"] as String).utf8)) }
        }
    }

    /// Up to `limit` of a batch's systems after `after`, in order, with their stored input and decision texts, for a
    /// replay or an export that reads a batch a page at a time.
    public func fundingEvaluations(batch id: Int64, after: String?, limit: Int) async throws -> [StoredEvaluation] {
        try await database.writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT system_key, input, result FROM funding_evaluation WHERE batch_id = ? AND system_key > ? ORDER BY system_key LIMIT ?
                    """, arguments: [id, after ?? "", limit]
            ).map { StoredEvaluation(systemCode: $0["system_key"], input: $0["input"], result: $0["result"]) }
        }
    }

    /// Batches, newest first, without their decisions.
    public func fundingBatches(page: PageRequest) async throws -> Page<FundingBatch> {
        try await database.writer.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM evaluation_batch WHERE kind = 'funding' AND state = 'done'") ?? 0
            let items = try FundingBatchRow.fetchAll(
                db, sql: "SELECT * FROM evaluation_batch WHERE kind = 'funding' AND state = 'done' ORDER BY id DESC LIMIT ? OFFSET ?",
                arguments: [page.limit, page.offset]
            ).map { try $0.batch() }
            return Page(items: items, total: total, limit: page.limit, offset: page.offset)
        }
    }
}

/// A system's stored input and decision in a batch, as the texts they were stored as.
public struct StoredEvaluation: Sendable {
    public var systemCode: String
    public var input: String
    public var result: String
}
