import Compliance
import LedgerCore

/// A stored deregistration application.
public struct StoredDeregistration: Codable, Sendable {
    public var id: Int64
    public var application: DeregistrationApplication
}

/// Deregistration applications and their reviews (table `deregistration`, Art. 23–24); an approval sets the system to
/// 已注销 through the ledger's write path. Every write names its actor.
public protocol DeregistrationRepository: Sendable {
    /// Records an application (Art. 23): the system must exist, not be deregistered, and have no open application;
    /// every plan section must be written.
    func apply(
        systemCode: String, reason: DeregistrationReason, appliedOn: CivilDate, plan: DeregistrationPlan,
        by actor: Actor
    ) async throws -> StoredDeregistration
    /// Records the review (Art. 24); an approval sets the system to 已注销 in the same transaction.
    func review(id: Int64, review: DeregistrationReview, by actor: Actor) async throws -> StoredDeregistration
    /// Applications of one system, or all, newest first.
    func applications(systemCode: String?) async throws -> [StoredDeregistration]
    /// Every deadline of the ledger's projects and deregistration applications at `asOf` (Art. 11, 16, 18(3), 19, 20, 24).
    func deadlines(calendar: WorkingCalendar, asOf: CivilDate) async throws -> [Deadline]
}

/// What both stores check of an application and its review (Art. 23–24).
enum DeregistrationRules {
    /// The application for `system` (whose `applications` are these): a system deregistered already, or with an
    /// application awaiting review, is refused, and so is a plan with a section missing.
    static func application(
        system: InfoSystem, applications: [StoredDeregistration], reason: DeregistrationReason, appliedOn: CivilDate,
        plan: DeregistrationPlan
    ) throws -> DeregistrationApplication {
        guard system.status != .deregistered else { throw LedgerError(.conflict, "系统 \(system.code) 已注销") }
        if let open = applications.first(where: { $0.application.review == nil }) {
            throw LedgerError(.conflict, "系统 \(system.code) 已有待审核的注销申请 #\(open.id)")
        }
        let application = DeregistrationApplication(
            systemCode: system.code, unitUSCC: system.unitUSCC, reason: reason, appliedOn: appliedOn, plan: plan)
        let issues = application.validate()
        guard issues.isEmpty else { throw LedgerError.invalid(issues) }
        return application
    }

    /// A review names its reviewer.
    static func check(_ review: DeregistrationReview) throws {
        guard !review.reviewer.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw LedgerError.invalid([
                ValidationIssue(field: "reviewer", value: "", rule: "review.reviewer-required", message: "须写明审核人", article: "Art. 24")
            ])
        }
    }

    /// Application `id` with `review`: once only, and not dated before the application.
    static func reviewed(_ application: DeregistrationApplication, id: Int64, review: DeregistrationReview) throws -> DeregistrationApplication {
        guard application.review == nil else { throw LedgerError(.conflict, "注销申请 #\(id) 已审核") }
        guard review.reviewedOn >= application.appliedOn else {
            throw LedgerError.invalid([
                ValidationIssue(
                    field: "reviewedOn", value: review.reviewedOn.description, rule: "dates.order",
                    message: "审核日期早于申请日期 \(application.appliedOn)", article: "Art. 24")
            ])
        }
        var reviewed = application
        reviewed.review = review
        return reviewed
    }
}
