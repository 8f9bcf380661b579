import Compliance
import Foundation
import GRDB
import LedgerCore
import LedgerTestSupport
import Services
import Synchronization
import Testing

@testable import LedgerStore

extension ComplianceService {
    /// `funding`, with the stored batch's decisions read back.
    func decidedFunding(
        fiscalYear: Int, asOf: CivilDate, systemCode: String? = nil, ledgerAt: LedgerMoment? = nil, by actor: Actor
    ) async throws -> FundingBatch {
        let batch = try await funding(fiscalYear: fiscalYear, asOf: asOf, systemCode: systemCode, ledgerAt: ledgerAt, by: actor)
        return try await ledger.evaluations.fundingBatch(id: batch.id)
    }
}

extension EvaluationRepository {
    /// The stored inputs of a batch with the hashes of their texts, in system order.
    func fundingInputs(batch id: Int64) async throws -> [(input: ComplianceInput, sha256: String)] {
        try await fundingEvaluations(batch: id, after: nil, limit: 10_000).map { stored in
            let text = Data(stored.input.utf8)
            return (try CanonicalJSON.decoder.decode(ComplianceInput.self, from: text), ComplianceInput.sha256(of: text))
        }
    }
}

@Suite("Store: funding batches, waivers, deregistration")
struct ComplianceStoreTests {
    /// A service over the seeded ledger with a copy of the shipped policy in its own folder.
    func service(_ ledger: Ledger) throws -> (ComplianceService, URL) {
        let folder = try Fixtures.temporaryDirectory()
        let file = folder.appendingPathComponent("policy.yaml")
        try FileManager.default.copyItem(at: Fixtures.catalog.policyURL.appendingPathComponent("tengzhou-2025.yaml"), to: file)
        return (ComplianceService(ledger: ledger, policies: try PolicyBook.load(from: folder), calendar: try Fixtures.catalog.calendar()), file)
    }

    @Test(arguments: TestStore.available) func aBatchReplaysExactlyAndRefusesAChangedPolicy(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        let (service, file) = try service(ledger)
        let batch = try await service.decidedFunding(fiscalYear: 2027, asOf: CivilDate("2026-10-31")!, by: .commandLine)
        #expect(batch.decisions.map(\.systemCode) == ["TZ-SYS-001"])
        #expect(try await ledger.evaluations.fundingBatches().items.map(\.id) == [batch.id])
        // The stored input (assembled from the stored system and project texts) is the input the checks saw, and
        // the decision names its hash.
        let recorded = try await ledger.evaluations.fundingInputs(batch: batch.id)
        #expect(recorded.map(\.input) == (try await ledger.evaluations.inputs(fiscalYear: 2027, asOf: CivilDate("2026-10-31")!)))
        #expect(recorded.map(\.sha256) == batch.decisions.map(\.inputs.inputSha256))
        // The ledger changes after the decision: the replay still uses the recorded input.
        let stored = try await ledger.records.fetch(InfoSystem.self, key: "TZ-SYS-001")
        var system = stored.record
        system.xinchuang = "已适配"
        _ = try await ledger.records.update(InfoSystem.self, id: stored.id, with: system, expectedVersion: nil, by: .commandLine)
        #expect(try await service.replay(batch: batch.id) == ReplayReport(batch: batch.id, matching: 1, differing: []))

        let edited = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: "minimumScore: 60", with: "minimumScore: 70")
        try edited.write(to: file, atomically: true, encoding: .utf8)
        let changed = ComplianceService(
            ledger: ledger, policies: try PolicyBook.load(from: file.deletingLastPathComponent()),
            calendar: service.calendar)
        let error = await #expect(throws: LedgerError.self) { try await changed.replay(batch: batch.id) }
        #expect(error?.kind == .conflict)
        #expect(error?.message.contains("文件内容已改变") == true)
    }

    /// Finance asks what a decision would have been on a past day after the ledger has changed: the batch decided on
    /// the ledger as it stood then (rebuilt from the audit trail) is the batch that was run then, input for input.
    @Test(arguments: TestStore.available) func aDecisionOnTheLedgerAsItStoodIsTheOneRunThen(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        let (service, _) = try service(ledger)
        let asOf = CivilDate("2026-10-31")!
        // Edits before the batch, so that the history is more than the records' creation: a text field set, a
        // resource's items and text changed, an amount changed, a second resource registered.
        let system = try await ledger.records.fetch(InfoSystem.self, key: "TZ-SYS-001")
        var edited = system.record
        edited.xinchuang = "已适配"
        _ = try await ledger.records.update(InfoSystem.self, id: system.id, with: edited, expectedVersion: nil, by: .commandLine)
        let resource = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001")
        var changed = resource.record
        changed.summary = "不动产登记信息，含抵押登记"
        changed.items.append(DataItem(name: "抵押金额", type: "N", length: 18, description: "万元"))
        _ = try await ledger.records.update(CatalogResource.self, id: resource.id, with: changed, expectedVersion: nil, by: .commandLine)
        let project = try await ledger.records.fetch(Project.self, key: "TZXM-2025-001")
        var amended = project.record
        amended.approvedAmount = Money(yuan: 1_200_000)
        _ = try await ledger.records.update(Project.self, id: project.id, with: amended, expectedVersion: nil, by: .commandLine)
        let second = try await ledger.records.create(Fixtures.resource(code: "103003/000002", name: "抵押登记信息"), by: .commandLine)
        let then = try await service.decidedFunding(fiscalYear: 2027, asOf: asOf, by: .commandLine)
        let moment = Date().formatted(.iso8601)
        try await Task.sleep(for: .milliseconds(1100))  // times are to the second: what follows is after the moment

        // The ledger changes afterwards: names, a text field, the amount, one resource deleted and one added, a waiver.
        edited = try await ledger.records.fetch(InfoSystem.self, key: "TZ-SYS-001").record
        (edited.name, edited.xinchuang) = ("滕州市不动产统一登记平台", nil)
        _ = try await ledger.records.update(InfoSystem.self, id: system.id, with: edited, expectedVersion: nil, by: .commandLine)
        amended.approvedAmount = Money(yuan: 2_000_000)
        _ = try await ledger.records.update(Project.self, id: project.id, with: amended, expectedVersion: nil, by: .commandLine)
        try await ledger.records.delete(CatalogResource.self, id: second.id, expectedVersion: nil, by: .commandLine)
        _ = try await ledger.records.create(Fixtures.resource(code: "103003/000003", name: "查封登记信息"), by: .commandLine)
        _ = try await ledger.evaluations.addWaiver(
            Waiver(systemCode: "TZ-SYS-001", check: .xinchuang, reason: "适配中", approver: "大数据局", expiresOn: CivilDate("2027-12-31")!),
            by: .commandLine)
        let now = try await service.decidedFunding(fiscalYear: 2027, asOf: asOf, by: .commandLine)
        #expect(now.decisions != then.decisions)

        let asItStood = try await service.decidedFunding(fiscalYear: 2027, asOf: asOf, ledgerAt: LedgerMoment(moment), by: .commandLine)
        #expect(asItStood.ledgerAt == moment)
        #expect(asItStood.decisions == then.decisions)
        // Restoring the ledger reports how far the audit trail is read, then the systems decided.
        let heard = Mutex<[FundingProgress]>([])
        _ = try await service.funding(fiscalYear: 2027, asOf: asOf, ledgerAt: LedgerMoment(moment), by: .commandLine) { step in
            heard.withLock { $0.append(step) }
        }
        let steps = heard.withLock { $0 }
        let restoring = steps.filter(\.restoring)
        #expect(!restoring.isEmpty && restoring.allSatisfy { $0.total > 0 && $0.done <= $0.total })
        #expect(steps.first?.restoring == true && steps.last == FundingProgress(done: 1, total: 1))
        let recorded = try await ledger.evaluations.fundingInputs(batch: then.id)
        #expect(try await ledger.evaluations.fundingInputs(batch: asItStood.id).map(\.sha256) == recorded.map(\.sha256))
        #expect(try await ledger.evaluations.fundingBatchHeader(id: asItStood.id).ledgerAt == moment)
        // The ledger at the end of a day before it held anything has no system to decide.
        let empty = try await service.decidedFunding(fiscalYear: 2027, asOf: asOf, ledgerAt: LedgerMoment("2026-01-01"), by: .commandLine)
        #expect(empty.decisions.isEmpty)
        #expect(LedgerMoment("2026-02-30") == nil && LedgerMoment("3000-01-01") == nil && LedgerMoment("昨天") == nil)
        #expect(LedgerMoment("2026-10-31T18:00:00+08:00")?.end == "2026-10-31T10:00:01Z")
    }

    /// A ledger written by the release before this change (schema v8: batches without `ledger_at`, inputs without the
    /// fields added since), with one funding batch that `ybz funding --year 2027 --as-of 2026-10-31` stored then: it
    /// opens with the migrations run, its batch reads and replays to the byte, and a new batch beside it records.
    @Test func aBatchStoredByTheReleaseBeforeStillReplays() async throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/ledger-v8-funding-batch.sqlite")
        let folder = try Fixtures.temporaryDirectory()
        let path = folder.appendingPathComponent("ledger.sqlite").path
        try FileManager.default.copyItem(atPath: fixture.path, toPath: path)
        let database = try AppDatabase.open(path: path)
        let migrations = try await database.writer.read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(migrations.contains("v10: evaluations stored once by content") && migrations.last == "v13: incremental harvests")
        let ledger = Ledger(database: database, codes: Fixtures.codes)
        let (service, _) = try service(ledger)
        let old = try await ledger.evaluations.fundingBatch(id: 1)
        #expect(old.ledgerAt == nil && old.asOf == CivilDate("2026-10-31") && old.decisions.map(\.systemCode) == ["TZ-SYS-001"])
        #expect(try await service.replay(batch: 1) == ReplayReport(batch: 1, matching: 1, differing: []))
        #expect(try await ledger.evaluations.fundingSummaries(batch: 1) == old.decisions.map(FundingSummary.init))
        // Its ledger also reads back as it stood when the batch ran: the audit trail of the old release rebuilds it.
        let created = try #require(try await ledger.evaluations.fundingBatchHeader(id: 1).createdAt)
        let again = try await service.decidedFunding(
            fiscalYear: 2027, asOf: CivilDate("2026-10-31")!, ledgerAt: LedgerMoment(created), by: .commandLine)
        #expect(
            try await ledger.evaluations.fundingInputs(batch: again.id).map(\.sha256)
                == (try await ledger.evaluations.fundingInputs(batch: 1)).map(\.sha256))
    }

    /// A waiver counts for the decisions as of the days after it was granted, not before (issue 16).
    @Test(arguments: TestStore.available) func aWaiverGrantedAfterTheAsOfDateDoesNotApply(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        let (service, _) = try service(ledger)
        _ = try await ledger.evaluations.addWaiver(
            Waiver(systemCode: "TZ-SYS-001", check: .xinchuang, reason: "适配中", approver: "大数据局", expiresOn: CivilDate("2099-12-31")!),
            by: .commandLine)
        let today = CivilDate(Date())
        let before = try await ledger.evaluations.inputs(fiscalYear: 2027, asOf: today.adding(days: -1))
        let after = try await ledger.evaluations.inputs(fiscalYear: 2027, asOf: today)
        #expect(before.first?.waivers == [])
        #expect(after.first?.waivers.map(\.check) == [.xinchuang])
        _ = service
    }

    @Test func aBatchRecordedWithWholeResourcesStillReplays() async throws {
        // Batches recorded before inputs held resource facts carried whole resources with their items; the replay
        // hashes the stored text as recorded, not a new encoding of it.
        let ledger = try await Fixtures.seededLedger()
        let (service, _) = try service(ledger)
        let batch = try await service.decidedFunding(fiscalYear: 2027, asOf: CivilDate("2026-10-31")!, by: .commandLine)
        let resource = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001").record
        try await ledger.sqlite.writer.write { db in
            let row = try #require(
                try Row.fetchOne(db, sql: "SELECT input, result FROM funding_evaluation WHERE batch_id = ?", arguments: [batch.id]))
            var input = try JSONDecoder().decode([String: JSONValue].self, from: Data((row["input"] as String).utf8))
            input["itemCounts"] = nil
            input["resources"] = try JSONDecoder().decode(JSONValue.self, from: CanonicalJSON.encoder.encode([resource]))
            let legacy = try CanonicalJSON.encoder.encode(input)
            var decision = try CanonicalJSON.decoder.decode(FundingDecision.self, from: Data((row["result"] as String).utf8))
            decision.inputs.inputSha256 = ComplianceInput.sha256(of: legacy)
            // Stored as that release stored a batch: the row holds its texts.
            try db.execute(sql: "DELETE FROM funding_decision WHERE batch_id = ?", arguments: [batch.id])
            try db.execute(
                sql: "INSERT INTO evaluation (batch_id, system_key, input, result) VALUES (?, 'TZ-SYS-001', ?, ?)",
                arguments: [
                    batch.id, String(decoding: legacy, as: UTF8.self),
                    String(decoding: try CanonicalJSON.encoder.encode(decision), as: UTF8.self)
                ])
        }
        let replayed = try await ledger.evaluations.fundingInputs(batch: batch.id)
        #expect(replayed.first?.input.itemCount(of: try #require(replayed.first?.input.resources.first)) == 2)
        #expect(try await service.replay(batch: batch.id) == ReplayReport(batch: batch.id, matching: 1, differing: []))
    }

    /// A review is stored with its input, decided once, and listed newest first, of one system or of all.
    @Test(arguments: TestStore.available) func reviewsAreStoredDecidedOnceAndListed(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        _ = try await ledger.records.create(Fixtures.system(code: "TZ-SYS-002"), by: .commandLine)
        let (service, _) = try service(ledger)
        let asOf = CivilDate("2026-10-31")!
        let first = try await service.review(systemCode: "TZ-SYS-001", asOf: asOf, by: .commandLine)
        let second = try await service.review(systemCode: "TZ-SYS-002", asOf: asOf, by: .commandLine)
        #expect(try await ledger.evaluations.review(id: first.id).report == first.report)
        let decision = ReviewDecision(outcome: first.report.recommendation, opinion: "同意", reviewer: "张某", decidedOn: asOf)
        let blank = await #expect(throws: LedgerError.self) {
            try await ledger.evaluations.decideReview(
                id: first.id, decision: ReviewDecision(outcome: decision.outcome, opinion: " ", reviewer: "", decidedOn: asOf), by: .commandLine)
        }
        #expect(blank?.details.map(\.rule) == ["review.reviewer-required", "review.opinion-required"])
        let decided = try await ledger.evaluations.decideReview(id: first.id, decision: decision, by: .commandLine)
        #expect(decided.report.decision == decision)
        #expect(try await ledger.evaluations.review(id: first.id).report.decision == decision)
        let twice = await #expect(throws: LedgerError.self) {
            try await ledger.evaluations.decideReview(id: first.id, decision: decision, by: .commandLine)
        }
        #expect(twice?.kind == .conflict)
        let all = try await ledger.evaluations.reviews(systemCode: nil, page: PageRequest(limit: 1))
        #expect(all.total == 2 && all.items.map(\.id) == [second.id])
        #expect(try await ledger.evaluations.reviews(systemCode: "TZ-SYS-001").map(\.id) == [first.id])
        await #expect(throws: LedgerError.self) { try await ledger.evaluations.review(id: second.id + 100) }
        #expect(try await ledger.audit.entries(entity: "review", key: nil, limit: 5).map(\.action) == ["decide", "review", "review"])
    }

    @Test(arguments: TestStore.available) func waiversNeedAReasonAndAnApproverAndAnExistingSystem(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        let waiver = Waiver(
            systemCode: "TZ-SYS-001", check: .cloud, reason: "机房迁移中", approver: "李某", expiresOn: CivilDate("2027-01-31")!)
        _ = try await ledger.evaluations.addWaiver(waiver, by: .commandLine)
        #expect(try await ledger.evaluations.waivers(systemCode: "TZ-SYS-001").map(\.waiver) == [waiver])
        var blank = waiver
        blank.approver = ""
        let invalid = await #expect(throws: LedgerError.self) { try await ledger.evaluations.addWaiver(blank, by: .commandLine) }
        #expect(invalid?.details.map(\.rule) == ["waiver.approver-required"])
        var unknown = waiver
        unknown.systemCode = "TZ-SYS-404"
        let missing = await #expect(throws: LedgerError.self) { try await ledger.evaluations.addWaiver(unknown, by: .commandLine) }
        #expect(missing?.kind == .notFound)
        let resource = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001")
        try await ledger.records.delete(CatalogResource.self, id: resource.id, expectedVersion: nil, by: .commandLine)
        let system = try await ledger.records.fetch(InfoSystem.self, key: "TZ-SYS-001")
        let kept = await #expect(throws: LedgerError.self) {
            try await ledger.records.delete(InfoSystem.self, id: system.id, expectedVersion: nil, by: .commandLine)
        }
        #expect(kept?.kind == .conflict && kept?.message.contains("1项检查豁免") == true)
    }

    @Test(arguments: TestStore.available) func oneOpenDeregistrationAtATimeAndARejectionKeepsTheSystem(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        defer { ledger.close() }
        let plan = DeregistrationPlan(
            suspension: "停止使用", policy: "Art. 23(1)", steps: "停止受理", timeline: "一个月",
            resourceRelease: "释放资源", dataMigration: "备份")
        let applied = try await ledger.deregistrations.apply(
            systemCode: "TZ-SYS-001", reason: .noLongerNeeded,
            appliedOn: CivilDate("2026-11-02")!, plan: plan, by: .commandLine)
        let twice = await #expect(throws: LedgerError.self) {
            try await ledger.deregistrations.apply(
                systemCode: "TZ-SYS-001", reason: .noLongerNeeded, appliedOn: CivilDate("2026-11-03")!, plan: plan,
                by: .commandLine)
        }
        #expect(twice?.kind == .conflict)
        let early = await #expect(throws: LedgerError.self) {
            try await ledger.deregistrations.review(
                id: applied.id,
                review: DeregistrationReview(
                    approved: true, opinion: "同意", reviewer: "张某", reviewedOn: CivilDate("2026-11-01")!), by: .commandLine)
        }
        #expect(early?.details.first?.rule == "dates.order")
        _ = try await ledger.deregistrations.review(
            id: applied.id,
            review: DeregistrationReview(
                approved: false, opinion: "仍有业务使用", reviewer: "张某", reviewedOn: CivilDate("2026-11-05")!), by: .commandLine)
        #expect(try await ledger.records.fetch(InfoSystem.self, key: "TZ-SYS-001").record.status == .running)
        #expect(try await ledger.deregistrations.applications(systemCode: "TZ-SYS-001").first?.application.review?.approved == false)
        let again = await #expect(throws: LedgerError.self) {
            try await ledger.deregistrations.review(
                id: applied.id,
                review: DeregistrationReview(approved: true, opinion: "同意", reviewer: "张某", reviewedOn: CivilDate("2026-11-06")!),
                by: .commandLine)
        }
        #expect(again?.kind == .conflict)
        let anonymous = await #expect(throws: LedgerError.self) {
            try await ledger.deregistrations.review(
                id: applied.id, review: DeregistrationReview(approved: true, opinion: "同意", reviewer: " ", reviewedOn: CivilDate("2026-11-06")!),
                by: .commandLine)
        }
        #expect(anonymous?.details.first?.rule == "review.reviewer-required")
    }

    /// An approval deregisters the system in the same transaction, through the write path (its audit entry and
    /// version); the applications keep the system from being deleted and their review deadlines are listed.
    @Test(arguments: TestStore.available) func anApprovalDeregistersTheSystem(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        defer { ledger.close() }
        let plan = DeregistrationPlan(
            suspension: "停止使用", policy: "Art. 23(1)", steps: "停止受理", timeline: "一个月", resourceRelease: "释放资源",
            dataMigration: "备份")
        let missing = await #expect(throws: LedgerError.self) {
            try await ledger.deregistrations.apply(
                systemCode: "TZ-SYS-404", reason: .noLongerNeeded, appliedOn: CivilDate("2026-11-02")!, plan: plan, by: .commandLine)
        }
        #expect(missing?.kind == .notFound)
        var empty = plan
        empty.steps = " "
        await #expect(throws: LedgerError.self) {
            try await ledger.deregistrations.apply(
                systemCode: "TZ-SYS-001", reason: .noLongerNeeded, appliedOn: CivilDate("2026-11-02")!, plan: empty, by: .commandLine)
        }
        let applied = try await ledger.deregistrations.apply(
            systemCode: "TZ-SYS-001", reason: .noLongerNeeded, appliedOn: CivilDate("2026-11-02")!, plan: plan, by: .commandLine)
        let deadlines = try await ledger.deregistrations.deadlines(calendar: try Fixtures.catalog.calendar(), asOf: CivilDate("2026-11-20")!)
        let review = try #require(deadlines.first { $0.kind == "deregistration-review" })
        #expect(review.systemCode == "TZ-SYS-001" && review.dueOn == CivilDate("2026-11-16") && review.status == .overdue)
        let before = try await ledger.records.fetch(InfoSystem.self, key: "TZ-SYS-001")
        _ = try await ledger.deregistrations.review(
            id: applied.id, review: DeregistrationReview(approved: true, opinion: "同意", reviewer: "张某", reviewedOn: CivilDate("2026-11-05")!),
            by: .commandLine)
        let after = try await ledger.records.fetch(InfoSystem.self, key: "TZ-SYS-001")
        #expect(after.record.status == .deregistered && after.version == before.version + 1)
        #expect(try await ledger.audit.entries(entity: nil, key: nil, limit: 3).map(\.action) == ["update", "review", "apply"])
        let deregistered = await #expect(throws: LedgerError.self) {
            try await ledger.deregistrations.apply(
                systemCode: "TZ-SYS-001", reason: .noLongerNeeded, appliedOn: CivilDate("2026-11-20")!, plan: plan, by: .commandLine)
        }
        #expect(deregistered?.message.contains("已注销") == true)
        try await ledger.records.delete(
            CatalogResource.self, id: try await ledger.records.fetch(CatalogResource.self, key: "103003/000001").id,
            expectedVersion: nil, by: .commandLine)
        let kept = await #expect(throws: LedgerError.self) {
            try await ledger.records.delete(InfoSystem.self, id: after.id, expectedVersion: nil, by: .commandLine)
        }
        #expect(kept?.kind == .conflict && kept?.message.contains("、1份注销申请") == true)
        #expect(try await ledger.audit.verify().isIntact)
    }
}
