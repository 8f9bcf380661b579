import ArgumentParser
import Foundation
import LedgerCore
import LedgerServer
import LedgerStore
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the ledger server (JSON API under /api/v1).")

    @OptionGroup var data: DataOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Flag(help: "Load the 滕州 demo ledger into an empty database (and probe with the demo scenario's secrets).")
    var demo = false
    @OptionGroup var probe: ProbeOptions
    @Option(help: "Probe every platform at this interval, e.g. 15m or 1h (off by default).") var probeEvery: String?
    @Flag(help: "Mark session cookies Secure (serve behind HTTPS).") var secureCookies = false

    func validate() throws {
        if let probeEvery, Self.seconds(probeEvery) == nil { throw ValidationError("--probe-every 应为时长，如 15m、1h") }
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
        let demo: [(String, Role, String?)] = [("officer", .dataOfficer, officerUnit), ("reviewer", .reviewer, nil),
                                               ("finance", .finance, nil), ("admin", .admin, nil)]
        say("演示账号（密码均为 yibenzhang-demo；API 令牌每次启动重新签发）：")
        for (username, role, unit) in demo {
            if !existing.contains(username) {
                _ = try await ledger.accounts.createAccount(username: username, displayName: "演示\(role.label)", role: role, unitUSCC: unit,
                                                            password: "yibenzhang-demo", by: .commandLine)
            }
            let (_, token) = try await ledger.accounts.createToken(username: username, name: "demo", by: .commandLine)
            say("  \(TextTable.pad(username, 10))\(TextTable.pad(role.label, 10))\(unit.map { "单位 \($0)  " } ?? "")令牌 \(token)")
        }
    }

    func run() async throws {
        let (ledger, catalog) = try data.openLedger()
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
        let logger = Logger(label: "ybz")
        let (probes, transport) = try probe.service(ledger: ledger, catalog: catalog, demo: demo)
        let compliance = try await userFacing { try ComplianceService(ledger: ledger, catalog: catalog) }
        let host = self.host
        let app = buildApplication(ledger: ledger, probes: probes, compliance: compliance, secureCookies: secureCookies,
                                   host: host, port: port, logger: logger) { channel in
            let port = channel.localAddress?.port ?? 0
            say("一本账 is running: open http://\(host):\(port)/  (API: http://\(host):\(port)/api/v1/systems)")
        }
        let schedule = probeEvery.flatMap(Self.seconds).map { interval in
            Task { await ProbeSchedule(service: probes, interval: interval, logger: logger).run() }
        }
        try await app.runService()
        schedule?.cancel()
        await schedule?.value
        try await transport.shutdown()
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import JSON, CSV or Excel (.xlsx) files (units, projects, systems, resources, data items); all or nothing.")

    @OptionGroup var data: DataOptions
    @Argument(help: "Files to import: .json documents, .csv files (UTF-8 with or without BOM, or GB18030) or .xlsx workbooks.")
    var files: [String]
    @Flag(help: "Check everything, write nothing.") var dryRun = false
    @Flag(help: "Print the report as JSON.") var json = false
    @Flag(help: "Read .json files as DCAT catalogs (JSON-LD, DCAT-AP, DCAT-US data.json); .jsonld files always are.")
    var dcat = false
    @Option(help: "With DCAT: the system of datasets that do not name one.") var system: String?
    @Option(help: "With DCAT: number datasets whose identifier is not a resource code under this 类·项·目 code (e.g. 101001).")
    var classification: String?

    func run() async throws {
        let mapping = dcat || system != nil || classification != nil ? DCATImport(system: system, classification: classification) : nil
        try await runImport(files: files, dryRun: dryRun, json: json, data: data, dcat: mapping)
    }
}

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check files with the same rules as import; write nothing.")

    @OptionGroup var data: DataOptions
    @Argument(help: "Files to check.") var files: [String]
    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        try await runImport(files: files, dryRun: true, json: json, data: data)
    }
}

/// Runs an import (or a dry run) with a progress bar and exits non-zero when any row is refused.
func runImport(files: [String], dryRun: Bool, json: Bool, data: DataOptions, dcat: DCATImport? = nil) async throws {
    let (ledger, _) = try data.openLedger()
    let bar = ProgressBar()
    let report: ImportReport
    do {
        report = try await Importer(ledger: ledger, actor: .commandLine).run(files: files.map { URL(fileURLWithPath: $0) }, dryRun: dryRun, dcat: dcat,
                                                        progress: bar.update)
    } catch {
        bar.finish()
        throw error  // printed in Chinese by `YBZ.main`, without the usage text a wrong argument gets
    }
    bar.finish()
    try printReport(report, json: json)
    if report.rejectedRows > 0 { throw ExitCode.failure }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export the ledger losslessly as JSON, CSV or an Excel workbook, or the catalog as DCAT (JSON-LD, Turtle).")

    enum Format: String, ExpressibleByArgument { case json, csv, xlsx, jsonld, turtle }

    @OptionGroup var data: DataOptions
    @Option(help: "json (one document), csv (a folder of files, UTF-8 with BOM) or xlsx (one workbook, a sheet per kind).")
    var format: Format = .json
    @Option(help: "Only this unit (USCC) and what it owns.") var unit: String?
    @Option(help: "Only this system (code) with its unit, projects and resources.") var system: String?
    @Option(help: "Output file (json, default standard output; xlsx, required) or folder (csv, required).") var out: String?
    @Flag(help: "With --format xlsx: the empty import template (headers and drop-down lists only).") var template = false
    @Option(help: "With jsonld/turtle: the URL the catalog is published under (dataset IRIs are BASE/dataset/CODE).")
    var baseURL = "https://ybz.invalid"

    func validate() throws {
        if unit != nil && system != nil { throw ValidationError("--unit and --system cannot be combined") }
        if format == .csv && out == nil { throw ValidationError("--format csv needs --out FOLDER") }
        if format == .xlsx && out == nil { throw ValidationError("--format xlsx needs --out FILE.xlsx") }
        if template && format != .xlsx { throw ValidationError("--template needs --format xlsx") }
    }

    func run() async throws {
        let (ledger, _) = try data.openLedger()
        let scope: ExportScope = unit.map { .unit($0) } ?? system.map { .system($0) } ?? .all
        let exporter = Exporter(ledger: ledger, scope: scope)
        do {
            switch (format, out) {
            case (.json, let out?): try await exporter.writeJSON(to: URL(fileURLWithPath: out))
            case (.json, nil): try await exporter.writeJSON(to: FileHandle.standardOutput)
            case (.csv, let out): try await exporter.writeCSV(to: URL(fileURLWithPath: out ?? "."))
            case (.xlsx, let out): try await exporter.xlsxData(template: template).write(to: URL(fileURLWithPath: out ?? "ledger.xlsx"))
            case (.jsonld, let out):
                try write(try await DCAT.jsonLD(ledger: ledger, scope: scope, base: baseURL), to: out)
            case (.turtle, let out):
                try write(Data(try await DCAT.turtle(ledger: ledger, scope: scope, base: baseURL).utf8), to: out)
            }
        } catch let error as LedgerError {
            throw ValidationError(error.description)
        }
    }

    /// Writes to the file, or to standard output without one.
    func write(_ data: Data, to out: String?) throws {
        if let out { try data.write(to: URL(fileURLWithPath: out)) } else { FileHandle.standardOutput.write(data) }
    }
}
