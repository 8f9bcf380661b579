import Foundation
import LedgerCore

/// The verdicts of one probe of one platform for a system, split into usable evidence (recent enough, not
/// skipped) and the rest.
struct ProbeEvidence {
    /// Usable verdicts by target.
    var usable: [String: EvidenceVerdict] = [:]
    /// Verdicts too old to count, or skipped.
    var unusable: [EvidenceVerdict] = []
    let maxAgeDays: Int
    /// The first day the probe ran after the as-of date, when it ran only then.
    let laterOn: CivilDate?
    let asOf: CivilDate

    init(_ input: ComplianceInput, _ policy: Policy, platform: Platform, probe: String) {
        maxAgeDays = policy.thresholds.evidenceMaxAgeDays
        laterOn = input.laterProbes?["\(platform.rawValue)/\(probe)"]
        asOf = input.asOf
        let oldest = input.asOf.adding(days: -maxAgeDays)
        for recorded in input.verdicts where recorded.verdict.platform == platform && recorded.verdict.probe == probe {
            // Freshness observed by the probe is judged for this evaluation's as-of date, not the probe's.
            var item = recorded
            item.verdict = recorded.verdict.judged(asOf: input.asOf)
            let day = CivilDate(item.verdict.checkedAt)
            if item.verdict.outcome == .skipped || day < oldest || day > input.asOf {
                unusable.append(item)
            } else {
                usable[item.verdict.target] = item
            }
        }
    }

    /// One result over every target: a fail if any target failed, inconclusive if any had no conclusive
    /// answer or there is no usable verdict at all, not applicable if the platform does not apply, else pass.
    func result(_ check: CheckID, what: String, remediation: String) -> CheckResult {
        let items = usable.values.sorted { $0.verdict.target < $1.verdict.target }
        let evidence = items.map {
            Evidence("\(what) \($0.verdict.target)", "\($0.verdict.outcome.rawValue)：\($0.verdict.reason)", verdictId: $0.id, runId: $0.runId)
        }
        guard !items.isEmpty else {
            let note =
                !unusable.isEmpty
                ? "近\(maxAgeDays)天没有有效探测结果（\(unusable.count)条过期或跳过）"
                : laterOn.map {
                    "评估基准日 \(asOf) 及以前没有探测结果（首次探测在 \($0)，晚于评估基准日，"
                        + "不作为本次证据）"
                }
                    ?? "没有探测结果"
            return CheckResult(check, .inconclusive, "\(what)：\(note)", remediation: "运行探测（ybz probe）后重新评估")
        }
        let conclusive = items.filter { $0.verdict.outcome != .notApplicable }
        if conclusive.isEmpty { return CheckResult(check, .notApplicable, "\(what)：\(items[0].verdict.reason)", evidence: evidence) }
        let failed = conclusive.filter { $0.verdict.outcome == .fail }
        if !failed.isEmpty {
            let named = failed.prefix(3).map { "\($0.verdict.target) \($0.verdict.reason)" }.joined(separator: "；")
            return CheckResult(
                check, .fail, "\(what)：\(failed.count)/\(conclusive.count)项未通过（\(named)）", evidence: evidence,
                remediation: remediation)
        }
        let errors = conclusive.filter { $0.verdict.outcome == .error }
        if !errors.isEmpty {
            return CheckResult(
                check, .inconclusive, "\(what)：\(errors.count)项探测无结论（\(errors[0].verdict.reason)）", evidence: evidence,
                remediation: "排除平台或网络问题后重新探测")
        }
        return CheckResult(check, .pass, "\(what)：\(conclusive.count)项均通过", evidence: evidence)
    }
}

/// The signs of Art. 23(3) that a system should be deregistered: stalled, data not updated, low activity.
struct DeregistrationSignals {
    var found: [Evidence] = []

    init(_ input: ComplianceInput, _ policy: Policy) {
        let system = input.system
        let stalledDays = policy.thresholds.ledgerMaxAgeDays * 2
        if system.status == .suspended {
            found.append(Evidence("停滞", "系统已停用"))
        } else if system.ledgerUpdatedOn.map({ $0.days(until: input.asOf) > stalledDays }) ?? true {
            found.append(Evidence("停滞", "一本账超过\(stalledDays)天未更新（最后 \(system.ledgerUpdatedOn?.description ?? "无")）"))
        }
        let resources =
            Array(ProbeEvidence(input, policy, platform: .countyNode, probe: "resource-mounted").usable.values)
            + Array(ProbeEvidence(input, policy, platform: .sharingPlatform, probe: "resource-shared").usable.values)
        let conclusive = resources.filter { $0.verdict.outcome == .pass || $0.verdict.outcome == .fail }
        let failed = conclusive.filter { $0.verdict.outcome == .fail }
        if !conclusive.isEmpty, failed.count * 2 > conclusive.count {
            found.append(Evidence("内容不更新", "\(failed.count)/\(conclusive.count)项资源探测未通过（未挂接、无数据或过期）"))
        }
        let app = ProbeEvidence(input, policy, platform: .shandongtong, probe: "app").usable.values.first
        if let app, let users = Self.activeUsers(app.verdict), users < policy.thresholds.lowActivityUsers30d {
            found.append(
                Evidence(
                    "活跃度低", "山东通30天活跃用户\(users)人，低于\(policy.thresholds.lowActivityUsers30d)人",
                    verdictId: app.id, runId: app.runId))
        }
    }

    /// The 30-day active users a 山东通 verdict resolved (`body.data.activeUsers30d (3) > 0`).
    static func activeUsers(_ verdict: Verdict) -> Int? {
        guard let condition = verdict.conditions.first(where: { $0.expression.hasPrefix("body.data.activeUsers30d") }),
            let open = condition.resolved.firstIndex(of: "("), let close = condition.resolved.firstIndex(of: ")")
        else { return nil }
        return Int(condition.resolved[condition.resolved.index(after: open)..<close])
    }
}
