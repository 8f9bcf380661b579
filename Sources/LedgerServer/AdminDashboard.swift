import Compliance
import Foundation
import Hummingbird
import LedgerCore
import LedgerStore
import Presentation
import Services

/// `/admin`: the 大数据局's overview of the city — counts that lead to their lists, the score charts of the latest
/// funding batch (distribution, by unit), O&M conclusions over successive batches, each platform's health in the
/// last probe run, and what is overdue (Art. 24, 31).
struct AdminDashboard {
    let ledger: Ledger
    let compliance: ComplianceService

    func register(on router: Router<LedgerContext>) {
        router.get("/admin") { _, context in
            let actor = try context.require(.read)
            let html = PageTemplates.render(try await view(), "admin")
            return WebPage.response(WebPage.shell(title: "全市概览", actor: actor, context: context, body: html, path: "/admin"))
        }
    }

    /// The page's view model; builds no HTML but the charts' SVG.
    func view() async throws -> AdminView {
        let counts = try await ledger.records.counts()
        let today = CivilDate(Date())
        let attention = try await ledger.deregistrations.deadlines(calendar: compliance.calendar, asOf: today).filter { $0.status.needsAttention }
        let overdue = attention.filter { $0.status == .overdue }
        let unknown = attention.count - overdue.count
        let batches = try await ledger.evaluations.fundingBatches(page: PageRequest(limit: 12)).items
        let latest = batches.first
        var decisions: [FundingSummary] = []
        if let latest { decisions = try await ledger.evaluations.fundingSummaries(batch: latest.id) }
        let stale = decisions.filter(\.dataStale).count
        let fundingLink = latest.map { "/funding?batch=\($0.id)" }
        let cards: [AdminView.Card] = [
            .init("建设单位", counts["unit"] ?? 0, "/units"), .init("政务信息化项目", counts["project"] ?? 0, "/projects"),
            .init("政务信息系统", counts["system"] ?? 0, "/systems"), .init("信息资源", counts["resource"] ?? 0, "/resources"),
            .init("信息项", counts["data_item"] ?? 0, "/resources"), .init("待审核目录", try await pendingCount(), "/review"),
            .init("逾期事项", overdue.count, "#overdue"), .init("无法计算期限的事项", unknown, unknown > 0 ? "#overdue" : nil),
            .init("数据未按期更新的系统", stale, fundingLink)
        ]
        let unitNames = try await ListPages.unitNames(ledger)
        var byUnit: [String: [Int]] = [:]
        for decision in decisions { if let tenths = decision.scoreTenths { byUnit[decision.unitUSCC, default: []].append(tenths) } }
        let unitScores = byUnit.map { unit, scores in
            (name: unitNames[unit] ?? unit, averageTenths: scores.reduce(0, +) / scores.count, systems: scores.count)
        }.sorted { ($0.averageTenths, $0.name) < ($1.averageTenths, $1.name) }
        let history = batches.reversed().map { batch in
            let operations = batch.counts["operations", default: [:]]
            return (
                label: "#\(batch.id)", eligible: operations[EligibilityStatus.eligible.rawValue, default: 0],
                ineligible: operations[EligibilityStatus.ineligible.rawValue, default: 0],
                pending: operations[EligibilityStatus.pendingEvidence.rawValue, default: 0]
            )
        }
        return AdminView(
            cards: cards, batch: latest.map { "资金评估批次 #\($0.id)（\($0.fiscalYear) 财政年度，基准日 \($0.asOf)）" },
            batchLink: fundingLink,
            distribution: decisions.isEmpty ? nil : Charts.scoreDistribution(decisions.compactMap(\.scoreTenths)),
            byUnit: unitScores.isEmpty ? nil : Charts.scoreByUnit(unitScores),
            overBatches: history.isEmpty ? nil : Charts.overBatches(history),
            health: try await health(),
            overdue: attention.prefix(20).map {
                .init(
                    title: $0.title, article: ArticleText.chinese($0.article), subject: $0.projectCode ?? $0.systemCode ?? "",
                    status: $0.status.label, due: $0.dueOn?.description ?? "—", days: $0.daysLeft.map { String(-$0) } ?? "—",
                    note: $0.note ?? "")
            }, overdueCount: attention.count)
    }

    private func pendingCount() async throws -> Int {
        try await ledger.records.list(
            CatalogResource.self, filters: ["state": CatalogState.pendingReview.rawValue], page: PageRequest(limit: 1)
        ).total
    }

    /// Each platform's canary and verdict counts in the last probe run, in Chinese, with the run's evidence page.
    private func health() async throws -> [AdminView.Platform] {
        guard let run = try await ledger.probeHistory.runs(page: PageRequest(limit: 1)).items.first else { return [] }
        let canaries = try await ledger.probeHistory.canaries(runId: run.id)
        let platforms = Set(canaries.map(\.verdict.platform.rawValue)).union(run.summary.keys).sorted()
        return platforms.map { key in
            let canary = canaries.first { $0.verdict.platform.rawValue == key }?.verdict
            let counts = ProbeRunPage.countsText(run.summary[key, default: [:]])
            return AdminView.Platform(
                name: LedgerCore.Platform(rawValue: key)?.label ?? key,
                canary: canary.map { ProbeRunPage.outcomeLabel($0.outcome) } ?? "未探测", canaryTone: canary?.outcome.rawValue ?? "",
                counts: counts.isEmpty ? "—" : counts, reason: HTML.plainProse(canary?.reason ?? ""),
                evidence: "探测证据 #\(run.id)", href: "/probe-runs/\(run.id)")
        }
    }
}

/// What the admin's dashboard shows.
struct AdminView {
    /// A count and the list it leads to.
    struct Card {
        var label: String
        var count: Int
        var href: String?
        init(_ label: String, _ count: Int, _ href: String?) { (self.label, self.count, self.href) = (label, count, href) }
    }

    struct Platform {
        var name: String
        var canary: String
        var canaryTone: String
        var counts: String
        var reason: String
        var evidence: String
        var href: String
    }

    /// A deadline past due, or one whose due date cannot be computed (with why).
    struct Overdue {
        var title: String
        var article: String
        var subject: String
        var status: String
        var due: String
        var days: String
        var note: String
    }

    var cards: [Card]
    /// The latest funding batch, which the score charts are of.
    var batch: String?
    var batchLink: String?
    /// The charts as SVG (absent before any funding evaluation).
    var distribution: String?
    var byUnit: String?
    var overBatches: String?
    var health: [Platform]
    var overdue: [Overdue]
    var overdueCount: Int
}
