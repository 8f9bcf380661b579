import Crypto
import Foundation
import LedgerCore

/// The sharing-compliance score: the weighted mean over conclusive, applicable, unwaived checks, with its
/// coverage (conclusive weight ÷ applicable weight). Both in tenths (734 = 73.4). Inconclusive checks count in
/// the coverage only, never as 0 or 100.
public struct Score: Codable, Sendable, Equatable {
    /// `nil` when no weighted check is conclusive.
    public var tenths: Int?
    public var coverageTenths: Int
    public var passedWeight: Int
    public var conclusiveWeight: Int
    public var applicableWeight: Int

    public init(_ results: [CheckResult], policy: Policy) {
        var passed = 0
        var conclusive = 0
        var applicable = 0
        for result in results where result.status != .notApplicable && result.waiver == nil {
            let weight = policy.weight(result.check)
            applicable += weight
            if result.status == .pass || result.status == .fail { conclusive += weight }
            if result.status == .pass { passed += weight }
        }
        passedWeight = passed
        conclusiveWeight = conclusive
        applicableWeight = applicable
        tenths = conclusive > 0 ? (passed * 2000 + conclusive) / (2 * conclusive) : nil
        coverageTenths = applicable > 0 ? (conclusive * 2000 + applicable) / (2 * applicable) : 0
    }

    /// `73.4`, or `—` without a conclusive check.
    public var text: String { tenths.map(Self.format) ?? "—" }
    public var coverageText: String { Self.format(coverageTenths) + "%" }

    /// Tenths as a number with one decimal: 734 → `73.4`.
    public static func format(_ tenths: Int) -> String { "\(tenths / 10).\(tenths % 10)" }
}

/// Whether funds may be granted.
public enum EligibilityStatus: String, Codable, Sendable, CaseIterable {
    case eligible
    case ineligible
    /// A blocking check is inconclusive: more evidence is needed before deciding.
    case pendingEvidence = "pending-evidence"

    public var label: String {
        switch self {
        case .eligible: "可安排"
        case .ineligible: "不予安排"
        case .pendingEvidence: "待补证据"
        }
    }
}

/// A reason a fund is not (yet) granted: a check, or a policy threshold, with its article.
public struct Blocker: Codable, Sendable, Equatable {
    public var check: String
    public var article: String
    public var status: CheckStatus
    public var reason: String
}

/// The decision for one kind of fund.
public struct Eligibility: Codable, Sendable, Equatable {
    public var status: EligibilityStatus
    public var blockers: [Blocker]

    init(_ blockers: [Blocker]) {
        self.blockers = blockers
        status = blockers.contains { $0.status == .fail } ? .ineligible : blockers.isEmpty ? .eligible : .pendingEvidence
    }
}

/// What an evaluation was computed from: enough to show it and to replay it.
public struct EvaluationInputs: Codable, Sendable, Equatable {
    public var fiscalYear: Int
    public var asOf: CivilDate
    public var policyVersion: String
    public var policySha256: String
    public var codeListsVersion: String
    /// The probe runs whose verdicts were evidence.
    public var probeRunIds: [Int64]
    /// SHA-256 of the ledger-and-evidence input (`ComplianceInput` as sorted JSON).
    public var inputSha256: String

    /// The inputs of an evaluation of `input` under `context`; `inputSha256` when the caller has already encoded the input.
    public init(_ input: ComplianceInput, _ context: ComplianceContext, inputSha256: String? = nil) throws {
        fiscalYear = input.fiscalYear
        asOf = input.asOf
        policyVersion = context.policy.version
        policySha256 = context.policy.sha256
        codeListsVersion = context.codes.version
        probeRunIds = Array(Set(input.verdicts.map(\.runId))).sorted()
        self.inputSha256 = try inputSha256 ?? input.sha256()
    }
}

/// Funding eligibility of one system for one fiscal year (Art. 19, 21, 22, 27, 28): construction funds, O&M funds
/// with the cap, the score, every check, and the inputs.
public struct FundingDecision: Codable, Sendable, Equatable {
    public var systemCode: String
    public var systemName: String
    public var unitUSCC: String
    public var construction: Eligibility
    public var operations: Eligibility
    /// The O&M cap for the year (Art. 21); 0 when O&M funds are not eligible.
    public var omCap: Money
    public var omCapBasis: String
    public var constructionFunds: Money
    public var score: Score
    public var checks: [CheckResult]
    public var inputs: EvaluationInputs

    /// Evaluates every check and decides. Deterministic for (input, policy, calendar, code lists). `inputSha256` is the
    /// input's hash when the caller has already encoded it (to store it), so that it is not encoded twice.
    public static func evaluate(
        _ input: ComplianceInput, _ context: ComplianceContext,
        inputSha256: String? = nil
    ) throws -> FundingDecision {
        let policy = context.policy
        let checks = Checks.run(input, context)
        let score = Score(checks, policy: policy)
        func blockers(_ consequence: Consequence) -> [Blocker] {
            checks.filter { $0.check.blocks.contains(consequence) && $0.isOpen }
                .map { Blocker(check: $0.check.rawValue, article: $0.article, status: $0.status, reason: $0.reason) }
        }
        var operations = blockers(.omFunds)
        if let free = checks.first(where: { $0.check == .omFreePeriod }), free.isOpen, free.status == .fail {
            operations.append(Blocker(check: free.check.rawValue, article: free.article, status: .fail, reason: free.reason))
        }
        let thresholds = policy.thresholds
        if score.coverageTenths < thresholds.minimumCoverage * 10 {
            operations.append(
                Blocker(
                    check: "policy.minimum-coverage", article: "Art. 27", status: .inconclusive,
                    reason: "评分覆盖率 \(score.coverageText) 低于策略要求 \(thresholds.minimumCoverage)%，证据不足"))
        } else if let tenths = score.tenths, tenths < thresholds.minimumScore * 10 {
            operations.append(
                Blocker(
                    check: "policy.minimum-score", article: "Art. 27", status: .fail,
                    reason: "共享合规评分 \(score.text) 低于策略要求 \(thresholds.minimumScore)（信息资源共享的范围和程度"
                        + "是运维经费拨付的重要依据）"))
        }
        let om = Eligibility(operations)
        let cap = OMCap.compute(input, policy)
        return FundingDecision(
            systemCode: input.system.code, systemName: input.system.name, unitUSCC: input.system.unitUSCC,
            construction: Eligibility(blockers(.constructionFunds)), operations: om,
            omCap: om.status == .eligible ? cap.amount : Money(fen: 0), omCapBasis: cap.basis,
            constructionFunds: input.constructionFunds, score: score, checks: checks,
            inputs: try EvaluationInputs(input, context, inputSha256: inputSha256))
    }
}

extension ComplianceInput {
    /// SHA-256 of the input as sorted JSON: equal inputs give equal hashes. An input that cannot be encoded is an
    /// error, never the hash of nothing.
    public func sha256() throws -> String { Self.sha256(of: try CanonicalJSON.encode(self)) }

    /// The hash of an input's sorted JSON, as `sha256` computes it.
    public static func sha256(of json: Data) -> String { Hex.string(SHA256.hash(data: json)) }
}

extension ComplianceContext {
    /// SHA-256 of what a decision depends on besides its input: the policy file, the code lists' version and the
    /// working-day calendar. One input decided under two contexts with the same fingerprint gets the same decision, so a
    /// batch may reuse the decisions of an earlier batch under the same fingerprint for inputs that did not change.
    public var fingerprint: String {
        var text = "policy \(policy.version) \(policy.sha256)\ncodes \(codes.version)\n"
        for (year, schedule) in calendar.years.sorted(by: { $0.key < $1.key }) {
            text += "\(year) \(schedule.source)\noff \(schedule.off.sorted().map(\.description).joined(separator: " "))\n"
            text += "work \(schedule.workdays.sorted().map(\.description).joined(separator: " "))\n"
        }
        return Hex.string(SHA256.hash(data: Data(text.utf8)))
    }
}
