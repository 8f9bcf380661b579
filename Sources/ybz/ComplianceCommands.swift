import ArgumentParser
import Compliance
import Connectors
import Foundation
import LedgerCore
import LedgerStore
import Presentation
import Services

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
    @Option(
        help: "Decide on the ledger as it stood then, rebuilt from the audit trail: a date (its end, China time) or an ISO 8601 time.")
    var ledgerAt: String?

    func validate() throws {
        if let asOf, CivilDate(asOf) == nil { throw ValidationError("--as-of 应为 YYYY-MM-DD") }
        if let ledgerAt, LedgerMoment(ledgerAt) == nil {
            throw ValidationError(
                "--ledger-at 应为 YYYY-MM-DD（取当日结束时的账本）或带时区的时间（如 2026-10-31T18:00:00+08:00），"
                    + "年份在 2000–2100 之间")
        }
        if replay == nil, year == nil { throw ValidationError("请用 --year 指定财政年度（或用 --replay 重放已存批次）") }
    }

    func run() async throws {
        let (ledger, catalog) = try await data.openLedger()
        let service = try await userFacing { try ComplianceService(ledger: ledger, catalog: catalog) }
        if let replay {
            let report = try await userFacing { try await service.replay(batch: replay) }
            print(
                report.differing.isEmpty
                    ? "批次 #\(replay)：\(report.matching) 个系统的决定按记录的输入和策略重算，结果完全一致"
                    : "批次 #\(replay)：\(report.differing.count) 个系统的决定与记录不同"
                        + "：\(report.differing.joined(separator: "、"))")
            if !report.differing.isEmpty { throw ExitCode.failure }
            return
        }
        let day = asOf.flatMap(CivilDate.init) ?? CivilDate(Date())
        let bar = ProgressBar()
        let batch = try await userFacing {
            try await service.funding(
                fiscalYear: year!, asOf: day, systemCode: system, ledgerAt: ledgerAt.flatMap(LedgerMoment.init), by: .commandLine
            ) { progress in
                let count = "\(progress.done)/\(progress.total)"
                let label = progress.restoring ? "按审计记录还原账本：第 \(count) 条" : "\(count) 个系统"
                bar.show(done: Int64(progress.done), total: Int64(progress.total), label: label)
            }
        }
        bar.finish()
        let sink = try TextSink(path: out)
        switch format {
        case .json: try await service.writeBatchJSON(id: batch.id) { sink.write($0) }
        case .csv:
            sink.write(CSVLine.byteOrderMark + CSVLine.encode(FundingReport.header))
            try await service.forEachDecisionPage(ofBatch: batch.id) { page in
                sink.write(page.map { CSVLine.encode(FundingReport.row(batch: batch.id, $0)) }.joined())
            }
        case .table: try await Self.table(batch, service: service, to: sink)
        }
        sink.close()
    }

    /// The batch as a table, a page of systems at a time; one system's checks in full.
    static func table(_ batch: FundingBatch, service: ComplianceService, to sink: TextSink) async throws {
        let reuse = batch.reusedFrom.map { "  沿用批次 #\($0) 中输入未变的 \(batch.reused ?? 0) 个系统的决定" } ?? ""
        sink.write(
            "资金评估批次 #\(batch.id)  财政年度 \(batch.fiscalYear)  评估基准日 \(batch.asOf)  策略 \(batch.policyVersion)"
                + (batch.ledgerAt.map { "  账本取自 \($0)（按审计记录还原）" } ?? "") + reuse + "\n"
                + TextTable.pad("系统", 14) + TextTable.pad("名称", 30) + TextTable.pad("建设资金", 10) + TextTable.pad("运维经费", 10)
                + TextTable.pad("运维上限（元）", 16) + TextTable.pad("评分", 7) + TextTable.pad("覆盖率", 8) + "阻断条款\n")
        // The rows from the summaries stored beside the decisions: a province's table decodes no decision.
        let summaries = try await service.ledger.evaluations.fundingSummaries(batch: batch.id)
        for start in stride(from: 0, to: summaries.count, by: 1_000) {
            sink.write(
                summaries[start..<min(start + 1_000, summaries.count)].map { summary in
                    TextTable.pad(summary.systemCode, 14) + TextTable.pad(String(summary.systemName.prefix(14)), 30)
                        + TextTable.pad(summary.construction.label, 10) + TextTable.pad(summary.operations.label, 10)
                        + TextTable.pad(summary.omCap.description, 16) + TextTable.pad(summary.scoreText, 7)
                        + TextTable.pad(summary.coverageText, 8) + summary.articles.joined(separator: "；") + "\n"
                }.joined())
        }
        var lines: [String] = []
        if summaries.count == 1,
            let decision = try await service.ledger.evaluations.fundingDecisions(batch: batch.id, systems: [summaries[0].systemCode]).first
        {
            lines.append("")
            for check in decision.checks {
                let waived = check.waiver.map { "（已豁免至 \($0.expiresOn)）" } ?? ""
                lines.append(
                    TextTable.pad(ReviewPage.label(check.status), 10) + "\(check.check.rawValue) [\(check.article)]：\(check.reason)\(waived)")
                if let remedy = check.remediation, check.waiver == nil { lines.append(String(repeating: " ", count: 10) + "整改：\(remedy)") }
            }
        }
        let caps = Money.total(summaries.filter { $0.operations == .eligible }.map(\.omCap))
        lines.append("")
        lines.append(FundingReport.summary(counts: batch.counts, eligibleCaps: caps))
        lines.append("每个系统的检查结果、证据与整改建议：--format json，或 GET /api/v1/funding/\(batch.id)；重放：ybz funding --replay \(batch.id)")
        sink.write(lines.joined(separator: "\n") + "\n")
    }
}

/// Standard output, or a file, written a part at a time: a province's funding table is written as it is read.
final class TextSink {
    private let handle: FileHandle
    private let path: String?

    /// Standard output when `path` is `nil`, else the file at `path`, created or emptied.
    init(path: String?) throws {
        self.path = path
        guard let path else {
            handle = FileHandle.standardOutput
            return
        }
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
            throw ValidationError("无法写入 \(path)")
        }
        handle = file
    }

    func write(_ text: String) { handle.write(Data(text.utf8)) }

    /// Closes the file and says where it is.
    func close() {
        guard let path else { return }
        handle.closeFile()
        say("已写入 \(path)")
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
        let (ledger, _) = try await data.openLedger()
        let waiver = Waiver(systemCode: system, check: check, reason: reason, approver: approver, expiresOn: CivilDate(until)!)
        let stored = try await userFacing { try await ledger.evaluations.addWaiver(waiver, by: .commandLine) }
        print("已记录豁免 #\(stored.id)：\(system) 的 \(check.rawValue)（\(check.article)）至 \(until)，批准人 \(approver)")
    }
}

/// Runs `work`, turning a `LedgerError` into a refusal of the command (`Refusal`) with its message.
func userFacing<T>(_ work: () async throws -> T) async throws -> T {
    do { return try await work() } catch let error as LedgerError { throw Refusal(message: error.description) }
}

/// A command the product refused, with why in Chinese: printed alone (no usage lines after it), exit status 64.
struct Refusal: Error {
    var message: String
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

extension ReviewOutcome: ExpressibleByArgument {}

struct Review: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The 验收前置审查 of one system (Art. 18(3)): five items with evidence, stored; record the decision with --decide.")

    enum Format: String, ExpressibleByArgument { case text, html, json }

    @OptionGroup var data: DataOptions
    @OptionGroup var probeOptions: ProbeOptions
    @Argument(help: "System code.") var system: String
    @Flag(help: "Probe the system's integrations first, so the review rests on fresh evidence.") var probe = false
    @Flag(help: "Probe with the demo scenario's secrets for platforms whose secret variable is unset.") var demo = false
    @Option(help: "As-of date (YYYY-MM-DD; default today in China).") var asOf: String?
    @Option(help: "Record the decision: 通过 or 不通过.") var decide: ReviewOutcome?
    @Option(help: "The reviewer's opinion (with --decide).") var opinion: String?
    @Option(help: "The reviewer's name (with --decide).") var reviewer: String?
    @Option(help: "text, html (printable A4) or json.") var format: Format = .text
    @Option(help: "Write to this file instead of standard output.") var out: String?

    func validate() throws {
        if let asOf, CivilDate(asOf) == nil { throw ValidationError("--as-of 应为 YYYY-MM-DD") }
        if decide != nil, opinion == nil || reviewer == nil { throw ValidationError("--decide 须同时给出 --opinion 和 --reviewer") }
    }

    func run() async throws {
        let (ledger, catalog) = try await data.openLedger()
        let day = asOf.flatMap(CivilDate.init) ?? CivilDate(Date())
        if probe {
            let (service, transport) = try probeOptions.service(ledger: ledger, catalog: catalog, demo: demo)
            let outcome: (Int64, ProbeRunResult)
            do {
                outcome = try await userFacing { try await service.run(systemCode: system, asOf: day, trigger: "review") }
            } catch {
                try? await transport.shutdown()  // the probe's own error is the one to report
                throw error
            }
            try await transport.shutdown()
            let (runID, result) = outcome
            say("已探测 \(system)：批次 #\(runID)，\(result.verdicts.count) 项结果")
        }
        let service = try await userFacing { try ComplianceService(ledger: ledger, catalog: catalog) }
        let decision = decide.map { ReviewDecision(outcome: $0, opinion: opinion!, reviewer: reviewer!, decidedOn: day) }
        let stored = try await userFacing {
            try await service.review(systemCode: system, asOf: day, decision: decision, by: .commandLine)
        }
        switch format {
        case .json: try emit(try prettyJSON(stored), to: out)
        case .html: try emit(ReviewPage.html(stored.report, id: stored.id), to: out)
        case .text: try emit(Self.text(stored), to: out)
        }
    }

    static func text(_ stored: StoredReview) -> String {
        let report = stored.report
        var lines = ["验收前置审查 #\(stored.id)  \(report.systemCode) \(report.systemName)  评估基准日 \(report.inputs.asOf)"]
        for item in report.items {
            lines.append("（\(item.number)）\(item.title) [\(item.article)]：\(ReviewPage.label(item.status))")
            lines += item.findings.map { "      \($0)" }
        }
        lines.append("建议：\(report.recommendation.rawValue)（\(report.recommendationReason)）")
        if let decision = report.decision {
            lines.append("结论：\(decision.outcome.rawValue)，\(decision.reviewer) \(decision.decidedOn)：\(decision.opinion)")
        } else {
            lines.append("结论：待审查人决定（--decide 通过|不通过 --opinion … --reviewer …）")
        }
        lines.append(
            "打印版：ybz review \(report.systemCode) --format html --out 审查报告.html，或在网页中打开 /reviews/\(stored.id)")
        return lines.joined(separator: "\n")
    }
}

struct DeadlinesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deadlines",
        abstract: "What is due or overdue: 采购备案 (Art. 11), 变更 (Art. 16), 验收申请 (Art. 18(3)), 验收备案 (Art. 19), 绩效评价 (Art. 20), 注销审核 (Art. 24).")

    enum Format: String, ExpressibleByArgument { case table, json, csv }

    @OptionGroup var data: DataOptions
    @Flag(help: "Only overdue deadlines, and those whose due date cannot be computed (无法计算, with the reason).") var overdue = false
    @Flag(help: "Also deadlines already met.") var all = false
    @Option(help: "As-of date (YYYY-MM-DD; default today in China).") var asOf: String?
    @Option(help: "table, json or csv (UTF-8 with BOM).") var format: Format = .table

    func validate() throws {
        if let asOf, CivilDate(asOf) == nil { throw ValidationError("--as-of 应为 YYYY-MM-DD") }
    }

    func run() async throws {
        let (ledger, catalog) = try await data.openLedger()
        let day = asOf.flatMap(CivilDate.init) ?? CivilDate(Date())
        let listed = try await userFacing { try await ledger.deregistrations.deadlines(calendar: try catalog.calendar(), asOf: day) }
        let shown = listed.filter { overdue ? $0.status.needsAttention : all || ($0.status != .done && $0.status != .late) }
        switch format {
        case .json: print(try prettyJSON(shown))
        case .csv: print(DeadlineReport.csv(shown), terminator: "")
        case .table:
            print(
                "截至 \(day)：\(shown.count) 项（已逾期 \(listed.filter { $0.status == .overdue }.count)，"
                    + "无法计算 \(listed.filter { $0.status == .unknown }.count)，待办 \(listed.filter { $0.status == .open }.count)）")
            for deadline in shown {
                let days = deadline.daysLeft.map { $0 < 0 ? "逾期\(-$0)天" : "剩\($0)天" } ?? ""
                print(
                    TextTable.pad(deadline.status.label, 10) + TextTable.pad(deadline.projectCode ?? deadline.systemCode ?? "", 16)
                        + TextTable.pad(deadline.dueOn?.description ?? "-", 12) + TextTable.pad(days, 12)
                        + "\(deadline.title) [\(deadline.article)]\(deadline.note.map { "：\($0)" } ?? "")")
            }
        }
    }
}

struct Deregister: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply to deregister a system with its six-section plan (Art. 23), or record the review (Art. 24).",
        discussion: """
            Apply:  ybz deregister TZ-SYS-009 --reason 3 --plan plan.yaml
                    (plan keys: suspension, policy, steps, timeline, resourceRelease, dataMigration)
            Review: ybz deregister --review 1 --approve --opinion "同意注销" --reviewer 张某
            """)

    @OptionGroup var data: DataOptions
    @Argument(help: "System code (to apply).") var system: String?
    @Option(help: "Ground of Art. 23: 1 无使用必要, 2 被覆盖需归并, 3 停滞/不更新/活跃度低, 4 重大舆情或危害.") var reason: Int?
    @Option(help: "YAML or JSON file with the six plan sections.") var plan: String?
    @Option(help: "Application date (default today).") var appliedOn: String?
    @Flag(help: "List the systems that meet Art. 23(3) (stalled, data not updated, low activity).") var candidates = false
    @Option(help: "As-of date for --candidates (default today).") var asOf: String?
    @Option(help: "Review application N.") var review: Int64?
    @Flag(help: "Approve (the system becomes 已注销).") var approve = false
    @Flag(help: "Reject.") var reject = false
    @Option var opinion: String?
    @Option var reviewer: String?

    func validate() throws {
        if candidates { return }
        if review != nil {
            guard approve != reject else { throw ValidationError("审核须给出 --approve 或 --reject 之一") }
            guard opinion != nil, reviewer != nil else { throw ValidationError("审核须给出 --opinion 和 --reviewer") }
        } else {
            guard system != nil, let reason, DeregistrationReason(rawValue: reason) != nil, plan != nil else {
                throw ValidationError("申请注销须给出系统编号、--reason 1-4 和 --plan 文件（审核则用 --review N）")
            }
        }
        if let appliedOn, CivilDate(appliedOn) == nil { throw ValidationError("--applied-on 应为 YYYY-MM-DD") }
    }

    func run() async throws {
        let (ledger, catalog) = try await data.openLedger()
        let today = CivilDate(Date())
        if candidates {
            let service = try await userFacing { try ComplianceService(ledger: ledger, catalog: catalog) }
            let found = try await userFacing { try await service.deregistrationCandidates(asOf: asOf.flatMap(CivilDate.init) ?? today) }
            print("符合第二十三条第三项情形的系统：\(found.count) 个")
            for candidate in found {
                print(
                    "  \(candidate.systemCode) \(candidate.systemName)："
                        + candidate.result.evidence.map { "\($0.label)（\($0.value)）" }.joined(separator: "；"))
            }
            return
        }
        if let review {
            let decision = DeregistrationReview(approved: approve, opinion: opinion!, reviewer: reviewer!, reviewedOn: today)
            let stored = try await userFacing { try await ledger.deregistrations.review(id: review, review: decision, by: .commandLine) }
            print("注销申请 #\(stored.id)（\(stored.application.systemCode)）：\(approve ? "同意注销，系统已标记为已注销，抄送市财政局" : "不同意，反馈建设单位")")
            return
        }
        let sections = try await userFacing { try DeregistrationPlan.load(from: URL(fileURLWithPath: plan!)) }
        let stored = try await userFacing {
            try await ledger.deregistrations.apply(
                systemCode: system!, reason: DeregistrationReason(rawValue: reason!)!,
                appliedOn: appliedOn.flatMap(CivilDate.init) ?? today, plan: sections,
                by: .commandLine)
        }
        let grounds = stored.application.reason
        print(
            "已记录注销申请 #\(stored.id)：\(system!)，理由 \(grounds.article) \(grounds.label)；审核期限为10个工作日（Art"
                + ". 24），见 ybz deadlines")
    }
}
