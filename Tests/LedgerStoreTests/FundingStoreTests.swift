import Compliance
import Foundation
import GRDB
import LedgerCore
import LedgerTestSupport
import PostgresNIO
import Services
import Testing

@testable import LedgerStore

/// The evaluation store of issue 16: inputs and decisions stored once by their hash, batches written in slices, and a
/// whole-ledger batch that decides again only the systems whose inputs changed since the last one.
@Suite("Store: funding batches by content, reused when nothing changed")
struct FundingStoreTests {
    /// Today, so that the waivers and verdicts recorded by the tests are facts as of it.
    let asOf = CivilDate(Date())

    /// A ledger of three systems (the seeded one with its project and resource, two more of the same unit, the third
    /// listing the project too) and a service on the shipped policy.
    func ledger(on store: TestStore = .sqlite) async throws -> (TestLedger, ComplianceService) {
        let test = try await TestLedger.make(on: store, seeded: true)
        let ledger = test.ledger
        _ = try await ledger.records.create(Fixtures.system(code: "TZ-SYS-002"), by: .commandLine)
        _ = try await ledger.records.create(Fixtures.system(code: "TZ-SYS-003", projects: ["TZXM-2025-001"]), by: .commandLine)
        _ = try await ledger.records.create(Fixtures.resource(code: "103003/000002", system: "TZ-SYS-002"), by: .commandLine)
        return (test, try ComplianceService(ledger: ledger, catalog: Fixtures.catalog))
    }

    func count(_ table: String, _ ledger: Ledger) async throws -> Int {
        try await ledger.sqlite.writer.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM \(table)") ?? 0 }
    }

    /// Each system's decision in the batch is the one a batch of that system alone makes (which never reuses), byte for
    /// byte: what was reused is what deciding again gives.
    func expectSameAsDecidedAlone(_ batch: FundingBatch, _ ledger: Ledger, _ service: ComplianceService) async throws {
        let stored = try await ledger.evaluations.fundingEvaluations(batch: batch.id, after: nil, limit: 100)
        #expect(stored.map(\.systemCode) == ["TZ-SYS-001", "TZ-SYS-002", "TZ-SYS-003"])
        for evaluation in stored {
            let alone = try await service.funding(fiscalYear: 2027, asOf: asOf, systemCode: evaluation.systemCode, by: .commandLine)
            let decided = try await ledger.evaluations.fundingEvaluations(batch: alone.id, after: nil, limit: 1)
            #expect(decided.first?.result == evaluation.result && decided.first?.input == evaluation.input)
        }
        #expect(try await service.replay(batch: batch.id) == ReplayReport(batch: batch.id, matching: 3, differing: []))
    }

    @Test(arguments: TestStore.available) func aSecondBatchOnAnUnchangedLedgerReusesEveryDecisionAndStoresNoDocument(store: TestStore) async throws {
        let (test, service) = try await ledger(on: store)
        defer { test.close() }
        let ledger = test.ledger
        let first = try await service.funding(fiscalYear: 2027, asOf: asOf, by: .commandLine)
        #expect(first.reusedFrom == nil && first.counts["operations"]?.values.reduce(0, +) == 3)
        if store == .sqlite { #expect(try await count("evaluation_document", ledger) == 6) }  // three inputs, three decisions
        let second = try await service.funding(fiscalYear: 2027, asOf: asOf, by: .commandLine)
        #expect(second.reusedFrom == first.id && second.reused == 3)
        #expect(second.counts == first.counts)
        if store == .sqlite { #expect(try await count("evaluation_document", ledger) == 6) }
        try await expectSameAsDecidedAlone(second, ledger, service)
        // The summaries stored beside the decisions are what the decisions say.
        let decisions = try await ledger.evaluations.fundingBatch(id: second.id).decisions
        #expect(try await ledger.evaluations.fundingSummaries(batch: second.id) == decisions.map(FundingSummary.init))
        // Read field by field, a summary is what it was written as; a damaged one is refused in Chinese, not trapped on.
        for summary in decisions.map(FundingSummary.init) {
            #expect(try FundingSummary(stored: JSONValue(parsing: CanonicalJSON.text(summary))) == summary)
            var fields = try JSONValue(parsing: CanonicalJSON.text(summary)).objectValue ?? [:]
            for (key, damage) in [("omCap", JSONValue.string("很多")), ("scoreTenths", .string("9")), ("articles", .array([.int(1)]))] {
                var damaged = fields
                damaged[key] = damage
                #expect(throws: LedgerError.self) { try FundingSummary(stored: .object(damaged)) }
            }
            fields["construction"] = nil
            #expect(throws: LedgerError.self) { try FundingSummary(stored: .object(fields)) }
        }
        #expect(decisions.count == 3 && Set(decisions.map(\.inputs.inputSha256)).count == 3)
        // Another as-of date, or a batch of one system, decides anew.
        let later = try await service.funding(fiscalYear: 2027, asOf: asOf.adding(days: 1), by: .commandLine)
        #expect(later.reusedFrom == nil)
        // The audit entry says what was taken over.
        let entry = try await ledger.audit.entries(entity: "funding", key: String(second.id), limit: 1).first
        #expect(entry?.changes.contains { $0.new == "沿用批次 #\(first.id) 中输入未变的 3 个系统的决定" } == true)
    }

    @Test(arguments: TestStore.available) func everyKindOfChangeMakesItsSystemsDecidedAgain(store: TestStore) async throws {
        let (test, service) = try await ledger(on: store)
        defer { test.close() }
        let ledger = test.ledger
        var last = try await service.funding(fiscalYear: 2027, asOf: asOf, by: .commandLine)
        func again(reusing expected: Int) async throws {
            let batch = try await service.funding(fiscalYear: 2027, asOf: asOf, by: .commandLine)
            #expect(batch.reusedFrom == last.id)
            #expect(batch.reused == expected)
            try await expectSameAsDecidedAlone(batch, ledger, service)
            last = batch
        }
        // A system's own field: that system.
        let second = try await ledger.records.fetch(InfoSystem.self, key: "TZ-SYS-002")
        var edited = second.record
        edited.xinchuang = "已适配"
        _ = try await ledger.records.update(InfoSystem.self, id: second.id, with: edited, expectedVersion: nil, by: .commandLine)
        try await again(reusing: 2)
        // A resource's data items: the system it is in.
        let resource = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001")
        var items = resource.record
        items.items.append(DataItem(name: "抵押金额", type: "N", length: 18))
        _ = try await ledger.records.update(CatalogResource.self, id: resource.id, with: items, expectedVersion: nil, by: .commandLine)
        try await again(reusing: 2)
        // A resource moved to another system: both.
        var moved = try await ledger.records.fetch(CatalogResource.self, key: "103003/000002").record
        moved.systemCode = "TZ-SYS-003"
        let movedID = try await ledger.records.fetch(CatalogResource.self, key: "103003/000002").id
        _ = try await ledger.records.update(CatalogResource.self, id: movedID, with: moved, expectedVersion: nil, by: .commandLine)
        try await again(reusing: 1)
        // A project: every system that lists it.
        let project = try await ledger.records.fetch(Project.self, key: "TZXM-2025-001")
        var amended = project.record
        amended.approvedAmount = Money(yuan: 1_500_000)
        _ = try await ledger.records.update(Project.self, id: project.id, with: amended, expectedVersion: nil, by: .commandLine)
        try await again(reusing: 1)
        // A waiver: its system.
        _ = try await ledger.evaluations.addWaiver(
            Waiver(systemCode: "TZ-SYS-002", check: .xinchuang, reason: "适配中", approver: "大数据局", expiresOn: CivilDate("2027-12-31")!),
            by: .commandLine)
        try await again(reusing: 2)
        // A verdict: its system.
        let verdict = Verdict(
            platform: .aishandong, probe: "service-item", systemCode: "TZ-SYS-003", target: "370481000001", outcome: .pass, reason: "在办",
            checkedAt: Date(), specHash: String(repeating: "a", count: 64))
        _ = try await ledger.probeHistory.recordRun(
            startedAt: Date(), finishedAt: Date(), asOf: asOf, trigger: "test", specHashes: [:], canaries: [], verdicts: [verdict],
            flipThresholds: [:])
        try await again(reusing: 2)
        // A system added: decided, the others reused.
        _ = try await ledger.records.create(Fixtures.system(code: "TZ-SYS-004"), by: .commandLine)
        let withNew = try await service.funding(fiscalYear: 2027, asOf: asOf, by: .commandLine)
        #expect(withNew.reused == 3)
        #expect(
            try await ledger.evaluations.fundingEvaluations(batch: withNew.id, after: nil, limit: 10).map(\.systemCode)
                == ["TZ-SYS-001", "TZ-SYS-002", "TZ-SYS-003", "TZ-SYS-004"])
    }

    @Test func aPruneOfVerdictsDecidesAgainTheSystemsWhoseVerdictsItRemoved() async throws {
        let (test, service) = try await ledger()
        defer { test.close() }
        let ledger = test.ledger
        func verdict(_ system: String, daysAgo: Double) -> Verdict {
            Verdict(
                platform: .aishandong, probe: "service-item", systemCode: system, target: "370481000001", outcome: .pass, reason: "在办",
                checkedAt: Date().addingTimeInterval(-daysAgo * 86_400), specHash: String(repeating: "a", count: 64))
        }
        for (system, days) in [("TZ-SYS-001", 90.0), ("TZ-SYS-003", 0)] {
            let seen = verdict(system, daysAgo: days)
            _ = try await ledger.probeHistory.recordRun(
                startedAt: seen.checkedAt, finishedAt: seen.checkedAt, asOf: asOf, trigger: "test", specHashes: [:], canaries: [],
                verdicts: [seen], flipThresholds: [:])
        }
        let first = try await service.funding(fiscalYear: 2027, asOf: asOf, by: .commandLine)
        #expect(try await ledger.probeHistory.prune(now: Date(), policy: RetentionPolicy(passDays: 30, otherDays: 400)) == 1)
        let second = try await service.funding(fiscalYear: 2027, asOf: asOf, by: .commandLine)
        #expect(second.reusedFrom == first.id && second.reused == 2)
        try await expectSameAsDecidedAlone(second, ledger, service)
        // The newest verdict is never pruned, so that verdict ids only grow and a new one is always after the marks.
        try await ledger.sqlite.writer.write { try $0.execute(sql: "UPDATE probe_verdict SET checked_at = '2000-01-01T00:00:00Z'") }
        #expect(try await ledger.probeHistory.prune(now: Date(), policy: RetentionPolicy(passDays: 30, otherDays: 400)) == 0)
    }

    @Test func aBatchIsWrittenInSlicesWithProgressAndCountsOnlyWhenFinished() async throws {
        let (test, service) = try await ledger()
        defer { test.close() }
        let ledger = test.ledger
        let context = try service.context(asOf: asOf)
        let plan = FundingPlan(fiscalYear: 2027, asOf: asOf, policyVersion: context.policy.version, contextFingerprint: context.fingerprint)
        let store = SQLiteEvaluations(database: try ledger.sqlite)
        let seen = Seen()
        let decide: FundingDecider = { input, sha256 in try FundingDecision.evaluate(input, context, inputSha256: sha256) }
        let batch = try await store.recordFunding(plan, by: .commandLine, progress: { seen.add($0) }, sliceSize: 2, decide: decide)
        #expect(seen.all == [FundingProgress(done: 0, total: 3), FundingProgress(done: 2, total: 3), FundingProgress(done: 3, total: 3)])
        #expect(try await ledger.evaluations.fundingEvaluations(batch: batch.id, after: nil, limit: 10).count == 3)

        // A batch cut short by a crash (its process killed while writing) is not listed, and the next batch, hours
        // later, removes it with the documents only it held.
        try await ledger.sqlite.writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO evaluation_batch (kind, fiscal_year, as_of, policy_version, created_at, summary, state)
                    VALUES ('funding', 2027, '2026-10-31', 'x', '2026-01-01T00:00:00Z', '{}', 'running')
                    """)
            let crashed = db.lastInsertedRowID
            try db.execute(sql: "INSERT INTO evaluation_document (sha256, body) VALUES ('orphan', '{}')")
            let document = db.lastInsertedRowID
            try db.execute(
                sql: "INSERT INTO funding_decision VALUES (?, 'TZ-SYS-001', ?, ?, 'eligible', 'eligible')", arguments: [crashed, document, document])
        }
        #expect(try await ledger.evaluations.fundingBatches().total == 1)
        _ = try await service.funding(fiscalYear: 2027, asOf: asOf, by: .commandLine)
        #expect(try await count("evaluation_batch WHERE state = 'running'", ledger) == 0)
        #expect(try await count("evaluation_document WHERE sha256 = 'orphan'", ledger) == 0)
    }
}

extension FundingStoreTests {
    /// The rows of `table` (with a condition) on either store.
    func rows(_ table: String, _ ledger: Ledger) async throws -> Int {
        guard case .postgres(let store) = ledger.store else { return try await count(table, ledger) }
        return try await store.client.withConnection { try await $0.count(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)")) }
    }

    /// Slices are read while the ones before are decided and written (a pipeline); a batch that fails in a later slice
    /// stops reading and writing before it is removed, with every document only it had written: nothing is left.
    @Test(arguments: TestStore.available) func aBatchThatFailsPartWayLeavesNothing(store: TestStore) async throws {
        let (test, service) = try await ledger(on: store)
        defer { test.close() }
        let ledger = test.ledger
        let context = try service.context(asOf: asOf)
        let plan = FundingPlan(fiscalYear: 2027, asOf: asOf, policyVersion: context.policy.version, contextFingerprint: context.fingerprint)
        let seen = Seen()
        func record(_ plan: FundingPlan, decide: @escaping FundingDecider) async throws -> FundingBatch {
            switch ledger.store {
            case .sqlite(let database):
                try await SQLiteEvaluations(database: database).recordFunding(
                    plan, by: .commandLine, progress: { seen.add($0) }, sliceSize: 1, decide: decide)
            case .postgres(let postgres):
                try await PostgresEvaluations(store: postgres).recordFunding(
                    plan, by: .commandLine, progress: { seen.add($0) }, sliceSize: 1, decide: decide)
            }
        }
        let batch = try await record(plan) { input, sha256 in try FundingDecision.evaluate(input, context, inputSha256: sha256) }
        #expect(seen.all.map(\.done) == [0, 1, 2, 3])
        #expect(
            try await ledger.evaluations.fundingEvaluations(batch: batch.id, after: nil, limit: 10).map(\.systemCode) == [
                "TZ-SYS-001", "TZ-SYS-002", "TZ-SYS-003"
            ])
        let documents = try await rows("evaluation_document", ledger)
        var later = plan
        later.asOf = asOf.adding(days: 1)  // on the same day every decision would be reused
        let failed = await #expect(throws: LedgerError.self) {
            try await record(later) { input, sha256 in
                guard input.system.code != "TZ-SYS-003" else { throw LedgerError(.conflict, "故意失败") }
                return try FundingDecision.evaluate(input, context, inputSha256: sha256)
            }
        }
        #expect(failed?.message == "故意失败")
        #expect(try await ledger.evaluations.fundingBatches().items.map(\.id) == [batch.id])
        #expect(try await rows("evaluation_batch", ledger) == 1)
        #expect(try await rows("funding_decision", ledger) == 3)
        #expect(try await rows("evaluation_document", ledger) == documents)
        if case .postgres(let postgres) = ledger.store {
            // Stored documents are compressed by lz4 where the server has it (Debian's PostgreSQL 15 does).
            let methods = try await postgres.client.withConnection { connection in
                try await connection.column(
                    """
                    SELECT attcompression::text FROM pg_attribute WHERE attrelid = 'evaluation_document'::regclass
                        AND attname IN ('body', 'summary') ORDER BY attname
                    """, as: String.self)
            }
            #expect(methods == ["l", "l"])
        }
    }

    /// Slices are read in short transactions of their own, yet a batch decides one state of the ledger: systems that
    /// writes touched while it ran are decided again on the ledger as the batch finishes — many outside the write lock
    /// first (slices of one system, two touched), few in the finishing transaction (a slice of three) — and the next
    /// batch takes every decision over.
    @Test(arguments: [1, 3]) func writesMadeWhileABatchRunsAreInItsDecisions(sliceSize: Int) async throws {
        let (test, service) = try await ledger()
        defer { test.close() }
        let ledger = test.ledger
        let context = try service.context(asOf: asOf)
        let plan = FundingPlan(fiscalYear: 2027, asOf: asOf, policyVersion: context.policy.version, contextFingerprint: context.fingerprint)
        let store = SQLiteEvaluations(database: try ledger.sqlite)
        let writes = Seen()  // the slices written so far
        // After the first slice, with TZ-SYS-001 in it, is written: TZ-SYS-001 is edited and a system added.
        let anotherUser: @Sendable () async throws -> Void = {
            writes.add(FundingProgress(done: writes.all.count + 1, total: 0))
            guard writes.all.count == 1 else { return }
            let system = try await ledger.records.fetch(InfoSystem.self, key: "TZ-SYS-001")
            var edited = system.record
            edited.xinchuang = "已适配"
            _ = try await ledger.records.update(InfoSystem.self, id: system.id, with: edited, expectedVersion: nil, by: .commandLine)
            _ = try await ledger.records.create(Fixtures.system(code: "TZ-SYS-004"), by: .commandLine)
        }
        let decide: FundingDecider = { input, sha256 in try FundingDecision.evaluate(input, context, inputSha256: sha256) }
        let batch = try await store.recordFunding(
            plan, by: .commandLine, progress: nil, sliceSize: sliceSize, between: anotherUser, decide: decide)
        let stored = try await ledger.evaluations.fundingEvaluations(batch: batch.id, after: nil, limit: 10)
        #expect(stored.map(\.systemCode) == ["TZ-SYS-001", "TZ-SYS-002", "TZ-SYS-003", "TZ-SYS-004"])
        #expect(stored.first?.input.contains("已适配") == true)
        for evaluation in stored {
            let alone = try await service.funding(fiscalYear: 2027, asOf: asOf, systemCode: evaluation.systemCode, by: .commandLine)
            let decided = try await ledger.evaluations.fundingEvaluations(batch: alone.id, after: nil, limit: 1)
            #expect(decided.first?.result == evaluation.result && decided.first?.input == evaluation.input)
        }
        #expect(batch.counts["operations"]?.values.reduce(0, +) == 4)
        #expect(try await service.replay(batch: batch.id) == ReplayReport(batch: batch.id, matching: 4, differing: []))
        // Only the documents of the decisions kept remain: those of TZ-SYS-001 before the edit were removed.
        #expect(try await count("evaluation_document", ledger) == 8)
        let next = try await service.funding(fiscalYear: 2027, asOf: asOf, by: .commandLine)
        #expect(next.reusedFrom == batch.id && next.reused == 4)
    }

    /// `ybz funding --format json` writes the batch a page at a time from the stored texts: the document decodes to the
    /// batch with every decision, in order, as the store reads it whole.
    @Test func aBatchWrittenAsJSONPieceByPieceIsTheWholeBatch() async throws {
        let (test, service) = try await ledger()
        defer { test.close() }
        let ledger = test.ledger
        let batch = try await service.funding(fiscalYear: 2027, asOf: asOf, by: .commandLine)
        var pieces: [String] = []
        try await service.writeBatchJSON(id: batch.id) { pieces.append($0) }
        #expect(pieces.count == 3)  // the fields, one page of decisions, the end
        let written = try CanonicalJSON.decoder.decode(FundingBatch.self, from: Data(pieces.joined().utf8))
        let whole = try await ledger.evaluations.fundingBatch(id: batch.id)
        #expect(written.decisions == whole.decisions && written.decisions.count == 3)
        #expect(written.id == whole.id && written.counts == whole.counts && written.asOf == whole.asOf)
        // The summaries stored beside the decisions are written directly, as Foundation writes them.
        for decision in whole.decisions {
            var summary = FundingSummary(decision)
            try #expect(CanonicalJSON.encode(summary) == CanonicalJSON.encoder.encode(summary))
            summary.scoreTenths = nil
            summary.systemName = "名\"称\n"
            try #expect(CanonicalJSON.encode(summary) == CanonicalJSON.encoder.encode(summary))
        }
    }
}

/// What a progress callback was told, in order.
private final class Seen: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [FundingProgress] = []
    func add(_ progress: FundingProgress) { lock.withLock { seen.append(progress) } }
    var all: [FundingProgress] { lock.withLock { seen } }
}

@Suite("Store: readiness")
struct ReadinessTests {
    /// Ready when the database reads and every migration has run; not while one is missing (a server of an older
    /// program, or one migrating the database).
    @Test func aDatabaseIsReadyOnlyWhenMigrated() async throws {
        let ledger = try Fixtures.ledger()
        #expect(try await ledger.sqlite.unreadiness() == nil)
        try await ledger.sqlite.writer.write { try $0.execute(sql: "DELETE FROM grdb_migrations WHERE identifier LIKE 'v10:%'") }
        #expect(try await ledger.sqlite.unreadiness() == "数据库尚未升级到本程序的结构")
    }
}
