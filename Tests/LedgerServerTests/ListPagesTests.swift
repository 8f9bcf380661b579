import Compliance
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerTestSupport
import Services
import Testing

@testable import LedgerServer
@testable import LedgerStore

@Suite("List pages, the resource before review, finance's workings, the integration matrix")
struct ListPagesTests {
    @Test func everyListAnswersWithItsRowsAndIgnoresForgedChoices() async throws {
        let (_, app) = try await WebTests.app()
        try await app.test(.router) { client in
            let admin = try await BrowserSession.open(client, "admin")
            for (path, expected) in [
                ("/units", ["共 2 个建设单位", "滕州市卫生健康局"]), ("/resources", ["共 2 条信息资源", "103003/000002"]),
                ("/projects", ["共 2 个项目", "P-OTHER", "800,000.00"]), ("/reviews", ["共 0 次审查"]),
                ("/funding/batches", ["共 0 个批次"]), ("/integrations", ["共 2 个信息系统", "无需接入"])
            ] {
                let (status, html, _) = try await admin.get(path)
                #expect(status == .ok, "\(path)")
                for text in expected { #expect(visibleText(html).contains(text), "\(path): \(text)") }
            }
            let (_, sorted, _) = try await admin.get("/resources?sort=-code")
            let codes = sorted.matches(of: /<td><a href="\/resources\/[^"]+">(\d{6}\/\d{6})<\/a>/).map { String($0.1) }
            #expect(codes == ["103003/000002", "103003/000001"])
            let (_, forged, _) = try await admin.get("/resources?state=%3Cx%3E&shareType=nope")
            #expect(visibleText(forged).contains("共 2 条信息资源") && !forged.contains("<x>"))
            let (_, byState, _) = try await admin.get("/resources?state=\(queryValue("待审核"))")
            #expect(visibleText(byState).contains("共 0 条信息资源") && byState.contains("清除筛选"))
        }
    }

    /// A reviewer sees what the officer changed since the resource was last returned (or published) before deciding again.
    @Test func theResourcePageShowsWhatChangedSinceTheLastReview() async throws {
        let (ledger, app) = try await WebTests.app()
        let stored = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001")
        _ = try await ledger.records.transition(resourceID: stored.id, .submit, reason: nil, expectedVersion: nil, by: .commandLine)
        let returned = try await ledger.records.transition(
            resourceID: stored.id, .return,
            reason: "补充抵押信"
                + "息", expectedVersion: nil, by: .commandLine)
        var changed = returned.record
        changed.summary = "新的摘要：含抵押登记"
        changed.items.append(DataItem(name: "抵押权人", type: "C", length: 100))
        let edited = try await ledger.records.update(
            CatalogResource.self, id: stored.id, with: changed, expectedVersion: returned.version, by: .commandLine)
        _ = try await ledger.records.transition(resourceID: stored.id, .submit, reason: nil, expectedVersion: edited.version, by: .commandLine)
        try await app.test(.router) { client in
            let reviewer = try await BrowserSession.open(client, "reviewer")
            let (_, html, _) = try await reviewer.get("/resources/103003%2F000001")
            let text = visibleText(html)
            #expect(text.contains("自上次退回（") && text.contains("）以来的变化"))
            #expect(text.contains("信息资源摘要 不动产首次登记、转移登记信息 新的摘要：含抵押登记"))
            #expect(text.contains("信息项 不动产权证号、登记日期 不动产权证号、登记日期、抵押权人"))
            #expect(text.contains("信息项（3）") && text.contains("字符型（C）") && text.contains("目录状态 待审核"))
            #expect(html.contains("name=\"confirmed\" value=\"1\" required"))
            // The data officer reads the same page without the reviewer's forms.
            let officer = try await BrowserSession.open(client, "officer")
            let (_, own, _) = try await officer.get("/resources/103003%2F000001")
            #expect(!own.contains("/approve") && visibleText(own).contains("以来的变化"))
        }
        let entries = try await ledger.audit.entries(entity: "resource", key: "103003/000001", limit: 100)
        #expect(Set(try ResourcePage.changesSinceReview(entries).fields.map(\.field)) == ["信息资源摘要", "信息项"])
        #expect(try ResourcePage.changesSinceReview(Array(entries.suffix(2))).since == nil)
    }

    /// Finance reads each row's O&M cap with its working, or what it would have been; amounts have thousands separators.
    @Test func theFundingTableShowsTheCapsWorking() async throws {
        let (ledger, app) = try await WebTests.app()
        var project = try await ledger.records.fetch(Project.self, key: "P-OWN")
        project.record.milestones.completionAccepted = CivilDate("2022-03-01")
        _ = try await ledger.records.update(Project.self, id: project.id, with: project.record, expectedVersion: nil, by: .commandLine)
        try await app.test(.router) { client in
            let finance = try await BrowserSession.open(client, "finance")
            let (_, location) = try await finance.post("/funding", "year=2027&asOf=2026-10-31")
            let (_, table, _) = try await finance.get(try #require(location) + "&sort=-cap")
            let text = visibleText(table)
            #expect(text.contains("若符合条件，上限为 80,000.00 元（建设资金 800000.00元 × 10% × 365/365天"))
            #expect(text.contains("第十九条") && !text.contains("Art.") && !text.contains("policy."))
            let (refused, _) = try await finance.post("/funding", "year=abc")
            #expect(refused == .badRequest)
            let (_, byUnit, _) = try await finance.get(try #require(location) + "&unit=\(TwoUnits.other)")
            #expect(byUnit.contains(">S-OTHER<") && !byUnit.contains(">S-OWN<") && byUnit.contains("清除筛选"))
            let (_, batches, _) = try await finance.get("/funding/batches")
            #expect(visibleText(batches).contains("共 1 个批次") && batches.contains("/funding?batch="))
            // The ledger as it stood at the end of today is the ledger as it is: the same systems, and the batch says so.
            let today = CivilDate(Date()).description
            let (_, asItStood) = try await finance.post("/funding", "year=2027&asOf=2026-10-31&ledgerAt=\(today)")
            let (_, rebuilt, _) = try await finance.get(try #require(asItStood))
            #expect(visibleText(rebuilt).contains("账本取自 \(today)（由审计记录还原）"))
            #expect(rebuilt.contains(">S-OWN<") && rebuilt.contains(">S-OTHER<"))
            let (badMoment, _) = try await finance.post("/funding", "year=2027&ledgerAt=2026-13-01")
            #expect(badMoment == .badRequest)
            // Run again on the unchanged ledger: the batch takes the first one's decisions, and the pages say so.
            let first = try #require(location?.split(separator: "=").last.map(String.init))
            let (_, again) = try await finance.post("/funding", "year=2027&asOf=2026-10-31")
            let (_, reusing, _) = try await finance.get(try #require(again))
            #expect(visibleText(reusing).contains("沿用批次 #\(first) 中输入未变的 2 个系统的决定"))
            let (_, listed, _) = try await finance.get("/funding/batches")
            #expect(visibleText(listed).contains("沿用未变系统的决定") && visibleText(listed).contains("#\(first) 的 2 个"))
        }
        // The summaries read with SQLite's JSON functions say what the decoded decisions say.
        let batch = try #require(try await ledger.evaluations.fundingBatches().items.first)
        let decisions = try await ledger.evaluations.fundingBatch(id: batch.id).decisions
        let summaries = try await ledger.evaluations.fundingSummaries(batch: batch.id)
        #expect(summaries.count == 2 && summaries.map(\.systemCode) == decisions.map(\.systemCode))
        for (summary, decision) in zip(summaries, decisions) {
            #expect(summary.operations == decision.operations.status && summary.construction == decision.construction.status)
            #expect(summary.omCap == decision.omCap && summary.scoreTenths == decision.score.tenths && summary.unitUSCC == decision.unitUSCC)
            let stale = decision.checks.contains { $0.check == .dataSharedFresh && $0.status == .fail }
            #expect(summary.dataStale == stale && summary.systemName == decision.systemName)
        }
        let some = try await ledger.evaluations.fundingDecisions(batch: batch.id, systems: ["S-OTHER"])
        #expect(some.map(\.systemCode) == ["S-OTHER"])
        #expect(Money(fen: 123_456_789).grouped == "1,234,567.89" && Money(fen: -100).grouped == "-1.00")
        #expect(Money(fen: 99_999_900).grouped == "999,999.00" && Money(fen: 5).grouped == "0.05")
    }

    @Test func theIntegrationMatrixColoursEachSystemAndPlatform() {
        let failing = IntegrationsPage.cell([.fail: 1, .pass: 3], required: true)
        #expect(failing.text == "不通过 1/4" && failing.tone == "cell-fail")
        #expect(IntegrationsPage.cell([.pass: 1], required: true).text == "通过")
        #expect(IntegrationsPage.cell([:], required: true).text == "未探测")
        #expect(IntegrationsPage.cell([:], required: false).text == "无需接入")
        #expect(IntegrationsPage.cell([.skipped: 2], required: true).tone == "cell-error")
    }
}

@Suite("Evidence dated after the as-of date")
struct LaterEvidenceTests {
    /// A probe that ran only after the as-of date is not evidence for it, and the check says so rather than “no result”;
    /// the recorded input reads back the same, and an input without such probes is as it was.
    @Test func aCheckSaysWhenItsOnlyResultsAreLaterThanTheAsOfDate() async throws {
        let (ledger, _) = try await WebTests.app()
        let checked = Date(timeIntervalSince1970: 1_780_000_000)  // 2026-05-29 in China
        let verdict = Verdict(
            platform: .aishandong, probe: "service-item", systemCode: "S-OWN", target: "370481000001", outcome: .pass,
            reason: "事项已上线", checkedAt: checked, specHash: "abc")
        _ = try await ledger.probeHistory.recordRun(
            startedAt: checked, finishedAt: checked, asOf: CivilDate("2026-05-29")!, trigger: "api", specHashes: [:], canaries: [],
            verdicts: [verdict], flipThresholds: [:])
        let before = try await ledger.evaluations.storedInputs(fiscalYear: 2026, asOf: CivilDate("2026-05-01")!, systemCode: "S-OWN", unitUSCC: nil)
        let input = try #require(before.first)
        #expect(input.input.laterProbes == ["aishandong/service-item": CivilDate("2026-05-29")!] && input.input.verdicts.isEmpty)
        #expect(try CanonicalJSON.decoder.decode(ComplianceInput.self, from: try input.text()) == input.input)
        // Written from the stored texts, byte for byte what encoding the input gives (its hash is the input's).
        #expect(try input.text() == CanonicalJSON.encoder.encode(input.input))
        let compliance = try ComplianceService(ledger: ledger, catalog: Fixtures.catalog)
        let decision = try #require(try await compliance.decisions(fiscalYear: 2026, asOf: CivilDate("2026-05-01")!, systemCode: "S-OWN").first)
        let integration = try #require(decision.checks.first { $0.check == .platformIntegration })
        #expect(integration.reason.contains("评估基准日 2026-05-01 及以前没有探测结果（首次探测在 2026-05-29"))
        let after = try await ledger.evaluations.storedInputs(fiscalYear: 2026, asOf: CivilDate("2026-06-01")!, systemCode: "S-OWN", unitUSCC: nil)
        #expect(after.first?.input.laterProbes == nil && after.first?.input.verdicts.count == 1)
        let text = String(decoding: try #require(after.first).text(), as: UTF8.self)
        #expect(!text.contains("laterProbes"))
        #expect(try Data(text.utf8) == CanonicalJSON.encoder.encode(try #require(after.first).input))
    }
}

@Suite("Facts dated after the as-of date")
struct LaterFactsTests {
    /// A decision as of D rests on the facts as they stood at D: a maintenance date or an assessment after D is cut from
    /// the input in one place (`cutAtAsOf`), noted, and the checks say why the fact is missing.
    @Test func aMaintenanceOrAssessmentAfterTheAsOfDateDoesNotCount() async throws {
        let (ledger, _) = try await WebTests.app()
        let stored = try await ledger.records.fetch(InfoSystem.self, key: "S-OWN")
        var system = stored.record
        system.ledgerUpdatedOn = CivilDate("2026-11-15")
        system.security.cryptoResult = "通过"
        system.security.cryptoAssessedOn = CivilDate("2026-11-20")
        _ = try await ledger.records.update(InfoSystem.self, id: stored.id, with: system, expectedVersion: nil, by: .commandLine)
        let october = try #require(
            try await ledger.evaluations.storedInputs(fiscalYear: 2027, asOf: CivilDate("2026-10-31")!, systemCode: "S-OWN", unitUSCC: nil).first)
        #expect(october.input.laterFacts == ["ledgerUpdatedOn": CivilDate("2026-11-15")!, "security.cryptoAssessedOn": CivilDate("2026-11-20")!])
        #expect(october.input.system.ledgerUpdatedOn == nil && october.input.system.security.cryptoResult == nil)
        #expect(try CanonicalJSON.decoder.decode(ComplianceInput.self, from: try october.text()) == october.input)
        let compliance = try ComplianceService(ledger: ledger, catalog: Fixtures.catalog)
        let decision = try #require(try await compliance.decisions(fiscalYear: 2027, asOf: CivilDate("2026-10-31")!, systemCode: "S-OWN").first)
        let maintained = try #require(decision.checks.first { $0.check == .ledgerMaintained })
        #expect(maintained.status == .fail && maintained.reason.contains("一本账维护日期（2026-11-15）晚于评估基准日"))
        let security = try #require(decision.checks.first { $0.check == .cryptoSecurity })
        #expect(security.status != .pass && security.reason.contains("密评（2026-11-20）晚于评估基准日"))
        // As of a later day the same facts count, and the input is stored as the ledger holds it.
        let december = try #require(
            try await ledger.evaluations.storedInputs(fiscalYear: 2027, asOf: CivilDate("2026-12-01")!, systemCode: "S-OWN", unitUSCC: nil).first)
        #expect(december.input.laterFacts == nil && december.input.system.ledgerUpdatedOn == CivilDate("2026-11-15"))
        #expect(!String(decoding: try december.text(), as: UTF8.self).contains("laterFacts"))
    }
}
