import Connectors
import Foundation
import LedgerCore
import LedgerStore

/// Runs probe runs over the ledger and records them: the glue between the engine and the store, used by
/// `ybz probe`, the API and the schedule inside `ybz serve`.
public struct ProbeService: Sendable {
    public let ledger: Ledger
    public let specs: [ConnectorSpec]
    public let transport: any ProbeTransport
    public let environment: [String: String]
    /// Concurrent probes in all and per platform host.
    public let globalLimit: Int
    public let perHostLimit: Int

    public init(
        ledger: Ledger, specs: [ConnectorSpec], transport: any ProbeTransport,
        environment: [String: String] = ProcessInfo.processInfo.environment, globalLimit: Int = 64, perHostLimit: Int = 16
    ) {
        self.ledger = ledger
        self.specs = specs
        self.transport = transport
        self.environment = environment
        self.globalLimit = globalLimit
        self.perHostLimit = perHostLimit
    }

    /// Probes one system or all, for some platforms or all, as of a date (today in China by default); stores the
    /// run, prunes old history, and returns the run id with the result.
    public func run(
        systemCode: String? = nil, platforms: Set<Platform>? = nil, asOf: CivilDate? = nil, trigger: String,
        progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }
    ) async throws -> (Int64, ProbeRunResult) {
        try await WorkMetrics.shared.time(.probeRun) {
            try await record(systemCode: systemCode, platforms: platforms, asOf: asOf, trigger: trigger, progress: progress)
        }
    }

    /// `run`, untimed.
    private func record(
        systemCode: String?, platforms: Set<Platform>?, asOf: CivilDate?, trigger: String, progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws -> (Int64, ProbeRunResult) {
        let (systems, resources) = try await ledger.probeHistory.targets(systemCode: systemCode)
        let engine = ProbeEngine(
            specs: specs, transport: transport, globalLimit: globalLimit, perHostLimit: perHostLimit,
            environment: environment)
        let input = ProbeInput(
            systems: systems, resources: resources, asOf: asOf ?? CivilDate(Date()), platforms: platforms,
            codes: ledger.codes)
        let result = await engine.run(input, progress: progress)
        WorkMetrics.shared.record(result.verdicts)
        let thresholds = Dictionary(uniqueKeysWithValues: specs.map { ($0.platform, $0.flipAfter) })
        let id = try await ledger.probeHistory.recordRun(
            startedAt: result.startedAt, finishedAt: result.finishedAt, asOf: result.asOf,
            trigger: trigger, specHashes: result.specHashes, canaries: result.canaries,
            verdicts: result.verdicts, flipThresholds: thresholds)
        try await ledger.probeHistory.prune()
        return (id, result)
    }
}
