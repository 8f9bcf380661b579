import Compliance
import Foundation
import LedgerCore

/// A stored document of a batch: one already stored, by row id, or a new one with its hash (and, for a decision, its
/// summary).
enum Document: Sendable {
    case stored(Int64)
    /// A new document's body is kept as the UTF-8 its encoder wrote and stored as text by SQLite, without the copy and
    /// check a Swift string of it would take (two of each per system of a batch).
    case new(sha256: String, body: Data, summary: String?)

    init(_ data: Data, summary: String? = nil) {
        self = .new(sha256: ComplianceInput.sha256(of: data), body: data, summary: summary)
    }
}

/// One system's row of a batch as it is written.
struct DecisionRow: Sendable {
    var system: String
    var input: Document
    var result: Document
    var construction: String
    var operations: String
    /// What the audit entry says of a decision made anew; `nil` for one reused.
    var decided: String?
}

/// The stored rows of a slice of systems, with the texts of the projects they list by code.
struct SliceRows: Sendable {
    var systems: [StoredSystemRows]
    var projects: [String: String]
}

/// A system's row in the batch a new one reuses.
struct EarlierDecision: Sendable {
    var inputSha256: String
    var inputId: Int64
    var resultId: Int64
    var construction: String
    var operations: String
}

/// What a funding batch works out the same on either store: each system's row, decided or taken from an earlier batch.
enum FundingWork {
    /// The rows of a slice's systems, each decoded, decided (or its earlier decision kept) and encoded in one pass, on
    /// every core: one wait for the slowest core a slice rather than one for decoding and one for deciding.
    static func rows(
        _ slice: SliceRows, plan: FundingPlan, earlier: [String: EarlierDecision], decide: @escaping FundingDecider
    ) async throws -> [DecisionRow] {
        let decoder = JSONValueDecoder()
        return try await slice.systems.concurrentMap { system in
            let stored = try system.decoded(projects: slice.projects, asOf: plan.asOf, fiscalYear: plan.fiscalYear, decoder: decoder)
            return try row(stored, earlier: earlier, decide: decide)
        }
    }

    /// One system's row: the earlier decision when its input hashes as before, else decided and encoded.
    static func row(_ stored: StoredInput, earlier: [String: EarlierDecision], decide: FundingDecider) throws -> DecisionRow {
        let text = try stored.text()
        let sha256 = ComplianceInput.sha256(of: text)
        let system = stored.input.system.code
        if let earlier = earlier[system], earlier.inputSha256 == sha256 {
            return DecisionRow(
                system: system, input: .stored(earlier.inputId), result: .stored(earlier.resultId), construction: earlier.construction,
                operations: earlier.operations)
        }
        let decision = try decide(stored.input, sha256)
        return DecisionRow(
            system: system, input: .new(sha256: sha256, body: text, summary: nil),
            result: Document(try CanonicalJSON.encode(decision), summary: try CanonicalJSON.text(FundingSummary(decision))),
            construction: decision.construction.status.rawValue,
            operations: decision.operations.status.rawValue,
            decided: "建设资金 \(decision.construction.status.rawValue)，运维经费 \(decision.operations.status.rawValue)，"
                + "上限 \(decision.omCap)")
    }

    /// What the audit trail records of a finished batch: its plan, what it reused, and each decision made anew.
    static func auditRecord(_ plan: FundingPlan, reusedFrom: Int64?, reused: Int?, decided: [String: String]) -> [String: String] {
        var record = ["fiscalYear": String(plan.fiscalYear), "asOf": plan.asOf.description, "policyVersion": plan.policyVersion]
        record["ledgerAt"] = plan.ledgerAt?.text
        if let reusedFrom, let reused { record["reused"] = "沿用批次 #\(reusedFrom) 中输入未变的 \(reused) 个系统的决定" }
        return record.merging(decided) { first, _ in first }
    }

    /// A batch's counts per fund and status, from `(construction, operations, systems)` groups.
    static func counts(_ groups: [(construction: String, operations: String, systems: Int)]) -> [String: [String: Int]] {
        var construction: [String: Int] = [:]
        var operations: [String: Int] = [:]
        for group in groups {
            construction[group.construction, default: 0] += group.systems
            operations[group.operations, default: 0] += group.systems
        }
        return ["construction": construction, "operations": operations]
    }
}
