import Compliance
import LedgerCore

/// What evaluations read and record: the inputs assembled from the ledger and probe evidence, check waivers
/// (table `waiver`), funding batches (tables `evaluation_batch`, `funding_decision`, `evaluation_document`; older batches'
/// rows in `evaluation`) and pre-acceptance reviews (`evaluation_batch`, `evaluation`). Every write names its actor.
public protocol EvaluationRepository: Sendable {
    /// The ledger state and probe evidence of each system (or one, or one unit's) at `asOf`, for evaluations.
    func inputs(fiscalYear: Int, asOf: CivilDate, systemCode: String?, unitUSCC: String?) async throws -> [ComplianceInput]
    /// The inputs with the stored texts they were decoded from, from the ledger as it is.
    func storedInputs(fiscalYear: Int, asOf: CivilDate, systemCode: String?, unitUSCC: String?) async throws -> [StoredInput]
    /// Records a waiver; the system must exist and the reason and approver must be given.
    func addWaiver(_ waiver: Waiver, by actor: Actor) async throws -> StoredWaiver
    /// Waivers of one system, or all, newest first.
    func waivers(systemCode: String?) async throws -> [StoredWaiver]
    /// Decides a funding batch with `decide` and stores it slice by slice, reusing an earlier batch's decisions for
    /// systems whose inputs did not change; tells `progress` how far it has got.
    func recordFunding(
        _ plan: FundingPlan, by actor: Actor, progress: (@Sendable (FundingProgress) -> Void)?, decide: @escaping FundingDecider
    ) async throws -> FundingBatch
    /// One stored batch with its decisions.
    func fundingBatch(id: Int64) async throws -> FundingBatch
    /// One stored batch without its decisions.
    func fundingBatchHeader(id: Int64) async throws -> FundingBatch
    /// What lists and charts need of each decision of a batch, without decoding the decisions.
    func fundingSummaries(batch id: Int64) async throws -> [FundingSummary]
    /// The decisions of a batch for some of its systems, in system order.
    func fundingDecisions(batch id: Int64, systems: [String]) async throws -> [FundingDecision]
    /// Up to `limit` of a batch's systems after `after`, in order, with their stored input and decision texts.
    func fundingEvaluations(batch id: Int64, after: String?, limit: Int) async throws -> [StoredEvaluation]
    /// Batches, newest first, without their decisions.
    func fundingBatches(page: PageRequest) async throws -> Page<FundingBatch>
    /// Stores a review report with its input.
    func recordReview(_ report: ReviewReport, input: ComplianceInput, by actor: Actor) async throws -> StoredReview
    /// Records the reviewer's decision on review `id`, once.
    func decideReview(id: Int64, decision: ReviewDecision, by actor: Actor) async throws -> StoredReview
    /// One stored review.
    func review(id: Int64) async throws -> StoredReview
    /// A page of reviews, of one system or of all, newest first.
    func reviews(systemCode: String?, page: PageRequest) async throws -> Page<StoredReview>
}

extension EvaluationRepository {
    /// The inputs of every system, or of one.
    public func inputs(fiscalYear: Int, asOf: CivilDate, systemCode: String? = nil) async throws -> [ComplianceInput] {
        try await inputs(fiscalYear: fiscalYear, asOf: asOf, systemCode: systemCode, unitUSCC: nil)
    }
    /// Every waiver.
    public func waivers() async throws -> [StoredWaiver] { try await waivers(systemCode: nil) }
    /// The reviews of a system, newest first (the last 500).
    public func reviews(systemCode: String) async throws -> [StoredReview] {
        try await reviews(systemCode: systemCode, page: PageRequest(limit: 500)).items
    }
    /// The first page of batches.
    public func fundingBatches() async throws -> Page<FundingBatch> { try await fundingBatches(page: PageRequest()) }
}

/// What both stores check of waivers and reviews, and what they write in the audit trail of them.
enum EvaluationRules {
    /// A waiver names its reason and approver.
    static func check(_ waiver: Waiver) throws {
        var issues: [ValidationIssue] = []
        if waiver.reason.trimmingCharacters(in: .whitespaces).isEmpty {
            issues.append(ValidationIssue(field: "reason", value: "", rule: "waiver.reason-required", message: "豁免须写明理由"))
        }
        if waiver.approver.trimmingCharacters(in: .whitespaces).isEmpty {
            issues.append(ValidationIssue(field: "approver", value: "", rule: "waiver.approver-required", message: "豁免须写明批准人"))
        }
        guard issues.isEmpty else { throw LedgerError.invalid(issues) }
    }

    /// The audit trail's key of waiver `id`.
    static func auditKey(_ waiver: Waiver, id: Int64) -> String { "\(waiver.systemCode)/\(waiver.check.rawValue)/\(id)" }

    /// A reviewer's decision names the reviewer and the opinion (Art. 18(3)).
    static func check(_ decision: ReviewDecision) throws {
        var issues: [ValidationIssue] = []
        if decision.reviewer.trimmingCharacters(in: .whitespaces).isEmpty {
            issues.append(
                ValidationIssue(field: "reviewer", value: "", rule: "review.reviewer-required", message: "须写明审查人", article: "Art. 18(3)"))
        }
        if decision.opinion.trimmingCharacters(in: .whitespaces).isEmpty {
            issues.append(
                ValidationIssue(
                    field: "opinion", value: "", rule: "review.opinion-required", message: "须写明审查意见", article: "Art. 18(3)"))
        }
        guard issues.isEmpty else { throw LedgerError.invalid(issues) }
    }

    /// Review `id`'s report with `decision`, which is made once.
    static func decided(_ report: ReviewReport, id: Int64, decision: ReviewDecision) throws -> ReviewReport {
        if let existing = report.decision {
            throw LedgerError(
                .conflict, "审查 #\(id) 已于 \(existing.decidedOn) 由 \(existing.reviewer) 作出结论（\(existing.outcome.rawValue)）")
        }
        var decided = report
        decided.decision = decision
        return decided
    }

    /// What the audit trail records of a review made.
    static func auditRecord(_ report: ReviewReport) -> [String: String] {
        ["system": report.systemCode, "asOf": report.inputs.asOf.description, "recommendation": report.recommendation.rawValue]
    }
}
