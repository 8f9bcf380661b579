import Compliance
import Foundation
import Hummingbird
import LedgerCore
import LedgerStore
import Presentation
import Services

/// `/funding`: finance's table of one funding batch (Art. 19, 21, 22, 27) — for every system both funds' conclusions,
/// the O&M cap with its working (建设资金 × 10 % × 天数 / 全年天数), what was requested against it, the score and what
/// blocks; sorted by a column, filtered by the O&M conclusion and unit, a page at a time.
struct FundingPage {
    let ledger: Ledger
    let compliance: ComplianceService

    /// Rows per page.
    static let pageSize = 50

    func register(on router: Router<LedgerContext>) {
        router.get("/funding") { request, context in
            let actor = try context.require(.read)
            let view = try await view(request.uri.queryParameters, actor: actor, csrf: context.csrf ?? "")
            let html = PageTemplates.render(view, "funding")
            return WebPage.response(WebPage.shell(title: "资金评估", actor: actor, context: context, body: html, path: "/funding"))
        }
        router.post("/funding") { request, context in
            let actor = try context.require(.runFunding)
            let form = try await Form(request)
            guard let year = form["year"].flatMap(Int.init), (2000...2100).contains(year) else {
                throw LedgerError(
                    .badRequest, "财政年度应为2000至2100之间的年份",
                    details: [ValidationIssue(field: "year", value: form["year"] ?? "", rule: "funding.year", message: "不是有效年份")])
            }
            let asOf =
                try form["asOf"].map { text in
                    guard let day = CivilDate(text) else {
                        throw LedgerError(
                            .badRequest, "评估基准日应为日期",
                            details: [ValidationIssue(field: "asOf", value: text, rule: "funding.as-of", message: "不是有效日期")])
                    }
                    return day
                } ?? CivilDate(Date())
            let ledgerAt = try form["ledgerAt"].flatMap { $0.isEmpty ? nil : $0 }.map { text in
                guard let moment = LedgerMoment(text) else {
                    throw LedgerError(
                        .badRequest, "账本时点应为日期",
                        details: [ValidationIssue(field: "ledgerAt", value: text, rule: "funding.ledger-at", message: "不是有效日期")])
                }
                return moment
            }
            let batch = try await compliance.funding(fiscalYear: year, asOf: asOf, ledgerAt: ledgerAt, by: actor)
            return Response(status: .seeOther, headers: [.location: "/funding?batch=\(batch.id)"])
        }
    }

    /// What a batch took from an earlier one, for its title: “ · 沿用批次 #4 中输入未变的 499 个系统的决定”, or nothing.
    static func reuse(_ batch: FundingBatch) -> String {
        guard let earlier = batch.reusedFrom else { return "" }
        return " · 沿用批次 #\(earlier) 中输入未变的 \(batch.reused ?? 0) 个系统的决定"
    }

    /// The page's view model; builds no HTML.
    func view(_ query: Hummingbird.Parameters, actor: Actor, csrf: String) async throws -> FundingView {
        let today = CivilDate(Date())
        let form = Permission.runFunding.allows(actor) ? FundingView.Run(year: today.year + 1, asOf: today.description, csrf: csrf) : nil
        // The batch asked for, else the newest.
        var shownBatch = query.get("batch").flatMap(Int64.init)
        if shownBatch == nil { shownBatch = try await ledger.evaluations.fundingBatches(page: PageRequest(limit: 1)).items.first?.id }
        guard let id = shownBatch,
            let batch = try await unlessNotFound({ try await ledger.evaluations.fundingBatchHeader(id: id) })
        else { return FundingView(run: form, batch: nil) }
        var asked = ListQuery(query, path: "/funding", filters: ["status", "unit"], sorts: ["code", "cap", "score"])
        asked.kept["batch"] = String(batch.id)
        asked.allow("status") { EligibilityStatus(rawValue: $0) != nil }
        let unitNames = try await ListPages.unitNames(ledger)
        let status = asked.filters["status"].flatMap(EligibilityStatus.init(rawValue:))
        let unit = asked.filters["unit"]
        let summaries = try await ledger.evaluations.fundingSummaries(batch: batch.id)
        var shown = summaries.filter { (status == nil || $0.operations == status) && (unit == nil || $0.unitUSCC == unit) }
        shown.sort(by: Self.order(asked.sort))
        let offset = min(asked.offset(pageSize: Self.pageSize), shown.count)
        let page = shown[offset..<min(offset + Self.pageSize, shown.count)].map(\.systemCode)
        let decisions = Dictionary(
            try await ledger.evaluations.fundingDecisions(batch: batch.id, systems: page).map { ($0.systemCode, $0) },
            uniquingKeysWith: { first, _ in first })
        let rows = page.compactMap { decisions[$0].map { Self.row($0, unitNames: unitNames) } }
        let list = ListView(
            asked, heading: "评估结果", noun: "个系统",
            filters: [
                .init("status", "按运维经费结论筛选", asked, choices: EligibilityStatus.allCases.map { ($0.rawValue, $0.label) }),
                .unit(asked, unitNames, label: "按建设单位筛选")
            ],
            columns: [
                ("code", "系统", false), (nil, "建设单位", false), (nil, "建设资金", false), (nil, "运维经费", false),
                ("cap", "运维经费上限（元）", true), (nil, "运维申请与上限（第二十一条）", false),
                ("score", "共享合规评分", true), (nil, "阻断条款与证据", false)
            ],
            total: shown.count, offset: offset, rows: [], shown: rows.count, pageSize: Self.pageSize)
        let total = Money.total(summaries.filter { $0.operations == .eligible }.map(\.omCap))
        func counts(_ status: (FundingSummary) -> EligibilityStatus) -> String {
            EligibilityStatus.allCases.map { value in "\(value.label) \(summaries.filter { status($0) == value }.count) 个" }
                .joined(separator: "，")
        }
        return FundingView(
            run: form,
            batch: .init(
                title: "批次 #\(batch.id) · \(batch.fiscalYear) 财政年度 · 评估基准日 \(batch.asOf) · 规则版本"
                    + " \(batch.policyVersion)" + (batch.ledgerAt.map { " · 账本取自 \($0)（由审计记录还原）" } ?? "")
                    + Self.reuse(batch),
                summary: counts(\.operations), construction: counts(\.construction),
                total: total.map { "\($0.grouped) 元" } ?? "超出可计算范围",
                excel: "/api/v1/funding/\(batch.id)?format=xlsx", csv: "/api/v1/funding/\(batch.id)?format=csv",
                list: list, rows: rows))
    }

    /// The order a sort key asks for; ties by system code.
    static func order(_ sort: String) -> (FundingSummary, FundingSummary) -> Bool {
        let descending = sort.hasPrefix("-")
        func key(_ summary: FundingSummary) -> Int64 {
            switch sort.drop(while: { $0 == "-" }) {
            case "cap": summary.omCap.fen
            case "score": Int64(summary.scoreTenths ?? -1)
            default: 0
            }
        }
        return { first, second in
            let (a, b) = (key(first), key(second))
            if a != b { return descending ? a > b : a < b }
            return descending && sort == "-code" ? first.systemCode > second.systemCode : first.systemCode < second.systemCode
        }
    }

    /// One system's row: the cap with its working (or, when O&M funds are not arranged, what the cap would have been),
    /// the O&M request judged as on the system page, and every blocker by its article.
    static func row(_ decision: FundingDecision, unitNames: [String: String]) -> FundingView.Row {
        let capCheck = decision.checks.first { $0.check == .omCap }
        func evidence(_ label: String) -> String? { capCheck?.evidence.first { $0.label == label }?.value }
        let wouldBe = evidence("运维经费上限").flatMap { Money(yuanText: String($0.dropLast($0.hasSuffix("元") ? 1 : 0))) }
        let capNote =
            decision.operations.status == .eligible
            ? HTML.plainProse(decision.omCapBasis)
            : wouldBe.map { "运维经费不予安排；若符合条件，上限为 \($0.grouped) 元（\(HTML.plainProse(decision.omCapBasis))）" }
                ?? HTML.plainProse(decision.omCapBasis)
        let blockers =
            decision.construction.blockers.map { ("建设资金", $0) } + decision.operations.blockers.map { ("运维经费", $0) }
        return FundingView.Row(
            code: decision.systemCode, name: decision.systemName, href: "/systems/\(pathSegment(decision.systemCode))",
            unit: unitNames[decision.unitUSCC] ?? decision.unitUSCC,
            construction: decision.construction.status.label, constructionTone: decision.construction.status.rawValue,
            operations: decision.operations.status.label, operationsTone: decision.operations.status.rawValue,
            cap: decision.omCap.grouped, capNote: capNote,
            request: capCheck.map { ReviewPage.label($0.status) } ?? "—",
            requestNote: capCheck.map { HTML.plainProse($0.reason) + (evidence("运维申请").map { "（\($0)）" } ?? "") } ?? "",
            score: decision.score.text, coverage: decision.score.coverageText,
            articles: Set(blockers.map(\.1.article)).sorted().map(ArticleText.chinese).joined(separator: "；"),
            blockers: blockers.map { fund, blocker in
                .init(
                    fund: fund, check: FundingReport.checkTitle(blocker.check), article: ArticleText.chinese(blocker.article),
                    reason: HTML.plainProse(blocker.reason))
            })
    }
}

/// What the funding page shows.
struct FundingView {
    /// The form that runs an evaluation (finance and the admin).
    struct Run {
        var year: Int
        var asOf: String
        var csrf: String
    }

    struct Blocker {
        var fund: String
        var check: String
        var article: String
        var reason: String
    }

    struct Row {
        var code: String
        var name: String
        var href: String
        var unit: String
        var construction: String
        var constructionTone: String
        var operations: String
        var operationsTone: String
        var cap: String
        /// How the cap was worked out, or what it would have been.
        var capNote: String
        /// The O&M request against the cap, as the system page's check says it.
        var request: String
        var requestNote: String
        var score: String
        var coverage: String
        var articles: String
        var blockers: [Blocker]
    }

    struct Batch {
        var title: String
        /// How many systems got each O&M conclusion, and each construction conclusion.
        var summary: String
        var construction: String
        var total: String
        var excel: String
        var csv: String
        /// Filters, columns, count and pager (its rows are `rows`).
        var list: ListView
        var rows: [Row]
    }

    var run: Run?
    var batch: Batch?
}
