import Foundation
import LedgerCore

/// 通过 / 不通过.
public enum ReviewOutcome: String, Codable, Sendable, CaseIterable {
    case pass = "通过"
    case reject = "不通过"
}

/// The reviewer's decision on a pre-acceptance review.
public struct ReviewDecision: Codable, Sendable, Equatable {
    public var outcome: ReviewOutcome
    public var opinion: String
    public var reviewer: String
    public var decidedOn: CivilDate

    public init(outcome: ReviewOutcome, opinion: String, reviewer: String, decidedOn: CivilDate) {
        self.outcome = outcome
        self.opinion = opinion
        self.reviewer = reviewer
        self.decidedOn = decidedOn
    }
}

/// One of the five items of the 验收前置审查 (Art. 18(3)), with the checks it rests on.
public struct ReviewItem: Codable, Sendable, Equatable {
    public var number: Int
    public var title: String
    public var article: String
    public var status: CheckStatus
    public var findings: [String]
    public var checks: [CheckID]
}

/// The 验收前置审查 report of one system (Art. 18(3)): the five items, the recommendation the evidence supports, the
/// reviewer's decision once recorded, every check with its evidence, and the inputs. The recommendation follows the
/// items: 通过 only when none of the five is 不符合 or 证据不足 (each is review content of Art. 18(3); a waiver is
/// how an exception is granted).
public struct ReviewReport: Codable, Sendable, Equatable {
    public var systemCode: String
    public var systemName: String
    public var unitUSCC: String
    public var status: SystemStatus
    public var items: [ReviewItem]
    public var recommendation: ReviewOutcome
    public var recommendationReason: String
    public var decision: ReviewDecision?
    public var checks: [CheckResult]
    public var inputs: EvaluationInputs

    /// Builds the report from the same checks as funding. Deterministic for (input, context).
    public static func build(_ input: ComplianceInput, _ context: ComplianceContext) throws -> ReviewReport {
        let checks = Checks.run(input, context)
        func result(_ id: CheckID) -> CheckResult { checks.first { $0.check == id }! }
        let missing = context.policy.acceptanceMaterials.filter { !input.system.materials.contains($0) }
        var materials = item(1, "验收材料完整性", "Art. 18(3), 11, 16", [.procurementFiled, .changesFiled], result)
        if !missing.isEmpty {
            materials.status = .fail
            materials.findings.insert("缺少验收材料：\(missing.joined(separator: "、"))", at: 0)
        }
        let items = [
            materials,
            item(2, "数据资源汇聚及更新情况", "Art. 18(3), 27, 28", [.dataSharedFresh, .sharingPlatform], result),
            item(3, "云原生技术应用情况", "Art. 18(3), 3", [.cloud], result),
            item(
                4, "与城市大脑、爱山东、山东通、一体化大数据平台县级节点等统建平台的协同对接情况",
                "Art. 18(3), 22(7)",
                [.platformIntegration], result),
            item(5, "数字资源“一本账”编目情况", "Art. 18(3), 27", [.ledgerMaintained], result)
        ]
        let open = items.filter { $0.status == .fail || $0.status == .inconclusive }
        let reason =
            open.isEmpty
            ? "审查内容均符合要求"
            : open.map { "（\($0.number)）\($0.title)\($0.status == .fail ? "不符合要求" : "证据不足")" }.joined(separator: "；")
        return ReviewReport(
            systemCode: input.system.code, systemName: input.system.name, unitUSCC: input.system.unitUSCC,
            status: input.system.status, items: items, recommendation: open.isEmpty ? .pass : .reject,
            recommendationReason: reason, decision: nil, checks: checks, inputs: try EvaluationInputs(input, context))
    }

    static func item(
        _ number: Int, _ title: String, _ article: String, _ ids: [CheckID],
        _ result: (CheckID) -> CheckResult
    ) -> ReviewItem {
        let results = ids.map(result)
        let findings = results.filter { $0.status != .notApplicable }.map {
            "\($0.title)：\($0.reason)\($0.waiver.map { "（已豁免至 \($0.expiresOn)：\($0.reason)）" } ?? "")"
        }
        let open = results.filter(\.isOpen)
        let status: CheckStatus =
            open.contains { $0.status == .fail }
            ? .fail
            : !open.isEmpty
                ? .inconclusive
                : results.allSatisfy { $0.status == .notApplicable } ? .notApplicable : .pass
        return ReviewItem(number: number, title: title, article: article, status: status, findings: findings, checks: ids)
    }
}
