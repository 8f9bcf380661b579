import Foundation
import LedgerCore

/// The named checks of design.md §3, one per rule of 滕政办发〔2025〕8号.
public enum CheckID: String, Codable, Sendable, CaseIterable, Comparable {
    case accepted
    case omFreePeriod = "om-free-period"
    case omCap = "om-cap"
    case sharingPlatform = "sharing-platform"
    case dataSharedFresh = "data-shared-fresh"
    case cryptoSecurity = "crypto-security"
    case xinchuang
    case ledgerMaintained = "ledger-maintained"
    case managed
    case performance
    case platformIntegration = "platform-integration"
    case cloud
    case procurementFiled = "procurement-filed"
    case changesFiled = "changes-filed"
    case deregistrationCandidate = "deregistration-candidate"

    /// The question the check answers, in Chinese.
    public var title: String {
        switch self {
        case .accepted: "已完成竣工验收并办理验收备案"
        case .omFreePeriod: "免费运维期（验收之日起不少于3年）已届满"
        case .omCap: "运维经费申请不超过建设资金的10%"
        case .sharingPlatform: "已接入滕州市级数据共享开放平台"
        case .dataSharedFresh: "目录资源已挂接、已汇聚并按更新周期更新"
        case .cryptoSecurity: "密评通过且有效、等保测评有效、无重大安全隐患"
        case .xinchuang: "按信创要求建设或适配"
        case .ledgerMaintained: "数字资源“一本账”信息完整并及时维护"
        case .managed: "非涉密项目已纳入项目管理"
        case .performance: "按期开展绩效评价，不合格的已整改"
        case .platformIntegration: "按应用类别接入爱山东、山东通、城市大脑、县级节点并正常工作"
        case .cloud: "部署于政务云并应用云原生技术"
        case .procurementFiled: "签订合同后7个工作日内完成采购备案"
        case .changesFiled: "变更已备案，调整超过15%的已重新审核"
        case .deregistrationCandidate: "系统不属于应提出注销的情形"
        }
    }

    /// The article(s) the check implements.
    public var article: String {
        switch self {
        case .accepted: "Art. 19"
        case .omFreePeriod, .omCap: "Art. 21"
        case .sharingPlatform: "Art. 28"
        case .dataSharedFresh: "Art. 22(1), 26, 27"
        case .cryptoSecurity: "Art. 22(2), 29, 30"
        case .xinchuang: "Art. 22(3), 31"
        case .ledgerMaintained: "Art. 22(4), 5"
        case .managed: "Art. 22(5)"
        case .performance: "Art. 20, 22(6)"
        case .platformIntegration: "Art. 22(7), 18(3)"
        case .cloud: "Art. 3, 18(3)"
        case .procurementFiled: "Art. 11"
        case .changesFiled: "Art. 16"
        case .deregistrationCandidate: "Art. 23(3)"
        }
    }

    /// What a failure stops.
    public var blocks: Set<Consequence> {
        switch self {
        case .accepted, .sharingPlatform: [.constructionFunds, .omFunds]
        case .dataSharedFresh, .cryptoSecurity, .xinchuang, .ledgerMaintained, .managed, .performance, .platformIntegration:
            [.omFunds]
        case .procurementFiled, .changesFiled: [.acceptance]
        case .omFreePeriod, .omCap, .cloud, .deregistrationCandidate: []
        }
    }

    public static func < (lhs: CheckID, rhs: CheckID) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What a failed check can stop.
public enum Consequence: String, Codable, Sendable, Comparable {
    case constructionFunds = "construction-funds"
    case omFunds = "om-funds"
    case acceptance

    public static func < (lhs: Consequence, rhs: Consequence) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The outcome of a check. Inconclusive is its own state: never 0 and never 100 in the score.
public enum CheckStatus: String, Codable, Sendable, CaseIterable {
    case pass, fail, inconclusive
    case notApplicable = "not-applicable"
}

/// One fact a check used: a ledger value, a date, or a probe verdict (with its id).
public struct Evidence: Codable, Sendable, Equatable {
    public var label: String
    public var value: String
    public var verdictId: Int64?
    public var runId: Int64?

    public init(_ label: String, _ value: String, verdictId: Int64? = nil, runId: Int64? = nil) {
        self.label = label
        self.value = value
        self.verdictId = verdictId
        self.runId = runId
    }
}

/// A check set aside for one system, with the reason, who approved it and until when.
public struct Waiver: Codable, Sendable, Equatable {
    public var systemCode: String
    public var check: CheckID
    public var reason: String
    public var approver: String
    /// The last day the waiver applies.
    public var expiresOn: CivilDate

    public init(systemCode: String, check: CheckID, reason: String, approver: String, expiresOn: CivilDate) {
        self.systemCode = systemCode
        self.check = check
        self.reason = reason
        self.approver = approver
        self.expiresOn = expiresOn
    }

    /// Whether the waiver is in force on `date`.
    public func applies(on date: CivilDate) -> Bool { date <= expiresOn }
}

/// The result of one check for one system.
public struct CheckResult: Codable, Sendable, Equatable {
    public var check: CheckID
    public var title: String
    public var article: String
    public var status: CheckStatus
    public var reason: String
    public var evidence: [Evidence]
    /// What to do to pass, for a fail or an inconclusive result.
    public var remediation: String?
    /// Set when a waiver in force covers the check: the result is shown as it is but does not block.
    public var waiver: Waiver?

    public init(_ check: CheckID, _ status: CheckStatus, _ reason: String, evidence: [Evidence] = [], remediation: String? = nil) {
        self.check = check
        title = check.title
        article = check.article
        self.status = status
        self.reason = reason
        self.evidence = evidence
        self.remediation = status == .pass || status == .notApplicable ? nil : remediation
        waiver = nil
    }

    /// Whether the result stops something: a fail or inconclusive that is not waived.
    public var isOpen: Bool { (status == .fail || status == .inconclusive) && waiver == nil }
}

/// A stored probe verdict used as evidence, with its ids.
public struct EvidenceVerdict: Codable, Sendable, Equatable {
    public var id: Int64
    public var runId: Int64
    public var verdict: Verdict

    public init(id: Int64, runId: Int64, verdict: Verdict) {
        self.id = id
        self.runId = runId
        self.verdict = verdict
    }
}

/// What the checks read of a catalog resource, under the names a `CatalogResource`'s JSON uses (inputs recorded
/// with whole resources decode into it). The store reads these from indexed columns, without decoding bodies.
public struct ResourceFacts: Codable, Sendable, Equatable {
    public var code: String
    public var name: String
    /// 共享类型.
    public var shareType: String
    public var state: CatalogState

    public init(code: String, name: String, shareType: String, state: CatalogState) {
        self.code = code
        self.name = name
        self.shareType = shareType
        self.state = state
    }

    public init(_ resource: CatalogResource) {
        self.init(code: resource.code, name: resource.name, shareType: resource.shareType, state: resource.state)
    }

    /// Whether the resource is shared at all (not 不予共享).
    public var isShared: Bool { shareType != CatalogResource.notShared }
}

/// Everything the checks read about one system: the ledger state, the probe evidence, the waivers, and the dates.
/// Stored with every evaluation so that it can be shown and replayed exactly.
public struct ComplianceInput: Codable, Sendable, Equatable {
    public var system: InfoSystem
    /// The system's projects found in the ledger.
    public var projects: [Project]
    /// Project codes the system names that the ledger does not have.
    public var missingProjects: [String]
    /// The system's catalog resources, as far as the checks read them.
    public var resources: [ResourceFacts]
    /// The number of data items of each resource, by code.
    public var itemCounts: [String: Int]
    /// The newest verdict per probe target at the as-of date.
    public var verdicts: [EvidenceVerdict]
    public var waivers: [Waiver]
    public var asOf: CivilDate
    public var fiscalYear: Int
    /// For each probe (`platform/probe`) run only after the as-of date, the first day it ran: evidence that exists but
    /// does not count for this date, so that a check can say so instead of “no result”. Absent from inputs recorded
    /// before it existed, which replay as they were.
    public var laterProbes: [String: CivilDate]?
    /// The system's dated facts the ledger holds with a date after the as-of date — 一本账维护 (`ledgerUpdatedOn`), 密评
    /// (`security.cryptoAssessedOn`), 等保测评 (`security.mlpsAssessedOn`) — by field, with that date. `cutAtAsOf` takes
    /// them out of the input (they were not facts yet on the as-of date) and notes them here, so that a check says why a
    /// fact it needs is missing. Absent from inputs recorded before the cut, which replay as they were.
    public var laterFacts: [String: CivilDate]?

    /// Takes every dated fact of the system that lies after the as-of date out of the input, noting it in
    /// `laterFacts`; milestones, changes, verdicts and waivers are cut by date where they are read. Returns whether
    /// anything was cut. Input assembly calls it once for every evaluation.
    public mutating func cutAtAsOf() -> Bool {
        var later: [String: CivilDate] = [:]
        if let day = system.ledgerUpdatedOn, day > asOf {
            later["ledgerUpdatedOn"] = day
            system.ledgerUpdatedOn = nil
        }
        if let day = system.security.cryptoAssessedOn, day > asOf {
            later["security.cryptoAssessedOn"] = day
            // The result is that assessment's: on the as-of date it had not been given.
            (system.security.cryptoAssessedOn, system.security.cryptoResult) = (nil, nil)
        }
        if let day = system.security.mlpsAssessedOn, day > asOf {
            later["security.mlpsAssessedOn"] = day
            system.security.mlpsAssessedOn = nil
        }
        laterFacts = later.isEmpty ? nil : later
        return !later.isEmpty
    }

    public init(
        system: InfoSystem, projects: [Project], missingProjects: [String] = [], resources: [ResourceFacts],
        itemCounts: [String: Int], verdicts: [EvidenceVerdict], waivers: [Waiver] = [], asOf: CivilDate, fiscalYear: Int
    ) {
        self.system = system
        self.projects = projects
        self.missingProjects = missingProjects
        self.resources = resources
        self.itemCounts = itemCounts
        self.verdicts = verdicts
        self.waivers = waivers
        self.asOf = asOf
        self.fiscalYear = fiscalYear
    }

    /// An input of whole resources, counting the data items they carry.
    public init(
        system: InfoSystem, projects: [Project], missingProjects: [String] = [], resources: [CatalogResource],
        verdicts: [EvidenceVerdict], waivers: [Waiver] = [], asOf: CivilDate, fiscalYear: Int
    ) {
        self.init(
            system: system, projects: projects, missingProjects: missingProjects, resources: resources.map(ResourceFacts.init),
            itemCounts: Self.counts(resources.map { ($0.code, $0.items.count) }), verdicts: verdicts, waivers: waivers,
            asOf: asOf, fiscalYear: fiscalYear)
    }

    enum CodingKeys: String, CodingKey {
        case system, projects, missingProjects, resources, itemCounts, verdicts, waivers, asOf, fiscalYear, laterProbes, laterFacts
    }

    /// Inputs recorded before `itemCounts` existed carried the items themselves; their counts are taken from those.
    public init(from decoder: any Decoder) throws {
        struct RecordedItems: Decodable {
            var code: String
            var items: [JSONValue]?
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let itemCounts =
            try container.decodeIfPresent([String: Int].self, forKey: .itemCounts)
            ?? Self.counts(try container.decode([RecordedItems].self, forKey: .resources).map { ($0.code, $0.items?.count ?? 0) })
        self.init(
            system: try container.decode(InfoSystem.self, forKey: .system), projects: try container.decode([Project].self, forKey: .projects),
            missingProjects: try container.decode([String].self, forKey: .missingProjects),
            resources: try container.decode([ResourceFacts].self, forKey: .resources), itemCounts: itemCounts,
            verdicts: try container.decode([EvidenceVerdict].self, forKey: .verdicts), waivers: try container.decode([Waiver].self, forKey: .waivers),
            asOf: try container.decode(CivilDate.self, forKey: .asOf), fiscalYear: try container.decode(Int.self, forKey: .fiscalYear))
        laterProbes = try container.decodeIfPresent([String: CivilDate].self, forKey: .laterProbes)
        laterFacts = try container.decodeIfPresent([String: CivilDate].self, forKey: .laterFacts)
    }

    private static func counts(_ pairs: [(String, Int)]) -> [String: Int] {
        Dictionary(pairs, uniquingKeysWith: { first, _ in first })
    }

    /// The number of data items of `resource`.
    public func itemCount(of resource: ResourceFacts) -> Int { itemCounts[resource.code] ?? 0 }

    /// The construction projects (建设类) of the system.
    public var constructionProjects: [Project] { projects.filter { $0.category == .construction } }

    /// Construction funds: approved amounts plus filed changes (Art. 16, 21). Stored amounts are within
    /// ±`Money.limitYuan` and a system names at most `FieldLimits.maxListCount` projects of as many changes, so the
    /// sum stays far inside `Int64`; it is still checked.
    public var constructionFunds: Money {
        let amounts = constructionProjects.flatMap { project in
            [project.approvedAmount ?? Money(fen: 0)] + project.changes.filter(\.filed).map(\.amountDelta)
        }
        return Money.total(amounts) ?? Money(fen: 0)
    }
}

/// What the checks need besides the input: the policy in force and the working-day calendar.
public struct ComplianceContext: Sendable {
    public var policy: Policy
    public var calendar: WorkingCalendar
    public var codes: CodeLists

    public init(policy: Policy, calendar: WorkingCalendar, codes: CodeLists) {
        self.policy = policy
        self.calendar = calendar
        self.codes = codes
    }
}
