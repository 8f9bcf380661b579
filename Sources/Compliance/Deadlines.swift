import Foundation
import LedgerCore

/// Where a deadline stands on the as-of date.
public enum DeadlineStatus: String, Codable, Sendable, CaseIterable {
    /// Done on or before the due date.
    case done
    /// Done, after the due date.
    case late
    /// Not done, not yet due.
    case open
    /// Not done and past the due date.
    case overdue
    /// The due date cannot be computed (a year missing from the working-day calendar).
    case unknown

    /// Overdue, or not computable: what a list of what needs attention shows (an unknown due date is never dropped).
    public var needsAttention: Bool { self == .overdue || self == .unknown }

    public var label: String {
        switch self {
        case .done: "按期完成"
        case .late: "逾期完成"
        case .open: "待办"
        case .overdue: "已逾期"
        case .unknown: "无法计算"
        }
    }
}

/// One dated duty of the regulation for a project or system: when it started, when it is due, whether it is done.
public struct Deadline: Codable, Sendable, Equatable {
    public var kind: String
    public var title: String
    public var article: String
    public var unitUSCC: String
    public var projectCode: String?
    public var systemCode: String?
    /// The event that starts the clock, and its date.
    public var trigger: String
    public var triggeredOn: CivilDate
    /// For a window (绩效评价), the first day it may be done.
    public var opensOn: CivilDate?
    public var dueOn: CivilDate?
    public var doneOn: CivilDate?
    public var status: DeadlineStatus
    /// Days until due (negative when overdue), for open and overdue deadlines.
    public var daysLeft: Int?
    public var note: String?
}

/// The deadlines of Art. 11, 16, 18(3), 19, 20 and 24, computed from milestones and the working-day calendar.
public enum Deadlines {
    /// Every deadline started on or before `asOf`, most urgent first.
    public static func list(
        projects: [Project], deregistrations: [DeregistrationApplication] = [], calendar: WorkingCalendar,
        asOf: CivilDate
    ) -> [Deadline] {
        var all: [Deadline] = []
        for project in projects {
            let m = project.milestones
            func add(
                _ kind: String, _ title: String, _ article: String, trigger: String, on start: CivilDate?, done: CivilDate?,
                due: () throws -> CivilDate, opens: CivilDate? = nil
            ) {
                guard let start, start <= asOf else { return }
                all.append(
                    make(
                        kind, title, article, unit: project.unitUSCC, project: project.code, system: nil, trigger: trigger,
                        start: start, done: done.flatMap { $0 <= asOf ? $0 : nil }, opens: opens, asOf: asOf, due: due))
            }
            add(
                "procurement-filing", "采购备案（合同签订后7个工作日内）", "Art. 11", trigger: "合同签订", on: m.contractSigned,
                done: m.procurementFiled
            ) { try calendar.addingWorkingDays(7, to: m.contractSigned!) }
            add(
                "acceptance-application", "提出竣工验收申请（试运行结束后3个月内）", "Art. 18(3)",
                trigger: "试运行结束", on: m.trialEnded,
                done: m.acceptanceApplied
            ) { m.trialEnded!.adding(months: 3) }
            add(
                "acceptance-filing", "验收备案（竣工验收后10个工作日内）", "Art. 19",
                trigger: "竣工验收", on: m.completionAccepted,
                done: m.acceptanceFiled
            ) { try calendar.addingWorkingDays(10, to: m.completionAccepted!) }
            add(
                "performance-evaluation", "绩效评价（投入使用后12—24个月内）", "Art. 20",
                trigger: "竣工验收", on: m.completionAccepted,
                done: m.performanceEvaluated, due: { m.completionAccepted!.adding(months: 24) },
                opens: m.completionAccepted?.adding(months: 12))
            for change in project.changes where change.date <= asOf {
                let needsReview = project.approvedAmount.map { Money.exceeds(change.amountDelta, percent: Project.reReviewPercent, of: $0) } ?? false
                if !change.filed {
                    all.append(
                        make(
                            "change-filing", "变更备案（\(change.description)）", "Art. 16", unit: project.unitUSCC, project: project.code,
                            system: nil, trigger: "项目变更", start: change.date, done: nil, opens: nil, asOf: asOf
                        ) { change.date })
                }
                if needsReview {
                    all.append(
                        make(
                            "change-re-review", "调整超过15%，重新提报审核（\(change.description)）", "Art. 16", unit: project.unitUSCC,
                            project: project.code, system: nil, trigger: "项目变更", start: change.date,
                            done: change.reReviewed ? change.date : nil, opens: nil, asOf: asOf
                        ) { change.date })
                }
            }
        }
        for application in deregistrations where application.appliedOn <= asOf {
            all.append(
                make(
                    "deregistration-review", "注销申请审核（10个工作日内）", "Art. 24", unit: application.unitUSCC, project: nil,
                    system: application.systemCode, trigger: "提出注销申请", start: application.appliedOn,
                    done: application.review.flatMap { $0.reviewedOn <= asOf ? $0.reviewedOn : nil }, opens: nil, asOf: asOf
                ) {
                    try calendar.addingWorkingDays(10, to: application.appliedOn)
                })
        }
        let urgency: [DeadlineStatus] = [.overdue, .unknown, .open, .late, .done]
        return all.sorted {
            (urgency.firstIndex(of: $0.status)!, $0.dueOn ?? $0.triggeredOn, $0.projectCode ?? $0.systemCode ?? "", $0.kind)
                < (urgency.firstIndex(of: $1.status)!, $1.dueOn ?? $1.triggeredOn, $1.projectCode ?? $1.systemCode ?? "", $1.kind)
        }
    }

    static func make(
        _ kind: String, _ title: String, _ article: String, unit: String, project: String?, system: String?,
        trigger: String, start: CivilDate, done: CivilDate?, opens: CivilDate?, asOf: CivilDate,
        due: () throws -> CivilDate
    ) -> Deadline {
        var deadline = Deadline(
            kind: kind, title: title, article: article, unitUSCC: unit, projectCode: project, systemCode: system,
            trigger: trigger, triggeredOn: start, opensOn: opens, dueOn: nil, doneOn: done, status: .unknown)
        do {
            let dueOn = try due()
            deadline.dueOn = dueOn
            if let done {
                deadline.status = done <= dueOn ? .done : .late
            } else {
                deadline.status = asOf <= dueOn ? .open : .overdue
                deadline.daysLeft = asOf.days(until: dueOn)
            }
        } catch {
            deadline.note = "\(error)"
        }
        return deadline
    }
}
