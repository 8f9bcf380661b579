import ArgumentParser
import Foundation
import Interchange
import LedgerCore
import LedgerStore
import Logging
import Services

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
    let (ledger, _) = try await data.openLedger()
    let bar = ProgressBar()
    let report: ImportReport
    do {
        report = try await Importer(ledger: ledger, actor: .commandLine).run(
            files: files.map { URL(fileURLWithPath: $0) }, dryRun: dryRun,
            dcat: dcat, progress: bar.update)
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
        let (ledger, _) = try await data.openLedger()
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
            throw Refusal(message: error.description)
        }
    }

    /// Writes to the file, or to standard output without one.
    func write(_ data: Data, to out: String?) throws {
        if let out { try data.write(to: URL(fileURLWithPath: out)) } else { FileHandle.standardOutput.write(data) }
    }
}
