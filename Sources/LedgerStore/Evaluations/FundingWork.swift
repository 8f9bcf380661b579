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

    /// Decides `count` systems a slice of `sliceSize` at a time and writes their rows, as a pipeline: the next slice is
    /// read (`read`, the range of the systems it holds) and the last ones written (`write`) while this one is decoded and
    /// decided, so that both cores work through the reads and writes, which are each one connection's. Writes run one
    /// after the other, up to two slices behind, so that deciding does not wait for a write that waits for the disk.
    /// What the audit entry says of each system decided anew; when it throws, nothing of the batch is still being read or
    /// written (the caller may remove it).
    static func decideSlices(
        count: Int, sliceSize: Int, reused: Int, plan: FundingPlan, earlier: [String: EarlierDecision],
        progress: (@Sendable (FundingProgress) -> Void)?, decide: @escaping FundingDecider,
        read: @escaping @Sendable (Range<Int>) async throws -> SliceRows, write: @escaping @Sendable ([DecisionRow]) async throws -> Void
    ) async throws -> [String: String] {
        var next: Task<SliceRows, any Error>? = count > 0 ? Task { try await read(0..<min(sliceSize, count)) } : nil
        var writes: [Task<Void, any Error>] = []
        do {
            var done = reused
            var decided: [String: String] = [:]
            for start in stride(from: 0, to: count, by: sliceSize) {
                progress?(FundingProgress(done: done, total: reused + count))
                let stored = try await next?.value ?? SliceRows(systems: [], projects: [:])
                let following = start + sliceSize
                next = following < count ? Task { try await read(following..<min(following + sliceSize, count)) } : nil
                let rows = try await Self.rows(stored, plan: plan, earlier: earlier, decide: decide)
                if writes.count == 2 { try await writes.removeFirst().value }
                let previous = writes.last
                writes.append(
                    Task {
                        try await previous?.value
                        try await write(rows)
                    })
                for row in rows { decided[row.system] = row.decided }
                done += rows.count
            }
            for write in writes { try await write.value }
            progress?(FundingProgress(done: done, total: done))
            return decided
        } catch {
            next?.cancel()
            _ = await next?.result
            for write in writes { _ = await write.result }
            throw error
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
