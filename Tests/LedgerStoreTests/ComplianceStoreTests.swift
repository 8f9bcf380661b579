import Compliance
import Foundation
import GRDB
import LedgerCore
import LedgerTestSupport
import Services
import Testing

@testable import LedgerStore

@Suite("Store: funding batches, waivers, deregistration")
struct ComplianceStoreTests {
    /// A service over the seeded ledger with a copy of the shipped policy in its own folder.
    func service(_ ledger: Ledger) throws -> (ComplianceService, URL) {
        let folder = try Fixtures.temporaryDirectory()
        let file = folder.appendingPathComponent("policy.yaml")
        try FileManager.default.copyItem(at: Fixtures.catalog.policyURL.appendingPathComponent("tengzhou-2025.yaml"), to: file)
        return (ComplianceService(ledger: ledger, policies: try PolicyBook.load(from: folder), calendar: try Fixtures.catalog.calendar()), file)
    }

    @Test func aBatchReplaysExactlyAndRefusesAChangedPolicy() async throws {
        let ledger = try await Fixtures.seededLedger()
        let (service, file) = try service(ledger)
        let batch = try await service.funding(fiscalYear: 2027, asOf: CivilDate("2026-10-31")!, by: .commandLine)
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

    @Test func aBatchRecordedWithWholeResourcesStillReplays() async throws {
        // Batches recorded before inputs held resource facts carried whole resources with their items; the replay
        // hashes the stored text as recorded, not a new encoding of it.
        let ledger = try await Fixtures.seededLedger()
        let (service, _) = try service(ledger)
        let batch = try await service.funding(fiscalYear: 2027, asOf: CivilDate("2026-10-31")!, by: .commandLine)
        let resource = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001").record
        try await ledger.database.writer.write { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT input, result FROM evaluation WHERE batch_id = ?", arguments: [batch.id]))
            var input = try JSONDecoder().decode([String: JSONValue].self, from: Data((row["input"] as String).utf8))
            input["itemCounts"] = nil
            input["resources"] = try JSONDecoder().decode(JSONValue.self, from: CanonicalJSON.encoder.encode([resource]))
            let legacy = try CanonicalJSON.encoder.encode(input)
            var decision = try CanonicalJSON.decoder.decode(FundingDecision.self, from: Data((row["result"] as String).utf8))
            decision.inputs.inputSha256 = ComplianceInput.sha256(of: legacy)
            try db.execute(
                sql: "UPDATE evaluation SET input = ?, result = ? WHERE batch_id = ?",
                arguments: [
                    String(decoding: legacy, as: UTF8.self),
                    String(decoding: try CanonicalJSON.encoder.encode(decision), as: UTF8.self), batch.id
                ])
        }
        let replayed = try await ledger.evaluations.fundingInputs(batch: batch.id)
        #expect(replayed.first?.input.itemCount(of: try #require(replayed.first?.input.resources.first)) == 2)
        #expect(try await service.replay(batch: batch.id) == ReplayReport(batch: batch.id, matching: 1, differing: []))
    }

    @Test func waiversNeedAReasonAndAnApproverAndAnExistingSystem() async throws {
        let ledger = try await Fixtures.seededLedger()
        let waiver = Waiver(systemCode: "TZ-SYS-001", check: .cloud, reason: "机房迁移中", approver: "李某", expiresOn: CivilDate("2027-01-31")!)
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

    @Test func oneOpenDeregistrationAtATimeAndARejectionKeepsTheSystem() async throws {
        let ledger = try await Fixtures.seededLedger()
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
    }
}
