import Foundation
import LedgerCore

/// A stored probe run: when, for which as-of date, with which specs, and its verdict counts.
public struct ProbeRunRecord: Codable, Sendable {
    public var id: Int64
    public var startedAt: String
    public var finishedAt: String
    public var asOf: String
    /// `cli`, `api`, `web`, `review` or `schedule`.
    public var trigger: String
    public var specHashes: [String: String]
    /// Verdict counts per platform and outcome.
    public var summary: [String: [String: Int]]
}

extension ProbeRunRecord {
    /// The counts a run of `verdicts` stores: per platform, per outcome.
    static func summary(of verdicts: [Verdict]) -> [String: [String: Int]] {
        var summary: [String: [String: Int]] = [:]
        for verdict in verdicts { summary[verdict.platform.rawValue, default: [:]][verdict.outcome.rawValue, default: 0] += 1 }
        return summary
    }
}

/// A stored verdict with its attempts.
public struct StoredVerdict: Codable, Sendable {
    public var id: Int64
    public var runId: Int64
    public var verdict: Verdict
}

/// The current status of one integration, which flips only after the spec's number of consecutive results.
public struct IntegrationRecord: Codable, Sendable {
    public var platform: String
    public var systemCode: String
    public var probe: String
    public var target: String
    public var status: IntegrationStatus
    public var changedAt: String
}

/// How long verdicts are kept: failures and errors longer than passes.
public struct RetentionPolicy: Sendable {
    public var passDays: Int
    public var otherDays: Int

    public init(passDays: Int = 30, otherDays: Int = 400) {
        self.passDays = passDays
        self.otherDays = otherDays
    }
}

/// Probe runs, their verdicts and each integration's current status (tables `probe_run`, `probe_verdict`,
/// `probe_attempt`, `integration_status`); and, read from the ledger, what a run probes.
public protocol ProbeHistoryRepository: Sendable {
    /// Systems (not deregistered) and their catalog resources, the input of a probe run.
    func targets(systemCode: String?) async throws -> ([InfoSystem], [String: [CatalogResource]])
    /// Stores a run with its canaries, verdicts and attempts, and moves each integration's status by the flip
    /// thresholds (per platform). Returns the run id.
    func recordRun(
        startedAt: Date, finishedAt: Date, asOf: CivilDate, trigger: String, specHashes: [String: String],
        canaries: [Verdict], verdicts: [Verdict], flipThresholds: [Platform: Int]
    ) async throws -> Int64
    /// Runs, newest first.
    func runs(page: PageRequest) async throws -> Page<ProbeRunRecord>
    /// One run with its verdicts (attempts included).
    func run(id: Int64) async throws -> (ProbeRunRecord, [StoredVerdict])
    /// The canaries of a run (one per platform probed), without its other verdicts.
    func canaries(runId: Int64) async throws -> [StoredVerdict]
    /// The verdict history of a system, newest first, optionally for one platform.
    func verdicts(systemCode: String, platform: Platform?, limit: Int) async throws -> [StoredVerdict]
    /// The current integration status of each probe target of a system.
    func integrations(systemCode: String) async throws -> [IntegrationRecord]
    /// For each of `systemCodes`, per platform, how many probe targets are in each current status.
    func integrationCounts(systemCodes: [String]) async throws -> [String: [Platform: [VerdictOutcome: Int]]]
    /// Deletes verdicts past their retention (passes sooner than failures and errors) and runs left empty; returns how
    /// many verdicts went.
    @discardableResult
    func prune(now: Date, policy: RetentionPolicy) async throws -> Int
}

extension ProbeHistoryRepository {
    /// Every system's targets.
    public func targets() async throws -> ([InfoSystem], [String: [CatalogResource]]) { try await targets(systemCode: nil) }
    /// The first page of runs.
    public func runs() async throws -> Page<ProbeRunRecord> { try await runs(page: PageRequest()) }
    /// The latest 200 verdicts of a system, of every platform or one.
    public func verdicts(systemCode: String, platform: Platform? = nil) async throws -> [StoredVerdict] {
        try await verdicts(systemCode: systemCode, platform: platform, limit: 200)
    }
    /// Prunes by the default retention as of now.
    @discardableResult
    public func prune(now: Date = Date()) async throws -> Int { try await prune(now: now, policy: RetentionPolicy()) }
}
