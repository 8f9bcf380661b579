import Compliance
import Foundation
import LedgerCore

/// The probe evidence an evaluation takes, worked out alike by both stores from the verdict rows they read: of each
/// probe target, the newest verdict checked before the cut-off, preferring one that was not skipped.
struct LatestVerdicts {
    private var chosen: [String: EvidenceVerdict] = [:]

    /// Takes one verdict row, read newest first; `target` names the probe target (platform, probe and target). Only a
    /// verdict that is chosen is decoded.
    mutating func add(id: Int64, runId: Int64, target: String, outcome: String, body: String) throws {
        let skipped = outcome == VerdictOutcome.skipped.rawValue
        if let existing = chosen[target], existing.verdict.outcome != .skipped || skipped { return }
        chosen[target] = EvidenceVerdict(id: id, runId: runId, verdict: try CanonicalJSON.decoder.decode(Verdict.self, from: Data(body.utf8)))
    }

    /// The verdicts chosen, by probe target.
    var verdicts: [EvidenceVerdict] { chosen.keys.sorted().compactMap { chosen[$0] } }

    /// The probes (`platform/probe`) that ran only from the cut-off on, each with the day (in China) it first ran then,
    /// from `(probe, first time)` rows; `nil` when there are none, so that such an input is the same as before this fact
    /// was recorded.
    static func laterProbes(_ rows: [(probe: String, first: String)], besides verdicts: [EvidenceVerdict]) throws -> [String: CivilDate]? {
        let earlier = Set(verdicts.map { "\($0.verdict.platform.rawValue)/\($0.verdict.probe)" })
        var later: [String: CivilDate] = [:]
        for (probe, first) in rows where !earlier.contains(probe) {
            later[probe] = CivilDate(try Date(first, strategy: .iso8601))
        }
        return later.isEmpty ? nil : later
    }
}
