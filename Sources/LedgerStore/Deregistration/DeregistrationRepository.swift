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
