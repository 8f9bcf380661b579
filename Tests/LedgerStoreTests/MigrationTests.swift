import Compliance
import Foundation
import Interchange
import LedgerCore
import LedgerTestSupport
import Services
import Testing

@testable import LedgerStore

/// `ybz migrate` (issue 18): a SQLite ledger copied into an empty PostgreSQL database is the same ledger there.
@Suite("Store: a SQLite ledger copied into PostgreSQL")
struct MigrationTests {
    /// A SQLite ledger with every kind of row (the demo, an account and its token, a probe run, a waiver, a funding
    /// batch, a review, a deregistration application, a harvest source) copied into PostgreSQL: the same export byte
    /// for byte, counts, searches, accounts, probe history and decisions (the batch replays there), one audit chain with
    /// the same head, which the next write continues; a second copy into the same database is refused.
    @Test(.enabled(if: TestPostgres.url != nil)) func aSQLiteLedgerIsCopiedWhole() async throws {
        let folder = try Fixtures.temporaryDirectory()
        let sqlite = Ledger(database: try AppDatabase.open(path: folder.appendingPathComponent("ledger.sqlite").path), codes: Fixtures.codes)
        #expect(try await Importer(ledger: sqlite, actor: .commandLine).run(files: [Fixtures.catalog.demoURL], dryRun: false).committed)
        let account = try await sqlite.accounts.createAccount(
            username: "finance", displayName: "财务", role: .finance, unitUSCC: nil, password: "correct horse", cost: 4, by: .commandLine)
        let (_, secret) = try await sqlite.accounts.createToken(username: "finance", name: "报表", by: .commandLine)
        let verdict = Verdict(
            platform: .aishandong, probe: "service-item", systemCode: "TZ-SYS-001", target: "370481000001", outcome: .pass, reason: "在办",
            checkedAt: Date(), specHash: String(repeating: "a", count: 64))
        _ = try await sqlite.probeHistory.recordRun(
            startedAt: Date(), finishedAt: Date(), asOf: CivilDate(Date()), trigger: "test", specHashes: [:], canaries: [], verdicts: [verdict],
            flipThresholds: [:])
        _ = try await sqlite.evaluations.addWaiver(
            Waiver(systemCode: "TZ-SYS-002", check: .xinchuang, reason: "适配中", approver: "大数据局", expiresOn: CivilDate("2027-12-31")!),
            by: .commandLine)
        let service = try ComplianceService(ledger: sqlite, catalog: Fixtures.catalog)
        let batch = try await service.funding(fiscalYear: 2027, asOf: CivilDate(Date()), by: .commandLine)
        let review = try await service.review(systemCode: "TZ-SYS-001", asOf: CivilDate("2026-10-31")!, by: .commandLine)
        let plan = DeregistrationPlan(
            suspension: "停止使用", policy: "Art. 23(1)", steps: "停止受理", timeline: "一个月", resourceRelease: "释放资源",
            dataMigration: "备份")
        _ = try await sqlite.deregistrations.apply(
            systemCode: "TZ-SYS-003", reason: .noLongerNeeded, appliedOn: CivilDate("2026-11-02")!, plan: plan, by: .commandLine)
        _ = try await sqlite.harvests.addSource(
            HarvestSource(
                name: "gis", location: "https://data.example.org/data.json", kind: .dcat,
                profile: HarvestProfile(system: "TZ-SYS-001", classification: "103003", updateCycle: "每季度")), by: .commandLine)

        let store = try await PostgresStore.open(url: try await TestPostgres.freshDatabase())
        defer { store.close() }
        let report = try await LedgerMigration.copy(from: try sqlite.sqlite, to: store)
        let postgres = Ledger(postgres: store, codes: Fixtures.codes)
        let audit = try await sqlite.audit.verify()
        #expect(report.audit.isIntact && report.audit.entries == audit.entries && report.audit.headHash == audit.headHash)
        #expect(report.tables.first { $0.label == "信息项" }?.rows == (try await sqlite.records.counts()["data_item"]))
        #expect(try await postgres.records.counts() == sqlite.records.counts())
        var exports: [Data] = []
        for ledger in [sqlite, postgres] {
            let file = folder.appendingPathComponent("export-\(exports.count).json")
            try await Exporter(ledger: ledger).writeJSON(to: file)
            exports.append(try Data(contentsOf: file))
        }
        #expect(exports[0] == exports[1])
        for text in ["公民身份号码", "不动产", "证"] {
            #expect(try await postgres.search.find(SearchQuery(text: text)).items == sqlite.search.find(SearchQuery(text: text)).items)
        }
        #expect(try await postgres.accounts.authenticate(username: "finance", password: "correct horse") == account)
        #expect(try await postgres.accounts.account(forToken: secret)?.username == "finance")
        #expect(
            try await postgres.probeHistory.verdicts(systemCode: "TZ-SYS-001").map(\.id)
                == sqlite.probeHistory.verdicts(systemCode: "TZ-SYS-001").map(\.id))
        #expect(try await postgres.probeHistory.integrations(systemCode: "TZ-SYS-001").map(\.status) == [IntegrationStatus(status: .pass)])
        #expect(try await postgres.evaluations.waivers().map(\.waiver) == sqlite.evaluations.waivers().map(\.waiver))
        #expect(try await postgres.evaluations.review(id: review.id).report == review.report)
        #expect(try await postgres.deregistrations.applications(systemCode: nil).count == 1)
        #expect(try await postgres.harvests.sources().map(\.name) == ["gis"])
        let replayed = try await ComplianceService(ledger: postgres, catalog: Fixtures.catalog).replay(batch: batch.id)
        #expect(replayed.differing.isEmpty && replayed.matching == batch.counts["operations", default: [:]].values.reduce(0, +))

        // The chain goes on from the copied entries; new rows are numbered after the copied ones.
        let unit = try await postgres.records.create(Fixtures.unit(99, name: "滕州市迁移后新增单位"), by: .commandLine)
        #expect(unit.id > (try await sqlite.records.list(GovUnit.self, page: PageRequest(limit: 500)).items.map(\.id).max() ?? 0))
        let after = try await postgres.audit.verify()
        #expect(after.isIntact && after.entries == audit.entries + 1)
        let again = await #expect(throws: LedgerError.self) { try await LedgerMigration.copy(from: try sqlite.sqlite, to: store) }
        #expect(again?.kind == .conflict)
    }
}
