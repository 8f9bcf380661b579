import Compliance
import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

@Suite("Funding decisions, article by article")
struct ArticleTests {
    @Test func aSystemThatKeepsEveryRuleIsEligibleWithTheFullCap() throws {
        let decision = try ComplianceFixture().decision
        #expect(decision.construction.status == .eligible)
        #expect(decision.operations.status == .eligible)
        #expect(decision.omCap == Money(yuan: 100_000))
        #expect(decision.score.tenths == 1000)
        #expect(decision.score.coverageTenths == 1000)
        #expect(decision.checks.map(\.check) == CheckID.allCases)
        #expect(decision.inputs.policyVersion == "2025.1")
        #expect(decision.inputs.probeRunIds == [3])
    }

    /// Art. 21: the free period runs three years from acceptance; the cap is 10 % a year, by the day in the year the
    /// free period ends. Construction funds 1,000,000 yuan.
    @Test(arguments: [
        ("2023-01-01", 2026, "100000.00", EligibilityStatus.eligible),  // free through 2025-12-31
        ("2023-12-31", 2026, "273.97", .eligible),  // free through 2026-12-30: 1 of 365 days
        ("2024-01-01", 2026, "0.00", .ineligible),  // free through 2026-12-31: the whole year
        ("2021-03-01", 2024, "83606.55", .eligible)  // free through 2024-02-29: 306 of 366 days
    ])
    func theFreePeriodAndTheCap(accepted: String, year: Int, cap: String, status: EligibilityStatus) throws {
        var fixture = ComplianceFixture()
        fixture.construction.milestones.completionAccepted = CivilDate(accepted)
        fixture.construction.milestones.acceptanceFiled = CivilDate(accepted)
        fixture.system.wentLiveOn = CivilDate(accepted)
        fixture.fiscalYear = year
        let decision = try fixture.decision
        #expect(decision.operations.status == status)
        #expect(decision.omCap == Money(yuanText: cap))
        if status == .ineligible {
            #expect(decision.operations.blockers.map(\.article) == ["Art. 21"])
            #expect(try fixture.result(.omFreePeriod).reason.contains("全年处于免费运维期"))
        }
    }

    @Test func anOMRequestAboveTheCapFailsButDoesNotBlock() throws {
        var fixture = ComplianceFixture()
        var request = Project(
            code: "TZYW-2027-001", name: "运维", unitUSCC: Fixtures.uscc(1), category: .operations,
            fundingSource: .budget, approvedAmount: Money(yuan: 120_000))
        request.fiscalYear = 2027
        fixture.operations = request
        let result = try fixture.result(.omCap)
        #expect(result.status == .fail)
        #expect(result.reason == "运维申请 120000.00元 超过上限 100000.00元")
        #expect(try fixture.decision.operations.status == .eligible)
        #expect(try fixture.decision.omCap == Money(yuan: 100_000))
        fixture.operations?.approvedAmount = Money(yuan: 100_000)
        #expect(try fixture.result(.omCap).status == .pass)
    }

    /// Art. 19: no construction or O&M funds without acceptance and its filing.
    @Test(arguments: [(true, false), (false, true), (false, false)])
    func acceptanceAndItsFilingAreBothNeeded(accepted: Bool, filed: Bool) throws {
        var fixture = ComplianceFixture()
        if !accepted { fixture.construction.milestones.completionAccepted = nil }
        if !filed { fixture.construction.milestones.acceptanceFiled = nil }
        let decision = try fixture.decision
        #expect(try fixture.result(.accepted).status == .fail)
        #expect(decision.construction.status == .ineligible)
        #expect(decision.construction.blockers.map(\.article) == ["Art. 19"])
        #expect(decision.operations.status == .ineligible)
        #expect(decision.omCap == Money(fen: 0))
    }

    /// Art. 11: 采购备案 within 7 working days of the contract. A contract on Friday 2025-09-26 is due on
    /// 2025-10-13: the 调休 Sunday 9-28 and Saturday 10-11 count, the National Day holiday 10-1..10-8 does not.
    @Test(arguments: [("2025-10-13", CheckStatus.pass), ("2025-10-14", .fail)])
    func procurementFilingAcrossTheNationalDayHoliday(filed: String, expected: CheckStatus) throws {
        var fixture = ComplianceFixture()
        fixture.construction.milestones.contractSigned = CivilDate("2025-09-26")
        fixture.construction.milestones.procurementFiled = CivilDate(filed)
        let result = try fixture.result(.procurementFiled)
        #expect(result.status == expected)
        #expect(result.evidence.first?.value.contains("期限 2025-10-13") == true)
        #expect(try fixture.decision.operations.status == .eligible)  // blocks acceptance, not funds
    }

    @Test func procurementNotYetDueIsNotAFailure() throws {
        var fixture = ComplianceFixture()
        fixture.asOf = CivilDate("2025-10-10")!
        fixture.construction.milestones.contractSigned = CivilDate("2025-09-26")
        fixture.construction.milestones.procurementFiled = nil
        #expect(try fixture.result(.procurementFiled).status == .pass)
        fixture.asOf = CivilDate("2025-10-14")!
        #expect(try fixture.result(.procurementFiled).status == .fail)
    }

    /// Art. 16: unfiled changes, and changes above 15 % without a new review, stop acceptance.
    @Test(arguments: [
        (Int64(100_000), true, false, CheckStatus.pass), (100_000, false, false, .fail),
        (200_000, true, false, .fail), (200_000, true, true, .pass)
    ])
    func changes(delta: Int64, filed: Bool, reReviewed: Bool, expected: CheckStatus) throws {
        var fixture = ComplianceFixture()
        fixture.construction.changes = [
            ChangeFiling(
                date: CivilDate("2021-08-01")!, description: "增加接口", amountDelta: Money(yuan: delta),
                filed: filed, reReviewed: reReviewed)
        ]
        #expect(try fixture.result(.changesFiled).status == expected)
    }

    /// Art. 20, 22(6): evaluation 12-24 months after going live; failed and not rectified blocks O&M.
    @Test(arguments: [
        ("2026-06-30", nil as PerformanceResult?, nil as Bool?, CheckStatus.notApplicable),  // window closes this day
        ("2026-07-01", nil, nil, .fail),
        ("2026-07-01", .failed, false, .fail),
        ("2026-07-01", .failed, true, .pass),
        ("2026-07-01", .passed, nil, .pass)
    ])
    func performanceEvaluation(asOf: String, result: PerformanceResult?, rectified: Bool?, expected: CheckStatus) throws {
        var fixture = ComplianceFixture()
        fixture.asOf = CivilDate(asOf)!
        fixture.system.wentLiveOn = CivilDate("2024-06-30")
        fixture.construction.milestones.completionAccepted = CivilDate("2024-06-30")
        fixture.construction.milestones.performanceEvaluated = result == nil ? nil : CivilDate("2025-09-01")
        fixture.construction.performanceResult = result
        fixture.construction.performanceRectified = rectified
        fixture.verdicts = fixture.verdicts.map { ComplianceFixture.verdict($0.verdict.platform, $0.verdict.probe, $0.verdict.target, day: asOf) }
        #expect(try fixture.result(.performance).status == expected)
        if expected == .fail { #expect(try fixture.decision.operations.blockers.contains { $0.article == "Art. 20, 22(6)" }) }
    }

    /// Art. 22(2), 29, 30: a 密评 is current for 12 months (policy), to the day.
    @Test(arguments: [("2026-06-30", CheckStatus.pass), ("2026-07-01", .fail)])
    func cryptoAssessmentAge(asOf: String, expected: CheckStatus) throws {
        var fixture = ComplianceFixture()
        fixture.asOf = CivilDate(asOf)!
        fixture.system.security.cryptoAssessedOn = CivilDate("2025-06-30")
        fixture.verdicts = fixture.verdicts.map { ComplianceFixture.verdict($0.verdict.platform, $0.verdict.probe, $0.verdict.target, day: asOf) }
        #expect(try fixture.result(.cryptoSecurity).status == expected)
    }

    @Test func unrecordedSecurityFactsArePendingEvidenceAndHazardsBlock() throws {
        var fixture = ComplianceFixture()
        fixture.system.security.cryptoResult = nil
        #expect(try fixture.result(.cryptoSecurity).status == .inconclusive)
        #expect(try fixture.decision.operations.status == .pendingEvidence)
        fixture.system.security.cryptoResult = "通过"
        fixture.system.security.openMajorHazards = 1
        #expect(try fixture.decision.operations.status == .ineligible)
        #expect(try fixture.result(.cryptoSecurity).reason.contains("重大安全隐患"))
    }

    /// Art. 22(3), 31 — and a waiver in force lifts the block, and says so.
    @Test func xinchuangAndItsWaiver() throws {
        var fixture = ComplianceFixture()
        fixture.system.xinchuang = "未适配"
        #expect(try fixture.decision.operations.status == .ineligible)
        #expect(try fixture.decision.operations.blockers.map(\.article) == ["Art. 22(3), 31"])
        let waiver = Waiver(
            systemCode: "TZ-SYS-001", check: .xinchuang, reason: "国产化替代产品尚未上市", approver: "市大数据局 李某",
            expiresOn: CivilDate("2026-06-30")!)
        fixture.waivers = [waiver]
        #expect(try fixture.decision.operations.status == .eligible)
        #expect(try fixture.result(.xinchuang).status == .fail)
        #expect(try fixture.result(.xinchuang).waiver == waiver)
        #expect(try fixture.decision.score.applicableWeight == 95)  // the waived check leaves the score
        fixture.asOf = CivilDate("2026-07-01")!  // the waiver has expired
        #expect(try fixture.result(.xinchuang).waiver == nil)
    }

    /// Art. 22(4): the ledger counts as maintained within 180 days (policy).
    @Test(arguments: [("2026-01-01", CheckStatus.pass), ("2025-12-31", .fail)])
    func ledgerMaintenanceAge(updated: String, expected: CheckStatus) throws {
        var fixture = ComplianceFixture()
        fixture.system.ledgerUpdatedOn = CivilDate(updated)
        #expect(try fixture.result(.ledgerMaintained).status == expected)
    }

    @Test func unpublishedResourcesAreALedgerGap() throws {
        var fixture = ComplianceFixture()
        fixture.resources[0].state = .pendingReview
        let result = try fixture.result(.ledgerMaintained)
        #expect(result.status == .fail)
        #expect(result.reason.contains("1项目录资源未发布"))
    }

    /// Art. 22(5).
    @Test func aContractWithoutApprovalEscapesManagementUnlessClassified() throws {
        var fixture = ComplianceFixture()
        fixture.construction.milestones.approved = nil
        #expect(try fixture.result(.managed).status == .fail)
        fixture.construction.exemption = .classified
        #expect(try fixture.result(.managed).status == .notApplicable)
    }

    /// Art. 22(7): a failed, an unanswered and an old probe.
    @Test(arguments: [
        (VerdictOutcome.fail, "2026-06-20", CheckStatus.fail, EligibilityStatus.ineligible),
        (.error, "2026-06-20", .inconclusive, .pendingEvidence),
        (.pass, "2026-05-30", .inconclusive, .pendingEvidence),  // older than 30 days
        (.pass, "2026-05-31", .pass, .eligible),
        (.skipped, "2026-06-20", .inconclusive, .pendingEvidence)
    ])
    func platformIntegration(outcome: VerdictOutcome, day: String, expected: CheckStatus, status: EligibilityStatus) throws {
        var fixture = ComplianceFixture()
        fixture.set(.aishandong, "service-item", outcome, day: day)
        #expect(try fixture.result(.platformIntegration).status == expected)
        #expect(try fixture.decision.operations.status == status)
    }

    @Test func thePlatformsFollowTheCategories() throws {
        var fixture = ComplianceFixture()
        fixture.system.appCategories = ["数字机关类"]
        let result = try fixture.result(.platformIntegration)
        #expect(result.status == .inconclusive)
        #expect(result.reason.contains("山东通：没有探测结果"))
        #expect(!result.reason.contains("爱山东"))
    }

    /// Art. 28: no sharing platform, no construction or O&M funds.
    @Test func theSharingPlatformBlocksBothFunds() throws {
        var fixture = ComplianceFixture()
        fixture.set(.sharingPlatform, "org-connected", .fail)
        let decision = try fixture.decision
        #expect(decision.construction.status == .ineligible)
        #expect(decision.construction.blockers.map(\.article) == ["Art. 28"])
        #expect(decision.operations.status == .ineligible)
        fixture.system.platformIds.sharingOrgCode = nil
        #expect(try fixture.result(.sharingPlatform).reason.contains("未登记共享平台机构编码"))
    }

    /// Art. 22(1): whether shared data is fresh is judged for the evaluation's as-of date from what the probe observed
    /// (the platform's last update), not for the probe's own as-of; a verdict recorded without its observation counts
    /// as it was judged.
    @Test func freshnessIsJudgedForTheEvaluationsDateNotTheProbes() throws {
        var fixture = ComplianceFixture()
        fixture.asOf = CivilDate("2026-07-25")!
        let code = fixture.resources[0].code
        fixture.verdicts = [ComplianceFixture.verdict(.countyNode, "resource-mounted", code, day: "2026-07-20")]
        // 每月 (30 days) + 1 grace day from 2026-07-02: fresh through 2026-08-02. Probed with as-of 2026-07-20: passed.
        var shared = ComplianceFixture.verdict(.sharingPlatform, "resource-shared", code, day: "2026-07-20")
        let terms = FreshnessTerms(field: "data.lastUpdated", lastUpdate: CivilDate("2026-07-02")!, cycleDays: 30, graceDays: 1)
        let expression = "fresh(data.lastUpdated, 每月, grace 1d)"
        shared.verdict.conditions = [
            ConditionResult(expression: "status == 200", resolved: "200", passed: true),
            Freshness.condition(terms, expression: expression, asOf: CivilDate("2026-07-20")!)
        ]
        shared.verdict.freshness = terms
        fixture.verdicts.append(shared)
        #expect(try fixture.result(.dataSharedFresh).status == .pass)
        // The same observation as of 2026-08-15 (within the 30 days evidence stays usable): five days stale.
        fixture.asOf = CivilDate("2026-08-15")!
        let stale = try fixture.result(.dataSharedFresh)
        #expect(stale.status == .fail && stale.evidence.contains { $0.value.contains("data.lastUpdated (2026-07-02) + 30d + 1d < 2026-08-15") })
        // A probe run with a later as-of that found the data stale does not make an earlier decision fail.
        fixture.asOf = CivilDate("2026-07-25")!
        fixture.verdicts[1].verdict.outcome = .fail
        fixture.verdicts[1].verdict.conditions[1] = Freshness.condition(terms, expression: expression, asOf: CivilDate("2026-09-01")!)
        #expect(try fixture.result(.dataSharedFresh).status == .pass)
        // Without the observation (a verdict recorded before it was kept), the verdict counts as it was judged.
        fixture.verdicts[1].verdict.freshness = nil
        #expect(try fixture.result(.dataSharedFresh).status == .fail)
    }

    /// Art. 22(1), 26, 27: at least 90 % of resources mounted, filled and fresh; 不予共享 ones on the node only.
    @Test func dataSharingCountsResourcesAgainstThePolicy() throws {
        var fixture = ComplianceFixture()
        for n in 2...10 {
            var resource = Fixtures.resource(code: String(format: "103003/%06d", n))
            resource.state = .published
            fixture.resources.append(resource)
            fixture.verdicts.append(ComplianceFixture.verdict(.countyNode, "resource-mounted", resource.code))
            fixture.verdicts.append(ComplianceFixture.verdict(.sharingPlatform, "resource-shared", resource.code))
        }
        #expect(try fixture.result(.dataSharedFresh).status == .pass)
        fixture.set(.countyNode, "resource-mounted", .fail)  // 9 of 10 = 90 %
        #expect(try fixture.result(.dataSharedFresh).status == .pass)
        fixture.verdicts.removeAll { $0.verdict.target == "103003/000002" && $0.verdict.probe == "resource-shared" }
        #expect(try fixture.result(.dataSharedFresh).status == .inconclusive)  // 8 pass, 1 unknown: could still reach 90 %
        fixture.resources[1].shareType = CatalogResource.notShared  // not carried by the sharing platform
        #expect(try fixture.result(.dataSharedFresh).status == .pass)
        fixture.verdicts = fixture.verdicts.map {
            $0.verdict.target == "103003/000003" && $0.verdict.probe == "resource-mounted"
                ? ComplianceFixture.verdict(.countyNode, "resource-mounted", "103003/000003", .fail) : $0
        }
        let result = try fixture.result(.dataSharedFresh)
        #expect(result.status == .fail)
        #expect(result.reason.contains("仅80%"))
        #expect(result.evidence.contains { $0.verdictId == 7 && $0.label.hasPrefix("103003/000003") })
    }

    /// Art. 23(3): two of stalled, stale data and low activity make a deregistration candidate.
    @Test func deregistrationCandidates() throws {
        var fixture = ComplianceFixture()
        fixture.system.status = .suspended
        #expect(try fixture.result(.deregistrationCandidate).status == .pass)
        fixture.system.appCategories = ["数字机关类"]
        var app = ComplianceFixture.verdict(.shandongtong, "app", "A1", .fail)
        app.verdict.conditions = [
            ConditionResult(expression: "body.data.activeUsers30d > 0", resolved: "body.data.activeUsers30d (2) > 0", passed: true)
        ]
        fixture.verdicts.append(app)
        let result = try fixture.result(.deregistrationCandidate)
        #expect(result.status == .fail)
        #expect(result.evidence.map(\.label) == ["停滞", "活跃度低"])
        #expect(try fixture.decision.operations.blockers.allSatisfy { $0.check != "deregistration-candidate" })
    }

    @Test func theScoreLeavesInconclusiveChecksOutAndReportsCoverage() throws {
        var fixture = ComplianceFixture()
        fixture.system.security.cryptoResult = nil  // inconclusive, weight 8
        fixture.system.xinchuang = "未适配"  // fail, weight 5
        let score = try fixture.decision.score
        #expect(score.applicableWeight == 100)
        #expect(score.conclusiveWeight == 92)
        #expect(score.passedWeight == 87)
        #expect(score.text == "94.6")  // 87 / 92
        #expect(score.coverageText == "92.0%")
    }

    @Test func lowCoverageIsPendingAndALowScoreIsIneligibleUnderArticle27() throws {
        var fixture = ComplianceFixture()
        fixture.verdicts = []
        let pending = try fixture.decision
        #expect(pending.operations.status == .pendingEvidence)
        #expect(pending.operations.blockers.contains { $0.check == "policy.minimum-coverage" })
        #expect(pending.construction.status == .pendingEvidence)  // Art. 28 needs probe evidence
    }

    @Test func decisionsAreDeterministicAndSurviveTheirOwnJSON() throws {
        let fixture = ComplianceFixture()
        let encoder = CanonicalJSON.encoder
        let first = try encoder.encode(try fixture.decision)
        #expect(first == (try encoder.encode(try fixture.decision)))
        let input = try CanonicalJSON.decoder.decode(ComplianceInput.self, from: encoder.encode(fixture.input))
        #expect(try encoder.encode(try FundingDecision.evaluate(input, ComplianceFixture.context)) == first)
        #expect(try input.sha256() == fixture.input.sha256())
    }
}

@Suite("Policy versions")
struct PolicyTests {
    @Test func theVersionInForceOnTheAsOfDateIsUsed() throws {
        let folder = try Fixtures.temporaryDirectory()
        let shipped = try String(contentsOf: Fixtures.catalog.policyURL.appendingPathComponent("tengzhou-2025.yaml"), encoding: .utf8)
        try shipped.write(to: folder.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        let stricter = shipped.replacingOccurrences(of: "version: \"2025.1\"", with: "version: \"2027.1\"")
            .replacingOccurrences(of: "effectiveFrom: 2025-01-01", with: "effectiveFrom: 2027-01-01")
            .replacingOccurrences(of: "minimumScore: 60", with: "minimumScore: 80")
        try stricter.write(to: folder.appendingPathComponent("b.yaml"), atomically: true, encoding: .utf8)
        let book = try PolicyBook.load(from: folder)
        #expect(try book.policy(on: CivilDate("2026-12-31")!).version == "2025.1")
        #expect(try book.policy(on: CivilDate("2027-01-01")!).thresholds.minimumScore == 80)
        #expect(throws: LedgerError.self) { try book.policy(on: CivilDate("2024-12-31")!) }
        #expect(try book.policy(on: CivilDate("2027-01-01")!).sha256 != book.policy(on: CivilDate("2026-01-01")!).sha256)
    }

    @Test func aBadPolicyIsRefusedWithTheFileAndField() throws {
        let folder = try Fixtures.temporaryDirectory()
        let shipped = try String(contentsOf: Fixtures.catalog.policyURL.appendingPathComponent("tengzhou-2025.yaml"), encoding: .utf8)
        try shipped.replacingOccurrences(of: "  xinchuang: 5", with: "  xinchaung: 5")
            .write(to: folder.appendingPathComponent("typo.yaml"), atomically: true, encoding: .utf8)
        let error = #expect(throws: LedgerError.self) { try PolicyBook.load(from: folder) }
        #expect(error?.message.contains("typo.yaml") == true)
        #expect(error?.message.contains("weights.xinchaung") == true)
    }
}
