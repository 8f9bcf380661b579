import ArgumentParser
import Compliance
import Foundation
import LedgerCore
import LedgerStore

extension CheckID: ExpressibleByArgument {}

struct Funding: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decide which systems may receive construction and O&M funds for a fiscal year (Art. 19, 21, 22, 27, 28).",
        discussion: "Every run is stored with its inputs; --replay N evaluates stored batch N again and reports any difference.")

    enum Format: String, ExpressibleByArgument { case table, json, csv }

    @OptionGroup var data: DataOptions
    @Option(help: "Fiscal year, e.g. 2027.") var year: Int?
    @Option(help: "As-of date of the evidence (YYYY-MM-DD; default today in China).") var asOf: String?
    @Option(help: "Only this system (code).") var system: String?
    @Option(help: "table, json or csv (UTF-8 with BOM, for Excel).") var format: Format = .table
    @Option(help: "Write to this file instead of standard output.") var out: String?
    @Option(help: "Replay stored batch N from its recorded inputs instead of deciding anew.") var replay: Int64?

    func validate() throws {
        if let asOf, CivilDate(asOf) == nil { throw ValidationError("--as-of 应为 YYYY-MM-DD") }
        if replay == nil, year == nil { throw ValidationError("请用 --year 指定财政年度（或用 --replay 重放已存批次）") }
    }

    func run() async throws {
        let (ledger, catalog) = try data.openLedger()
        let service = try await userFacing { try ComplianceService(ledger: ledger, catalog: catalog) }
        if let replay {
            let report = try await userFacing { try await service.replay(batch: replay) }
            print(report.differing.isEmpty
                  ? "批次 #\(replay)：\(report.matching) 个系统的决定按记录的输入和策略重算，结果完全一致"
                  : "批次 #\(replay)：\(report.differing.count) 个系统的决定与记录不同：\(report.differing.joined(separator: "、"))")
            if !report.differing.isEmpty { throw ExitCode.failure }
            return
        }
        let day = asOf.flatMap(CivilDate.init) ?? CivilDate(Date())
        let batch = try await userFacing { try await service.funding(fiscalYear: year!, asOf: day, systemCode: system) }
        let text: String
        switch format {
        case .json: text = try prettyJSON(batch)
        case .csv: text = FundingReport.csv(batch: batch.id, batch.decisions)
        case .table: text = Self.table(batch)
        }
        try emit(text, to: out)
    }

    static func table(_ batch: FundingBatch) -> String {
        var lines = ["资金评估批次 #\(batch.id)  财政年度 \(batch.fiscalYear)  评估基准日 \(batch.asOf)  策略 \(batch.policyVersion)",
                     TextTable.pad("系统", 14) + TextTable.pad("名称", 30) + TextTable.pad("建设资金", 10) + TextTable.pad("运维经费", 10)
                         + TextTable.pad("运维上限（元）", 16) + TextTable.pad("评分", 7) + TextTable.pad("覆盖率", 8) + "阻断条款"]
        for decision in batch.decisions {
            let articles = Set((decision.construction.blockers + decision.operations.blockers).map(\.article)).sorted()
            lines.append(TextTable.pad(decision.systemCode, 14) + TextTable.pad(String(decision.systemName.prefix(14)), 30)
                         + TextTable.pad(decision.construction.status.label, 10) + TextTable.pad(decision.operations.status.label, 10)
                         + TextTable.pad(decision.omCap.description, 16) + TextTable.pad(decision.score.text, 7)
                         + TextTable.pad(decision.score.coverageText, 8) + articles.joined(separator: "；"))
        }
        lines.append("")
        lines.append(FundingReport.summary(batch.decisions))
        lines.append("每个系统的检查结果、证据与整改建议：--format json，或 GET /api/v1/funding/\(batch.id)；重放：ybz funding --replay \(batch.id)")
        return lines.joined(separator: "\n")
    }
}

struct Waive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Waive one check for one system until a date, with a reason and an approver; waived results say so.")

    @OptionGroup var data: DataOptions
    @Argument(help: "System code.") var system: String
    @Argument(help: "Check id (see docs/rules.md), e.g. xinchuang.") var check: CheckID
    @Option(help: "Why the check is waived.") var reason: String
    @Option(help: "Who approved the waiver.") var approver: String
    @Option(help: "Last day the waiver applies (YYYY-MM-DD).") var until: String

    func validate() throws {
        if CivilDate(until) == nil { throw ValidationError("--until 应为 YYYY-MM-DD") }
    }

    func run() async throws {
        let (ledger, _) = try data.openLedger()
        let waiver = Waiver(systemCode: system, check: check, reason: reason, approver: approver, expiresOn: CivilDate(until)!)
        let stored = try await userFacing { try await ledger.addWaiver(waiver) }
        print("已记录豁免 #\(stored.id)：\(system) 的 \(check.rawValue)（\(check.article)）至 \(until)，批准人 \(approver)")
    }
}

/// Runs `work`, turning a `LedgerError` into a command-line error with its message.
func userFacing<T>(_ work: () async throws -> T) async throws -> T {
    do { return try await work() } catch let error as LedgerError { throw ValidationError(error.description) }
}

/// Writes `text` to `path`, or to standard output.
func emit(_ text: String, to path: String?) throws {
    guard let path else { return print(text) }
    do { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) } catch {
        throw ValidationError("无法写入 \(path)：\(error.localizedDescription)")
    }
    say("已写入 \(path)")
}

/// Pretty, sorted JSON with ISO 8601 dates.
func prettyJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
