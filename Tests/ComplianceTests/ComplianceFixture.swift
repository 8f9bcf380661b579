import Compliance
import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// A system that keeps every rule, built for one as-of date; each test breaks one rule and expects its decision.
struct ComplianceFixture {
    static let policies = try! PolicyBook.load(from: Fixtures.catalog.policyURL)
    static let calendar = try! Fixtures.catalog.calendar()
    static var policy: Policy { try! policies.policy(on: CivilDate("2026-06-30")!) }
    static var context: ComplianceContext { ComplianceContext(policy: policy, calendar: calendar, codes: Fixtures.codes) }

    var asOf = CivilDate("2026-06-30")!
    var fiscalYear = 2027
    var system: InfoSystem
    var construction: Project
    var operations: Project?
    var resources: [CatalogResource]
    var verdicts: [EvidenceVerdict] = []
    var waivers: [Waiver] = []

    /// Accepted 2022-06-30 (free period over by 2025-06-29), construction funds 1,000,000 yuan, 政务服务类.
    init() {
        var project = Fixtures.project(code: "TZXM-2021-001")
        project.approvedAmount = Money(yuan: 1_000_000)
        project.milestones.approved = CivilDate("2021-03-01")
        project.milestones.contractSigned = CivilDate("2021-05-10")
        project.milestones.procurementFiled = CivilDate("2021-05-12")
        project.milestones.completionAccepted = CivilDate("2022-06-30")
        project.milestones.acceptanceFiled = CivilDate("2022-07-05")
        project.milestones.performanceEvaluated = CivilDate("2023-09-01")
        project.performanceResult = .passed
        construction = project
        var system = Fixtures.system(projects: [project.code])
        system.summary = "不动产登记业务办理与共享"
        system.networks = ["政务外网"]
        system.deployment = Deployment(govCloud: true, cloudNative: true)
        system.security = SecurityProfile(
            mlpsLevel: 3, mlpsAssessedOn: CivilDate("2026-03-01"), cryptoResult: "通过",
            cryptoAssessedOn: CivilDate("2026-02-01"))
        system.xinchuang = "已适配"
        system.platformIds = PlatformIds(aishandongItems: ["370481000001"], countyNodeId: "N1", sharingOrgCode: "TZGX0001")
        system.wentLiveOn = CivilDate("2022-06-30")
        system.ledgerUpdatedOn = CivilDate("2026-05-01")
        self.system = system
        var published = Fixtures.resource()
        published.state = .published
        resources = [published]
        verdicts = [
            Self.verdict(.aishandong, "service-item", "370481000001"), Self.verdict(.countyNode, "system-registered", "N1"),
            Self.verdict(.sharingPlatform, "org-connected", "TZGX0001"),
            Self.verdict(.countyNode, "resource-mounted", published.code), Self.verdict(.sharingPlatform, "resource-shared", published.code)
        ]
    }

    /// A stored verdict checked on `day` (noon, China time).
    static func verdict(
        _ platform: Platform, _ probe: String, _ target: String, _ outcome: VerdictOutcome = .pass,
        day: String = "2026-06-20", id: Int64 = 7, run: Int64 = 3
    ) -> EvidenceVerdict {
        let instant = try! Date("\(day)T12:00:00+08:00", strategy: .iso8601)
        return EvidenceVerdict(
            id: id, runId: run,
            verdict: Verdict(
                platform: platform, probe: probe, systemCode: "TZ-SYS-001",
                target: target, outcome: outcome, reason: "探测\(outcome.rawValue)",
                checkedAt: instant, specHash: "h"))
    }

    /// Replaces the verdict of one probe.
    mutating func set(_ platform: Platform, _ probe: String, _ outcome: VerdictOutcome, day: String = "2026-06-20") {
        guard let index = verdicts.firstIndex(where: { $0.verdict.platform == platform && $0.verdict.probe == probe }) else { return }
        verdicts[index] = Self.verdict(platform, probe, verdicts[index].verdict.target, outcome, day: day)
    }

    var input: ComplianceInput {
        ComplianceInput(
            system: system, projects: [construction] + (operations.map { [$0] } ?? []), resources: resources,
            verdicts: verdicts, waivers: waivers, asOf: asOf, fiscalYear: fiscalYear)
    }

    /// The decision on `input`; every case also holds the directly written JSON of the decision and of the input's
    /// resources to Foundation's bytes (a batch stores and hashes the former).
    var decision: FundingDecision {
        get throws {
            let decision = try FundingDecision.evaluate(input, Self.context)
            #expect(
                try CanonicalJSON.encode(decision) == CanonicalJSON.encoder.encode(decision),
                "the decision written directly differs from Foundation's")
            #expect(try CanonicalJSON.encode(input.resources) == CanonicalJSON.encoder.encode(input.resources))
            return decision
        }
    }

    func result(_ check: CheckID) throws -> CheckResult { try decision.checks.first { $0.check == check }! }
}
