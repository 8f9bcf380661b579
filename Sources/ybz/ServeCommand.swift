import ArgumentParser
import Foundation
import Interchange
import LedgerCore
import LedgerServer
import LedgerStore
import Logging
import ServiceLifecycle
import Services

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the ledger server (JSON API under /api/v1).")

    @OptionGroup var data: DataOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Flag(help: "Load the 滕州 demo ledger into an empty database (and probe with the demo scenario's secrets).")
    var demo = false
    @OptionGroup var probe: ProbeOptions
    @Option(help: "Probe every platform at this interval, e.g. 15m or 1h (off by default).") var probeEvery: String?
    @Option(help: "Harvest every source (ybz harvest add) at this interval, e.g. 6h (off by default).") var harvestEvery: String?
    @Flag(help: "Mark session cookies Secure (serve behind HTTPS).") var secureCookies = false
    @Option(help: "text, or json: one JSON object per log line on standard error, for a log collector.") var logFormat = "text"
    @Flag(
        help: "Publish the catalog: the CKAN API and /catalog.jsonld, /catalog.ttl answer anyone, with the published 无条件共享 datasets."
    )
    var publicCatalog = false

    func validate() throws {
        if let probeEvery, Self.seconds(probeEvery) == nil { throw ValidationError("--probe-every 应为时长，如 15m、1h") }
        if let harvestEvery, Self.seconds(harvestEvery) == nil { throw ValidationError("--harvest-every 应为时长，如 6h") }
        if !["text", "json"].contains(logFormat) { throw ValidationError("--log-format 应为 text 或 json") }
    }

    static func seconds(_ text: String) -> Double? {
        guard let unit = text.last, let amount = Double(text.dropLast()), amount > 0 else { return nil }
        switch unit {
        case "s": return amount
        case "m": return amount * 60
        case "h": return amount * 3600
        default: return nil
        }
    }

    /// One demo account per role (created once) and a fresh API token for each, printed with the logins.
    static func demoAccounts(_ ledger: Ledger) async throws {
        let existing = Set(try await ledger.accounts.accounts().map(\.username))
        let officerUnit = try await ledger.records.fetch(InfoSystem.self, key: "TZ-SYS-001").record.unitUSCC
        let demo: [(String, Role, String?)] = [
            ("officer", .dataOfficer, officerUnit), ("reviewer", .reviewer, nil),
            ("finance", .finance, nil), ("admin", .admin, nil)
        ]
        say("演示账号（密码均为 yibenzhang-demo；API 令牌每次启动重新签发）：")
        for (username, role, unit) in demo {
            if !existing.contains(username) {
                _ = try await ledger.accounts.createAccount(
                    username: username, displayName: "演示\(role.label)", role: role, unitUSCC: unit,
                    password: "yibenzhang-demo", by: .commandLine)
            }
            let (_, token) = try await ledger.accounts.createToken(username: username, name: "demo", by: .commandLine)
            say("  \(TextTable.pad(username, 10))\(TextTable.pad(role.label, 10))\(unit.map { "单位 \($0)  " } ?? "")令牌 \(token)")
        }
    }

    func run() async throws {
        if logFormat == "json" { LoggingSystem.bootstrap(JSONLogHandler.init(label:)) }
        let (ledger, catalog) = try await data.openLedger(logLevel: .warning)
        if demo {
            if try await ledger.records.counts()["unit"] == 0 {
                let report = try await Importer(ledger: ledger, actor: .commandLine).run(files: [catalog.demoURL], dryRun: false)
                guard report.committed else {
                    try printReport(report, json: false)
                    throw ExitCode.failure
                }
                say("已载入演示数据：\(report.files.map { "\($0.kind) \($0.created)" }.joined(separator: "，"))")
            } else {
                say("数据库已有数据，未重复载入演示数据")
            }
            try await Self.demoAccounts(ledger)
        }
        do { try checkWebResources() } catch { throw ValidationError("\(error)") }
        let logger = Logger(label: "ybz")
        let (probes, transport) = try probe.service(ledger: ledger, catalog: catalog, demo: demo)
        let compliance = try await userFacing { try ComplianceService(ledger: ledger, catalog: catalog) }
        let interrupted = try await HarvestService(ledger: ledger).endInterruptedRuns()
        if interrupted > 0 { say("上次服务停止时有 \(interrupted) 次采集未完成，已标记为失败") }
        let host = self.host
        let app = buildApplication(
            ledger: ledger, probes: probes, compliance: compliance, secureCookies: secureCookies, publicCatalog: publicCatalog,
            host: host, port: port, logger: logger
        ) { channel in
            let port = channel.localAddress?.port ?? 0
            say("一本账 is running: open http://\(host):\(port)/  (API: http://\(host):\(port)/api/v1/systems)")
        }
        // On SIGTERM or SIGINT the group stops its services in reverse order: the server first (it finishes the
        // requests in flight), then the schedules, then the HTTP client the probes used. A service that fails stops
        // the others the same way, so the client is closed whatever happens.
        let schedules = [
            probeEvery.flatMap(Self.seconds).map { Schedule.probes(probes, every: $0, holder: LeaseHolder.thisProcess, logger: logger) },
            harvestEvery.flatMap(Self.seconds).map { Schedule.harvests(HarvestService(ledger: ledger), every: $0, logger: logger) }
        ].compactMap { $0 }
        let services: [any Service] = [ProbeTransportService(transport: transport)] + schedules + [app]
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
