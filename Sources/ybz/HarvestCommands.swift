import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore
import Presentation
import Services

extension HarvestKind: ExpressibleByArgument {}

struct Harvest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Harvest catalogs that others publish (DCAT data.json or JSON-LD, CKAN sites) into the catalog, run by run.",
        subcommands: [Add.self, List.self, Run.self, Report.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a source with its mapping profile: the system and classification its datasets go under, and defaults.")
        @OptionGroup var data: DataOptions
        @Argument(help: "A short unique name; it names the source in each harvested resource.") var name: String
        @Option(help: "The catalog's address (http or https) or a file on this machine.") var location: String
        @Option(help: "dcat (data.json, JSON-LD) or ckan (a CKAN site's address).") var kind: HarvestKind = .dcat
        @Option(help: "The system (code) the source's datasets belong to.") var system: String
        @Option(help: "The 类·项·目 code (six digits) under which datasets are numbered.") var classification: String
        @Option(help: "更新周期 for datasets without a periodicity (每日, 每月, …).") var updateCycle: String?
        @Option(help: "共享类型 for datasets without access rights.") var shareType: String?
        @Option(help: "共享条件 of datasets that are 有条件共享 by default.") var shareCondition: String?
        @Option(help: "FORMAT=信息资源格式, e.g. GEOJSON=自描述格式 (repeatable).") var format: [String] = []
        @Option(help: "PART-OF-LICENCE=开放类型, e.g. creativecommons.org/licenses/by=无条件开放 (repeatable).") var licence: [String] = []
        @Flag(help: "Keep the source's resource codes (NNNNNN/NNNNNN) instead of numbering its datasets here.") var keepCodes = false

        func run() async throws {
            let (ledger, _) = try await data.openLedger()
            let profile = HarvestProfile(
                system: system, classification: classification, updateCycle: updateCycle, shareType: shareType,
                shareCondition: shareCondition, formats: try Self.pairs(format, "--format"), licences: try Self.pairs(licence, "--licence"),
                keepCodes: keepCodes)
            let source = try await userFacing {
                try await ledger.harvests.addSource(
                    HarvestSource(name: name, location: location, kind: kind, profile: profile), by: .commandLine)
            }
            print("已登记采集来源 \(source.name)（\(source.kind.label)，\(source.location)）")
        }

        static func pairs(_ values: [String], _ option: String) throws -> [String: String] {
            var pairs: [String: String] = [:]
            for value in values {
                let parts = value.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw ValidationError("\(option) 应写作 名称=取值：\(value)")
                }
                pairs[parts[0]] = parts[1]
            }
            return pairs
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List sources with their last run.")
        @OptionGroup var data: DataOptions

        func run() async throws {
            let (ledger, _) = try await data.openLedger()
            let runs = try await ledger.harvests.runs(source: nil, limit: 500)
            for source in try await ledger.harvests.sources() {
                let last: String = runs.first { $0.sourceId == source.id }.map { "#\($0.id) \($0.summary)" } ?? "尚未采集"
                let columns: String = TextTable.pad(source.name, 20) + TextTable.pad(source.kind.rawValue, 6)
                print(columns + TextTable.pad(source.profile.system ?? "-", 16) + last + "  \(source.location)")
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a source now: every dataset that passes is taken in, each other one is reported with its reasons.")
        @OptionGroup var data: DataOptions
        @Argument var name: String

        func run() async throws {
            let (ledger, _) = try await data.openLedger()
            let interactive = isatty(STDERR_FILENO) == 1
            let run = try await userFacing {
                try await HarvestService(ledger: ledger).run(name, by: .commandLine) { step in
                    if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K\(step)…".utf8)) }
                }
            }
            if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            Harvest.show(run)
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a run's report (the source's last run by default).")
        @OptionGroup var data: DataOptions
        @Argument var name: String
        @Option(help: "The run's number.") var run: Int64?

        func run() async throws {
            let (ledger, _) = try await data.openLedger()
            let found = try await userFacing { () -> HarvestRun in
                let source = try await ledger.harvests.source(named: name)
                let newest = try await ledger.harvests.runs(source: source.id, limit: 1).first?.id
                guard let id = run ?? newest else {
                    throw LedgerError(.notFound, "采集来源“\(name)”尚未采集")
                }
                let found = try await ledger.harvests.run(id: id)
                guard found.sourceId == source.id else { throw LedgerError.notFound("采集记录", String(id)) }
                return found
            }
            Harvest.show(found)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a source with its runs; the resources it gave stay in the catalog with their origin.")
        @OptionGroup var data: DataOptions
        @Argument var name: String

        func run() async throws {
            let (ledger, _) = try await data.openLedger()
            try await userFacing { try await ledger.harvests.removeSource(named: name, by: .commandLine) }
            print("已删除采集来源 \(name)；它采集的资源仍在目录中")
        }
    }

    static func show(_ run: HarvestRun) {
        print("采集来源 \(run.sourceName)  #\(run.id) \(run.summary)")
        for outcome in run.report where outcome.result != .unchanged {
            print(
                TextTable.pad(outcome.result.label, 10) + TextTable.pad(outcome.code ?? "-", 16)
                    + "\(outcome.title.isEmpty ? outcome.identifier : outcome.title)"
                    + (outcome.reasons.isEmpty ? "" : "\n" + outcome.reasons.map { String(repeating: " ", count: 10) + $0 }.joined(separator: "\n")))
        }
    }
}
