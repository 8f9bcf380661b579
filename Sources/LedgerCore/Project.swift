/// 项目类别.
public enum ProjectCategory: String, ChineseCode {
    case construction = "建设"
    case operations = "运维"
    case thirdPartyService = "第三方服务"

    public static var aliases: [String: ProjectCategory] { ["建设类": .construction, "运维类": .operations] }
}

/// 资金来源 (Art. 2, 28).
public enum FundingSource: String, ChineseCode {
    case budget = "财政预算"
    case selfFunded = "自筹"
    case superiorSupport = "上级扶持"

    public static var aliases: [String: FundingSource] { ["财政资金": .budget, "自筹资金": .selfFunded, "上级扶持资金": .superiorSupport] }
}

/// Why a project is filed without technical review (Art. 2-3).
public enum Exemption: String, ChineseCode {
    case negativeList = "负面清单"
    case nonSystemic = "非系统性"
    case unifiedBuild = "统建"
    case classified = "涉密"

    public static var aliases: [String: Exemption] { ["统建性": .unifiedBuild, "涉密性": .classified] }
}

/// 绩效评价 result (Art. 20).
public enum PerformanceResult: String, ChineseCode {
    case passed = "合格"
    case failed = "不合格"

    public static var aliases: [String: PerformanceResult] { ["优秀": .passed, "良好": .passed] }
}

/// The dated milestones of a project, from 需求申报 to 绩效评价 (Art. 9, 11, 18-20).
public struct Milestones: Codable, Sendable, Equatable {
    public var demandFiled: CivilDate?
    public var demandReviewed: CivilDate?
    public var projectFiled: CivilDate?
    public var jointReviewed: CivilDate?
    public var approved: CivilDate?
    public var contractSigned: CivilDate?
    public var procurementFiled: CivilDate?
    public var initialAccepted: CivilDate?
    public var trialStarted: CivilDate?
    public var trialEnded: CivilDate?
    public var acceptanceApplied: CivilDate?
    public var completionAccepted: CivilDate?
    public var acceptanceFiled: CivilDate?
    public var performanceEvaluated: CivilDate?

    public init() {}

    /// The milestones in the order the regulation runs them, with their Chinese names.
    public var ordered: [(field: String, label: String, date: CivilDate?)] {
        [
            ("milestones.demandFiled", "需求申报", demandFiled),
            ("milestones.demandReviewed", "需求审核", demandReviewed),
            ("milestones.projectFiled", "项目申报", projectFiled),
            ("milestones.jointReviewed", "联合评审", jointReviewed),
            ("milestones.approved", "批复", approved),
            ("milestones.contractSigned", "合同签订", contractSigned),
            ("milestones.initialAccepted", "初步验收", initialAccepted),
            ("milestones.trialStarted", "试运行开始", trialStarted),
            ("milestones.trialEnded", "试运行结束", trialEnded),
            ("milestones.acceptanceApplied", "验收申请", acceptanceApplied),
            ("milestones.completionAccepted", "竣工验收", completionAccepted),
            ("milestones.acceptanceFiled", "验收备案", acceptanceFiled),
            ("milestones.performanceEvaluated", "绩效评价", performanceEvaluated)
        ]
    }
}

/// A change to a project's goals, place, budget, content or schedule (Art. 16).
public struct ChangeFiling: Codable, Sendable, Equatable {
    public var date: CivilDate
    public var description: String
    /// The change in the project budget; positive for an increase.
    public var amountDelta: Money
    /// Filed (备案) with the 市大数据工作主管部门.
    public var filed: Bool
    /// Re-reviewed, as required when the change exceeds 15 %.
    public var reReviewed: Bool

    public init(date: CivilDate, description: String, amountDelta: Money, filed: Bool, reReviewed: Bool) {
        self.date = date
        self.description = description
        self.amountDelta = amountDelta
        self.filed = filed
        self.reReviewed = reReviewed
    }
}

/// A 政务信息化项目: construction, O&M or third-party service, with its approvals and milestones.
public struct Project: LedgerRecord {
    public static let label = "项目"
    /// Projects above this amount need a 事前绩效评估报告 when filed (Art. 9(3)).
    public static let preAssessmentThreshold = Money(yuan: 1_000_000)
    /// A budget change above this share of the approved amount needs a new review (Art. 16).
    public static let reReviewPercent: Int64 = 15

    public var code: String
    public var name: String
    public var unitUSCC: String
    public var category: ProjectCategory
    public var fundingSource: FundingSource
    /// 批复建设资金, in yuan.
    public var approvedAmount: Money?
    public var exemption: Exemption?
    /// 事前绩效评估报告 submitted with the application (Art. 9(3)).
    public var preAssessmentReport: Bool
    /// 需求审核意见 and priority (Art. 9(2)).
    public var demandOpinion: String?
    public var demandPriority: String?
    public var milestones: Milestones
    public var performanceResult: PerformanceResult?
    /// A failed 绩效评价 has been rectified (Art. 22(6)).
    public var performanceRectified: Bool?
    public var changes: [ChangeFiling]
    /// For an O&M project (运维): the fiscal year whose O&M funds it requests (Art. 21).
    public var fiscalYear: Int?

    public init(
        code: String, name: String, unitUSCC: String, category: ProjectCategory,
        fundingSource: FundingSource, approvedAmount: Money? = nil, exemption: Exemption? = nil,
        preAssessmentReport: Bool = false, milestones: Milestones = Milestones(),
        changes: [ChangeFiling] = []
    ) {
        self.code = code
        self.name = name
        self.unitUSCC = unitUSCC
        self.category = category
        self.fundingSource = fundingSource
        self.approvedAmount = approvedAmount
        self.exemption = exemption
        self.preAssessmentReport = preAssessmentReport
        self.milestones = milestones
        self.changes = changes
    }

    public var naturalKey: String { code }

    public mutating func normalize(codes: CodeLists) {
        code = Normalize.text(code)
        name = Normalize.text(name)
        unitUSCC = Normalize.text(unitUSCC).uppercased()
        demandOpinion = Normalize.optional(demandOpinion)
        demandPriority = Normalize.optional(demandPriority)
        for index in changes.indices { changes[index].description = Normalize.text(changes[index].description) }
    }

    public func validate(codes: CodeLists) -> [ValidationIssue] {
        var list = IssueList()
        list.requireText("code", code, label: "项目编号")
        list.requireText("name", name, label: "项目名称")
        if let amount = approvedAmount, amount.fen < 0 {
            list.add("approvedAmount", amount.description, "amount.non-negative", "批复金额不能为负数")
        }
        list.requireOrder(milestones.ordered, article: "Art. 9, 18")
        if let contract = milestones.contractSigned, let filed = milestones.procurementFiled, filed < contract {
            list.add(
                "milestones.procurementFiled", filed.description, "dates.order",
                "采购备案（\(filed)）早于合同签订（\(contract)）", article: "Art. 11")
        }
        if let start = milestones.trialStarted, let end = milestones.trialEnded, start <= end,
            end < start.adding(months: 1)
        {
            list.add(
                "milestones.trialEnded", end.description, "trial.minimum-length",
                "试运行自\(start)至\(end)，不足1个月（试运行原则上不少于1—3个月）", article: "Art. 18(2)")
        }
        if let amount = approvedAmount, amount > Project.preAssessmentThreshold,
            milestones.projectFiled != nil, !preAssessmentReport
        {
            list.add(
                "preAssessmentReport", "false", "pre-assessment.required",
                "申报金额\(amount)元超过100万元，项目申报时须提交事前绩效评估报告", article: "Art. 9(3)")
        }
        if category == .operations, fiscalYear == nil {
            list.add(
                "fiscalYear", "", "operations.fiscal-year-missing",
                "运维项目应注明申请运维经费的财政年度", article: "Art. 21", severity: .warning)
        }
        if let year = fiscalYear, !(2000...2100).contains(year) {
            list.add("fiscalYear", String(year), "fiscal-year.range", "财政年度应在2000至2100之间")
        }
        if performanceResult == .failed, performanceRectified == nil {
            list.add(
                "performanceRectified", "", "performance.rectified-unknown",
                "绩效评价不合格，应注明是否整改到位", article: "Art. 22(6)", severity: .warning)
        }
        for (index, change) in changes.enumerated() {
            let field = "changes[\(index)]"
            list.requireText("\(field).description", change.description, label: "变更内容")
            if !change.filed {
                list.add(
                    "\(field).filed", "false", "change.unfiled",
                    "变更未备案：验收申请不予批准", article: "Art. 16", severity: .warning)
            }
            if let approved = approvedAmount,
                Money.exceeds(change.amountDelta, percent: Project.reReviewPercent, of: approved), !change.reReviewed
            {
                list.add(
                    "\(field).reReviewed", "false", "change.re-review",
                    "资金调整\(change.amountDelta)元超过批复金额的15%，应重新提报审核", article: "Art. 16", severity: .warning)
            }
        }
        return list.issues
    }
}

extension Project {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            code: try c.decode(String.self, forKey: .code), name: try c.decode(String.self, forKey: .name),
            unitUSCC: try c.decode(String.self, forKey: .unitUSCC),
            category: try c.decode(ProjectCategory.self, forKey: .category),
            fundingSource: try c.decode(FundingSource.self, forKey: .fundingSource),
            approvedAmount: try c.decodeIfPresent(Money.self, forKey: .approvedAmount),
            exemption: try c.decodeIfPresent(Exemption.self, forKey: .exemption),
            preAssessmentReport: try c.decode(.preAssessmentReport, default: false),
            milestones: try c.decode(.milestones, default: Milestones()),
            changes: try c.decode(.changes, default: []))
        demandOpinion = try c.decodeIfPresent(String.self, forKey: .demandOpinion)
        demandPriority = try c.decodeIfPresent(String.self, forKey: .demandPriority)
        performanceResult = try c.decodeIfPresent(PerformanceResult.self, forKey: .performanceResult)
        performanceRectified = try c.decodeIfPresent(Bool.self, forKey: .performanceRectified)
        fiscalYear = try c.decodeIfPresent(Int.self, forKey: .fiscalYear)
    }
}
