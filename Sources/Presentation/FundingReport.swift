import Compliance
import LedgerCore

/// The funding table finance reads: one row per system, as CSV (UTF-8 with BOM, opens cleanly in Excel) or text.
public enum FundingReport {
    /// The column titles.
    public static let header = [
        "批次", "财政年度", "评估基准日", "系统编码", "系统名称", "建设单位统一社会信用代码", "建设资金（元）",
        "建设资金", "运维经费", "运维经费上限（元）", "上限计算", "共享合规评分", "评分覆盖率", "阻断项及条款",
        "策略版本", "策略SHA-256", "探测批次"
    ]

    /// One system's row, for CSV and Excel.
    public static func row(batch: Int64, _ decision: FundingDecision) -> [String] {
        let inputs = decision.inputs
        return [
            String(batch), String(inputs.fiscalYear), inputs.asOf.description, decision.systemCode, decision.systemName,
            decision.unitUSCC, decision.constructionFunds.description, decision.construction.status.label,
            decision.operations.status.label, decision.omCap.description, ArticleText.inText(decision.omCapBasis), decision.score.text,
            decision.score.coverageText, blockers(decision), inputs.policyVersion, inputs.policySha256,
            inputs.probeRunIds.map(String.init).joined(separator: " ")
        ]
    }

    /// The columns holding numbers — batch, fiscal year, amounts in yuan, the score — written as numbers in Excel, so
    /// that they can be summed and sorted (a score that could not be computed stays the text “—”).
    public static let numberColumns: Set<Int> = [0, 1, 6, 9, 11]

    /// A check's name as people read it (`data-shared-fresh` → its Chinese title); another id as it is.
    public static func checkTitle(_ id: String) -> String {
        switch id {
        case "policy.minimum-coverage": "评分覆盖率达到规则要求"
        case "policy.minimum-score": "共享合规评分达到规则要求"
        default: CheckID(rawValue: id)?.title ?? id
        }
    }

    /// Every blocker of both funds: `运维：共享数据按期更新（第二十二条第（一）项…）…`.
    public static func blockers(_ decision: FundingDecision) -> String {
        func line(_ fund: String, _ blocker: Blocker) -> String {
            "\(fund)：\(checkTitle(blocker.check))（\(ArticleText.chinese(blocker.article))）\(ArticleText.inText(blocker.reason))"
        }
        let construction = decision.construction.blockers.map { line("建设", $0) }
        let operations = decision.operations.blockers.map { line("运维", $0) }
        return (construction + operations).joined(separator: "\n")
    }

    /// Counts per status for both funds, from a batch's counts (fund → status → systems) and the sum of the O&M caps of the eligible
    /// systems (`nil` when it is out of range).
    public static func summary(counts: [String: [String: Int]], eligibleCaps total: Money?) -> String {
        func line(_ fund: String) -> String {
            EligibilityStatus.allCases.map { "\($0.label) \(counts[fund]?[$0.rawValue] ?? 0)" }.joined(separator: "，")
        }
        let cap = total.map { "\($0)元" } ?? "超出可计算范围"
        return "建设资金：\(line("construction"))\n运维经费：\(line("operations"))；可安排运维经费上限合计 \(cap)"
    }
}
