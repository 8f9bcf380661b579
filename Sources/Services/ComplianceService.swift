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
    /// recorded by `actor`; returns the batch without its decisions (a province's are half a gigabyte), which
    /// `fundingEvaluations` reads a page at a time. With `ledgerAt`, on the ledger as it stood at that moment, rebuilt
    /// from the audit trail (“what would this decision have been on 31 October”), and the batch says so. A whole-ledger
    /// batch decides again only the systems whose inputs changed since the last batch for the same year, as-of date and
    /// context, and takes the others' decisions from it.
    public func funding(
        fiscalYear: Int, asOf: CivilDate, systemCode: String? = nil, ledgerAt: LedgerMoment? = nil, by actor: Actor,
        progress: (@Sendable (FundingProgress) -> Void)? = nil
    ) async throws -> FundingBatch {
        guard (2000...2100).contains(fiscalYear) else {
            throw LedgerError(.badRequest, "财政年度 \(fiscalYear) 不在 2000–2100 之间")
        }
        let context = try context(asOf: asOf)
        let plan = FundingPlan(
            fiscalYear: fiscalYear, asOf: asOf, systemCode: systemCode, ledgerAt: ledgerAt, policyVersion: context.policy.version,
            contextFingerprint: context.fingerprint)
        return try await WorkMetrics.shared.time(.fundingEvaluation) {
            try await ledger.evaluations.recordFunding(plan, by: actor, progress: progress) { input, sha256 in
                try FundingDecision.evaluate(input, context, inputSha256: sha256)
            }
        }
    }

    /// The decisions of stored batch `id` in system order, handed to `body` a page at a time (a province's batch does
    /// not fit in memory decoded).
    public func forEachDecisionPage(ofBatch id: Int64, _ body: ([FundingDecision]) async throws -> Void) async throws {
        try await forEachEvaluationPage(ofBatch: id) { page in try await body(try await Self.decisions(page)) }
    }

    /// Stored batch `id` as one JSON document, the batch's fields and then its decisions one per line, handed to
    /// `write` a piece at a time: the decisions are written as stored, never decoded nor held together (a province's
    /// batch is 50,000 of them). It decodes to the batch as `fundingBatch(id:)` reads it.
    public func writeBatchJSON(id: Int64, to write: (String) -> Void) async throws {
        let header = try await ledger.evaluations.fundingBatchHeader(id: id)
        var fields = try CanonicalJSON.decoder.decode([String: JSONValue].self, from: try CanonicalJSON.encode(header))
        fields["decisions"] = nil
        write(String(JSONValue.object(fields).canonicalText.dropLast()) + ",\"decisions\":[\n")
        var first = true
        try await forEachEvaluationPage(ofBatch: id) { page in
            write((first ? "" : ",\n") + page.map(\.result).joined(separator: ",\n"))
            first = false
        }
        write("\n]}\n")
    }

    /// Up to `limit` decisions of batch `id` after system `after`, in system order, and the system to ask after for the
    /// next page (`nil` on the last): what the API answers a page at a time.
    public func decisionPage(ofBatch id: Int64, after: String?, limit: Int) async throws -> (decisions: [FundingDecision], next: String?) {
        let page = try await ledger.evaluations.fundingEvaluations(batch: id, after: after, limit: limit + 1)
        let shown = Array(page.prefix(limit))
        return (try await Self.decisions(shown), page.count > limit ? shown.last?.systemCode : nil)
    }

    /// Stored decisions decoded on every core.
    private static func decisions(_ page: [StoredEvaluation]) async throws -> [FundingDecision] {
        try await page.concurrentMap { try CanonicalJSON.decoder.decode(FundingDecision.self, from: Data($0.result.utf8)) }
    }

    /// The stored inputs and decisions of batch `id` in system order, handed to `body` 500 systems at a time.
    private func forEachEvaluationPage(ofBatch id: Int64, _ body: ([StoredEvaluation]) async throws -> Void) async throws {
        var after: String?
        while true {
            let page = try await ledger.evaluations.fundingEvaluations(batch: id, after: after, limit: 500)
            guard let last = page.last else { return }
            after = last.systemCode
            try await body(page)
        }
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

    /// Evaluates a stored batch again from its stored inputs with the policy version it recorded, a page of systems at
    /// a time, and names every system whose decision now differs from the stored text by a byte.
    public func replay(batch id: Int64) async throws -> ReplayReport {
        _ = try await ledger.evaluations.fundingBatchHeader(id: id)
        var context: ComplianceContext?
        var (matching, differing) = (0, [String]())
        try await forEachEvaluationPage(ofBatch: id) { page in
            let decider = try context ?? replayContext(batch: id, recorded: page[0])
            context = decider
            // The input's hash is of its stored text, as recorded; decoding and encoding again need not give the same bytes.
            let same = try await page.concurrentMap { stored in
                let text = Data(stored.input.utf8)
                let input = try CanonicalJSON.decoder.decode(ComplianceInput.self, from: text)
                let again = try FundingDecision.evaluate(input, decider, inputSha256: ComplianceInput.sha256(of: text))
                return try CanonicalJSON.encode(again) == Data(stored.result.utf8)
            }
            matching += same.filter { $0 }.count
            differing += zip(page, same).filter { !$1 }.map(\.0.systemCode)
        }
        return ReplayReport(batch: id, matching: matching, differing: differing)
    }

    /// The context a batch was decided under, from its first stored decision: the policy version it names, whose file
    /// must still hash as recorded.
    private func replayContext(batch id: Int64, recorded: StoredEvaluation) throws -> ComplianceContext {
        let inputs = try CanonicalJSON.decoder.decode(FundingDecision.self, from: Data(recorded.result.utf8)).inputs
        guard let policy = policies.versions.first(where: { $0.version == inputs.policyVersion }) else {
            throw LedgerError(.conflict, "批次 \(id) 使用的策略版本 \(inputs.policyVersion) 已不在 catalog/policy/ 中，无法重放")
        }
        guard policy.sha256 == inputs.policySha256 else {
            throw LedgerError(
                .conflict,
                "策略版本 \(policy.version) 的文件内容已改变（SHA-256 \(policy.sha256.prefix(12))… ≠ "
                    + "记录的 \(inputs.policySha256.prefix(12))…），无法按原样重放")
        }
        return ComplianceContext(policy: policy, calendar: calendar, codes: ledger.codes)
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
