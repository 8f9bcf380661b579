import Compliance
import Foundation
import LedgerCore
import LedgerStore

/// Evaluations over the stored ledger: funding decisions for a fiscal year, recorded so that they can be shown
/// and replayed.
public struct ComplianceService: Sendable {
    public let ledger: Ledger
    public let policies: PolicyBook
    public let calendar: WorkingCalendar

    public init(ledger: Ledger, policies: PolicyBook, calendar: WorkingCalendar) {
        self.ledger = ledger
        self.policies = policies
        self.calendar = calendar
    }

    /// The service with the policy versions and the calendar of `catalog`.
    public init(ledger: Ledger, catalog: CatalogDirectory) throws {
        self.init(ledger: ledger, policies: try PolicyBook.load(from: catalog.policyURL), calendar: try catalog.calendar())
    }

    /// The policy in force on `asOf` with the calendar and code lists.
    public func context(asOf: CivilDate) throws -> ComplianceContext {
        ComplianceContext(policy: try policies.policy(on: asOf), calendar: calendar, codes: ledger.codes)
    }

    /// The decisions of every system (or one, or one unit's) without storing them, for pages that show the current state.
    /// Nothing is recorded, so the inputs are not hashed: their `inputs.inputSha256` is empty (encoding and hashing a
    /// large unit's inputs took most of its page's time).
    public func decisions(
        fiscalYear: Int, asOf: CivilDate, systemCode: String? = nil,
        unitUSCC: String? = nil
    ) async throws -> [FundingDecision] {
        let context = try context(asOf: asOf)
        return try await ledger.evaluations.inputs(fiscalYear: fiscalYear, asOf: asOf, systemCode: systemCode, unitUSCC: unitUSCC)
            .concurrentMap { try FundingDecision.evaluate($0, context, inputSha256: "") }
    }

    /// Decides funding eligibility of every system (or one) for `fiscalYear` at `asOf`, and stores the batch as
    /// recorded by `actor`. With `ledgerAt`, on the ledger as it stood at that moment, rebuilt from the audit trail
    /// (“what would this decision have been on 31 October”), and the batch says so.
    public func funding(
        fiscalYear: Int, asOf: CivilDate, systemCode: String? = nil, ledgerAt: LedgerMoment? = nil, by actor: Actor
    ) async throws -> FundingBatch {
        guard (2000...2100).contains(fiscalYear) else {
            throw LedgerError(.badRequest, "财政年度 \(fiscalYear) 不在 2000–2100 之间")
        }
        let context = try context(asOf: asOf)
        let inputs = try await ledger.evaluations.storedInputs(
            fiscalYear: fiscalYear, asOf: asOf, systemCode: systemCode, unitUSCC: nil, ledgerAt: ledgerAt)
        let evaluations = try await inputs.concurrentMap { try EncodedEvaluation($0, context) }
        return try await ledger.evaluations.recordFunding(
            evaluations, fiscalYear: fiscalYear, asOf: asOf, policyVersion: context.policy.version, ledgerAt: ledgerAt,
            by: actor)
    }

    /// The 验收前置审查 of one system at `asOf` (Art. 18(3)), stored for `actor`, with the reviewer's decision when given.
    public func review(systemCode: String, asOf: CivilDate, decision: ReviewDecision? = nil, by actor: Actor) async throws -> StoredReview {
        let context = try context(asOf: asOf)
        guard let input = try await ledger.evaluations.inputs(fiscalYear: asOf.year, asOf: asOf, systemCode: systemCode).first else {
            throw LedgerError.notFound(InfoSystem.label, systemCode)
        }
        let stored = try await ledger.evaluations.recordReview(try ReviewReport.build(input, context), input: input, by: actor)
        guard let decision else { return stored }
        return try await ledger.evaluations.decideReview(id: stored.id, decision: decision, by: actor)
    }

    /// The systems that meet Art. 23(3) at `asOf` (stalled, data not updated, low activity), with the evidence.
    public func deregistrationCandidates(asOf: CivilDate) async throws -> [DeregistrationCandidate] {
        let context = try context(asOf: asOf)
        return try await ledger.evaluations.inputs(fiscalYear: asOf.year, asOf: asOf).compactMap { input in
            let result = Checks.run(input, context).first { $0.check == .deregistrationCandidate }!
            guard result.status == .fail else { return nil }
            return DeregistrationCandidate(
                systemCode: input.system.code, systemName: input.system.name, unitUSCC: input.system.unitUSCC,
                result: result)
        }
    }

    /// Evaluates a stored batch again from its stored inputs with the policy version it recorded, and names every
    /// system whose decision now differs.
    public func replay(batch id: Int64) async throws -> ReplayReport {
        let batch = try await ledger.evaluations.fundingBatch(id: id)
        let inputs = try await ledger.evaluations.fundingInputs(batch: id)
        guard let recorded = batch.decisions.first?.inputs else { return ReplayReport(batch: id, matching: 0, differing: []) }
        guard let policy = policies.versions.first(where: { $0.version == recorded.policyVersion }) else {
            throw LedgerError(.conflict, "批次 \(id) 使用的策略版本 \(recorded.policyVersion) 已不在 catalog/policy/ 中，无法重放")
        }
        guard policy.sha256 == recorded.policySha256 else {
            throw LedgerError(
                .conflict,
                "策略版本 \(policy.version) 的文件内容已改变（SHA-256 \(policy.sha256.prefix(12))… ≠ "
                    + "记录的 \(recorded.policySha256.prefix(12))…），无法按原样重放")
        }
        let context = ComplianceContext(policy: policy, calendar: calendar, codes: ledger.codes)
        var differing: [String] = []
        // The input's hash is of its stored text, as recorded; decoding and encoding again need not give the same bytes.
        for ((input, sha256), stored) in zip(inputs, batch.decisions) {
            let again = try FundingDecision.evaluate(input, context, inputSha256: sha256)
            if try CanonicalJSON.encode(again) != CanonicalJSON.encode(stored) { differing.append(stored.systemCode) }
        }
        return ReplayReport(batch: id, matching: batch.decisions.count - differing.count, differing: differing)
    }
}

/// The outcome of a replay: how many decisions came out the same, and which did not.
public struct ReplayReport: Codable, Sendable, Equatable {
    public init(batch: Int64, matching: Int, differing: [String]) {
        self.batch = batch
        self.matching = matching
        self.differing = differing
    }

    public var batch: Int64
    public var matching: Int
    public var differing: [String]
}

/// A system that should be considered for deregistration (Art. 23(3)).
public struct DeregistrationCandidate: Codable, Sendable {
    public var systemCode: String
    public var systemName: String
    public var unitUSCC: String
    public var result: CheckResult
}
