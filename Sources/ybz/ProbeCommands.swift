import ArgumentParser
import Connectors
import Foundation
import LedgerCore
import LedgerStore
import Logging
import PlatformSimulator
import Services

extension Platform: ExpressibleByArgument {}

/// Options shared by the commands that probe.
struct ProbeOptions: ParsableArguments {
    @Option(help: "Folder of platform specs (default: connectors/ beside catalog/, or $YBZ_CONNECTORS).")
    var connectors: String?
    @Option(help: "Concurrent probes per platform (the global limit is four times this).") var concurrency = 16
    @Option(help: "PEM certificates to trust besides the system's, e.g. a government CA (or $YBZ_CA_FILE).")
    var caFile: String?

    /// The specs, and the environment with the demo secrets filled in when `demo` is set and a secret is unset.
    func service(ledger: Ledger, catalog: CatalogDirectory, demo: Bool) throws -> (ProbeService, AsyncHTTPTransport) {
        let folder = connectors.map { URL(fileURLWithPath: $0) } ?? catalog.connectorsURL()
        let specs: [ConnectorSpec]
        do {
            specs = try ConnectorSpec.loadAll(from: folder)
        } catch let error as SpecError {
            throw ValidationError("平台规格无效：\(error)")
        }
        var environment = ProcessInfo.processInfo.environment
        if demo {
            let scenario = try Scenario.load(from: catalog.demoScenarioURL)
            for spec in specs where environment[spec.secretEnv] == nil {
                environment[spec.secretEnv] = scenario.secrets[spec.platform.rawValue]
            }
        }
        let trusted = caFile ?? environment["YBZ_CA_FILE"]
        if let trusted, !FileManager.default.isReadableFile(atPath: trusted) {
            throw ValidationError("--ca-file（或 YBZ_CA_FILE）\(trusted) 不存在或不可读")
        }
        let transport = AsyncHTTPTransport(maxConnectionsPerHost: concurrency, caFile: trusted)
        return (
            ProbeService(
                ledger: ledger, specs: specs, transport: transport, environment: environment,
                globalLimit: concurrency * 4, perHostLimit: concurrency), transport
        )
    }
}

struct Probe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Probe the systems' integrations with the unified platforms and record the verdicts.")

    enum Format: String, ExpressibleByArgument { case table, json }

    @OptionGroup var data: DataOptions
    @OptionGroup var probe: ProbeOptions
    @Option(help: "Only this system (code).") var system: String?
    @Option(help: "Only this platform (repeatable): aishandong, shandongtong, citybrain, county-node, sharing-platform.")
    var platform: [Platform] = []
    @Option(help: "The as-of date for freshness (YYYY-MM-DD; default today in China).") var asOf: String?
    @Option(help: "table or json.") var format: Format = .table
    @Flag(help: "Use the demo scenario's secrets for platforms whose secret variable is unset.") var demo = false

    func validate() throws {
        if let asOf, CivilDate(asOf) == nil { throw ValidationError("--as-of 应为 YYYY-MM-DD") }
    }

    func run() async throws {
        let (ledger, catalog) = try await data.openLedger()
        let (service, transport) = try probe.service(ledger: ledger, catalog: catalog, demo: demo)
        let bar = ProgressBar()
        let outcome: (Int64, ProbeRunResult)
        do {
            outcome = try await service.run(
                systemCode: system, platforms: platform.isEmpty ? nil : Set(platform),
                asOf: asOf.flatMap(CivilDate.init), trigger: "cli"
            ) { done, total in
                bar.show(done: Int64(done), total: Int64(total), label: "\(done)/\(total) 个探测目标")
            }
        } catch let error as LedgerError {
            try? await transport.shutdown()  // the probe's own error is the one to report
            throw Refusal(message: error.description)
        }
        bar.finish()
        try await transport.shutdown()
        let (id, result) = outcome
        if format == .json { return print(try prettyJSON(result)) }
        print(ProbeReport.table(result, runID: id))
    }
}

/// The summary table of a probe run.
enum ProbeReport {
    static func table(_ result: ProbeRunResult, runID: Int64) -> String {
        let outcomes = VerdictOutcome.allCases
        var lines = ["探测批次 #\(runID)  as-of \(result.asOf)  用时 \(String(format: "%.1f", result.finishedAt.timeIntervalSince(result.startedAt)))s"]
        lines.append(TextTable.pad("平台", 28) + outcomes.map { TextTable.pad($0.rawValue, 15) }.joined() + "金丝雀")
        for platform in Platform.allCases {
            let verdicts = result.verdicts.filter { $0.platform == platform }
            guard !verdicts.isEmpty else { continue }
            let counts = outcomes.map { outcome in TextTable.pad(String(verdicts.filter { $0.outcome == outcome }.count), 15) }.joined()
            let canary = result.canaries.first { $0.platform == platform }?.outcome.rawValue ?? "maintenance"
            lines.append(TextTable.pad(platform.label, 28) + counts + canary)
        }
        if !result.connections.isEmpty { lines.append("\n新建连接（每平台一次）：") }
        for platform in Platform.allCases {
            guard let facts = result.connections[platform.rawValue] else { continue }
            lines.append("  " + TextTable.pad(platform.label, 26) + connectionLine(facts, now: result.startedAt))
        }
        let problems = result.verdicts.filter { $0.outcome == .fail || $0.outcome == .error }
        if !problems.isEmpty { lines.append("\n未通过（\(problems.count)）：") }
        for verdict in problems.prefix(40) {
            let probe = "\(verdict.platform.rawValue)/\(verdict.probe)"
            lines.append("  \(verdict.outcome.rawValue) \(verdict.systemCode) \(probe) \(verdict.target)：\(verdict.reason)")
        }
        if problems.count > 40 { lines.append("  …另有 \(problems.count - 40) 条，见 --format json 或 /api/v1/probe-runs/\(runID)") }
        return lines.joined(separator: "\n")
    }

    /// `127.0.0.1  dns 0.4ms  connect 0.2ms  tls 3.1ms  证书至 2027-02-24（89天）`, or where it failed.
    static func connectionLine(_ facts: ConnectionFacts, now: Date) -> String {
        func ms(_ value: Double?) -> String { value.map { String(format: "%.1fms", $0) } ?? "-" }
        var parts = [facts.address ?? facts.host, "dns \(ms(facts.dnsMs))", "connect \(ms(facts.connectMs))"]
        if let tls = facts.tlsMs { parts.append("tls \(ms(tls))") }
        if let expiry = facts.tlsExpiresAt {
            let days = Int((expiry.timeIntervalSince(now) / 86_400).rounded(.down))
            parts.append("证书至 \(CivilDate(expiry))（\(days)天\(days < 30 ? "，即将到期" : "")）")
        }
        if let error = facts.error { parts.append("失败 \(error)") }
        return parts.joined(separator: "  ")
    }

}

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a simulator of the five platforms on loopback (contract: docs/connectors.md).")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port; the specs expect 8090.") var port = 8090
    @Option(help: "Scenario file (default: the demo ledger's, catalog/demo/tengzhou-scenario.json).") var scenario: String?
    @Option(help: "PEM certificate (chain) to serve HTTPS with; needs --tls-key.") var tlsCert: String?
    @Option(help: "PEM private key of --tls-cert.") var tlsKey: String?

    func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert 与 --tls-key 须同时给出") }
    }

    func run() async throws {
        let catalog = try CatalogDirectory.locate()
        let url = scenario.map { URL(fileURLWithPath: $0) } ?? catalog.demoScenarioURL
        let loaded: Scenario
        do {
            loaded = try Scenario.load(from: url)
        } catch let error as LedgerError {
            throw Refusal(message: error.description)
        }
        let host = self.host
        let scheme = tlsCert == nil ? "http" : "https"
        let tls = try tlsCert.map { try PlatformSimulator.tlsConfiguration(certificateFile: $0, keyFile: tlsKey!) }
        let app = try PlatformSimulator(scenario: loaded).buildApplication(
            host: host, port: port, tls: tls,
            logger: Logger(label: "ybz-simulate")
        ) { channel in
            say("平台模拟器已启动：\(scheme)://\(host):\(channel.localAddress?.port ?? 0)/{aishandong,shandongtong,citybrain,county-node,sharing-platform}")
        }
        try await app.runService()
    }
}
