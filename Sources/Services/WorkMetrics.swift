import Foundation
import LedgerCore
import Synchronization

/// Durations counted into Prometheus's histogram buckets: how many took at most each bound, how many in all, and
/// their sum.
public struct DurationHistogram: Sendable {
    /// Upper bounds of the buckets, in seconds: from a quick request to a province's evaluation.
    public static let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800]
    private var buckets = [Int](repeating: 0, count: bounds.count)
    private var count = 0
    private var sum = 0.0

    public init() {}

    public mutating func record(seconds: Double) {
        for (index, bound) in Self.bounds.enumerated() where seconds <= bound { buckets[index] += 1 }
        count += 1
        sum += seconds
    }

    /// The histogram's lines of series `name`, with `labels` (`key="value"`, escaped) on each.
    public func lines(_ name: String, labels: String) -> [String] {
        zip(Self.bounds, buckets).map { bound, count in "\(name)_bucket{\(labels),le=\"\(bound)\"} \(count)" } + [
            "\(name)_bucket{\(labels),le=\"+Inf\"} \(count)", "\(name)_sum{\(labels)} \(sum)", "\(name)_count{\(labels)} \(count)"
        ]
    }

    /// A label value as Prometheus's text format writes it: backslash, quote and newline escaped.
    public static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

/// What the server's work did, for `/metrics` beside its requests (issue 18): probe verdicts by platform and outcome,
/// and how long probe runs, imports, funding evaluations and harvest runs took, and how many failed. One per process
/// (`shared`), as Prometheus's default registry is, since the schedules record into it as the routes do.
public final class WorkMetrics: Sendable {
    public static let shared = WorkMetrics()

    /// A kind of work that is timed.
    public enum Job: String, CaseIterable, Sendable {
        case probeRun = "probe_run"
        case importFiles = "import"
        case fundingEvaluation = "funding_evaluation"
        case harvestRun = "harvest_run"
    }

    private struct State {
        /// By platform, then outcome.
        var verdicts: [String: [String: Int]] = [:]
        var durations: [Job: DurationHistogram] = [:]
        var failures: [Job: Int] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Counts the verdicts of a probe run.
    public func record(_ verdicts: [Verdict]) {
        state.withLock { state in
            for verdict in verdicts { state.verdicts[verdict.platform.rawValue, default: [:]][verdict.outcome.rawValue, default: 0] += 1 }
        }
    }

    /// Does `work`, recording how long it took, and whether it failed.
    public func time<T>(_ job: Job, _ work: () async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        func done(failed: Bool) {
            let seconds = (ContinuousClock.now - start) / .seconds(1)
            state.withLock { state in
                state.durations[job, default: DurationHistogram()].record(seconds: seconds)
                if failed { state.failures[job, default: 0] += 1 }
            }
        }
        do {
            let result = try await work()
            done(failed: false)
            return result
        } catch {
            done(failed: true)
            throw error
        }
    }

    /// Every series in Prometheus's text format, in a stable order; each job's series from zero before it first ran.
    public func text() -> String {
        let state = state.withLock { $0 }
        var lines = [
            "# HELP ybz_probe_verdicts_total Probe verdicts, by platform and outcome.", "# TYPE ybz_probe_verdicts_total counter"
        ]
        for (platform, outcomes) in state.verdicts.sorted(by: { $0.key < $1.key }) {
            for (outcome, count) in outcomes.sorted(by: { $0.key < $1.key }) {
                lines.append("ybz_probe_verdicts_total{platform=\"\(DurationHistogram.escaped(platform))\",outcome=\"\(outcome)\"} \(count)")
            }
        }
        lines += ["# HELP ybz_job_duration_seconds Time a job took, by job.", "# TYPE ybz_job_duration_seconds histogram"]
        for job in Job.allCases {
            lines += (state.durations[job] ?? DurationHistogram()).lines("ybz_job_duration_seconds", labels: "job=\"\(job.rawValue)\"")
        }
        lines += ["# HELP ybz_job_failures_total Jobs that ended in an error, by job.", "# TYPE ybz_job_failures_total counter"]
        for job in Job.allCases { lines.append("ybz_job_failures_total{job=\"\(job.rawValue)\"} \(state.failures[job] ?? 0)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
