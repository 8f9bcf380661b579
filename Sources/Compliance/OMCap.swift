import Foundation
import LedgerCore

/// The O&M cap of Art. 21: nothing during the free period (at least three years from acceptance), then at most
/// 10 % of construction funds a year, by the day for a year the free period ends in. Rounded down to the fen.
public enum OMCap {
    /// The acceptance date that starts the free period, and its last free day.
    public static func freePeriod(_ input: ComplianceInput, _ policy: Policy) -> (accepted: CivilDate, lastFreeDay: CivilDate)? {
        let dates = input.constructionProjects.compactMap(\.milestones.completionAccepted).filter { $0 <= input.asOf }
        guard let accepted = dates.max() else { return nil }
        return (accepted, accepted.adding(months: 12 * policy.freeYears).adding(days: -1))
    }

    /// The cap for the fiscal year, and how it was computed.
    public static func compute(_ input: ComplianceInput, _ policy: Policy) -> (amount: Money, basis: String) {
        guard let period = freePeriod(input, policy) else { return (Money(fen: 0), "未竣工验收，不安排运维经费（Art. 19）") }
        let start = CivilDate(year: input.fiscalYear, month: 1, day: 1)!
        let end = CivilDate(year: input.fiscalYear, month: 12, day: 31)!
        let yearDays = start.days(until: end) + 1
        let firstPaid = max(start, period.lastFreeDay.adding(days: 1))
        let paidDays = max(0, firstPaid.days(until: end) + 1)
        let annual = input.constructionFunds.scaled(by: policy.capPercent, over: 100)
        let amount = annual.scaled(by: Int64(paidDays), over: Int64(yearDays))
        let basis =
            "建设资金 \(input.constructionFunds)元 × \(policy.capPercent)% × \(paidDays)/\(yearDays)天"
            + "（免费运维期至 \(period.lastFreeDay)，\(policy.omCap.article)）"
        return (amount, basis)
    }

    /// The system's O&M projects (运维类) requesting funds for the fiscal year.
    public static func requests(_ input: ComplianceInput) -> [Project] {
        input.projects.filter { $0.category == .operations && $0.fiscalYear == input.fiscalYear }
    }
}
