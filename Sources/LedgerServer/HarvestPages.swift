import Foundation
import Hummingbird
import LedgerCore
import LedgerStore
import Presentation
import Services

/// The admin's harvest pages (issue 17): the sources with their last run, a form to register one, 立即采集 and 删除,
/// the recent runs, and each run's report (per dataset: 新增, 更新, 未变, 拒收 with the reasons, 来源已撤下). A run
/// started here goes on in the background; its page reloads itself until the report is there.
struct HarvestPages {
    let ledger: Ledger

    func register(on router: Router<LedgerContext>) {
        router.get("/admin/harvest") { _, context in try await sourcesPage(issues: [], context: context) }
        router.post("/admin/harvest") { request, context in
            let actor = try context.require(.manageHarvests)
            let form = try await Form(request)
            func text(_ name: String) -> String? {
                form[name].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
            }
            let name = text("name") ?? ""
            let location = text("location") ?? ""
            if !location.isEmpty, !location.hasPrefix("http://"), !location.hasPrefix("https://") {
                let issue = ValidationIssue(
                    field: "location", value: location, rule: "harvest.location", message: "地址应以 http:// 或 https:// 开头")
                return try await sourcesPage(issues: [issue], context: context, status: .unprocessableContent)
            }
            let profile = HarvestProfile(
                system: text("system"), classification: text("classification"), updateCycle: text("updateCycle"), shareType: text("shareType"),
                shareCondition: text("shareCondition"))
            do {
                _ = try await ledger.harvests.addSource(
                    HarvestSource(name: name, location: location, kind: HarvestKind(rawValue: form["kind"] ?? "") ?? .dcat, profile: profile),
                    by: actor)
            } catch let error as LedgerError where error.kind == .conflict || error.kind == .validation {
                let issues =
                    error.details.isEmpty
                    ? [ValidationIssue(field: "name", value: name, rule: "harvest.name", message: error.message)] : error.details
                return try await sourcesPage(issues: issues, context: context, status: .unprocessableContent)
            }
            return Flash.harvestAdded.redirect("/admin/harvest", code: name)
        }
        router.post("/admin/harvest/:name/:action") { _, context in
            let actor = try context.require(.manageHarvests)
            let raw = try context.parameters.require("name")
            let name = raw.removingPercentEncoding ?? raw  // names are Chinese, sent percent-encoded
            switch try context.parameters.require("action") {
            case "run":
                let run = try await HarvestService(ledger: ledger).start(name, by: actor)
                return Response(status: .seeOther, headers: [.location: "/admin/harvest/runs/\(run.id)"])
            case "remove":
                try await ledger.harvests.removeSource(named: name, by: actor)
                return Flash.harvestRemoved.redirect("/admin/harvest", code: name)
            case let action:
                throw LedgerError(.badRequest, "未知的采集操作“\(action)”")
            }
        }
        router.get("/admin/harvest/runs/:id") { _, context in
            let actor = try context.require(.read)
            guard let id = Int64(try context.parameters.require("id")), id > 0 else { throw LedgerError(.badRequest, "采集编号应为正整数") }
            let run = try await ledger.harvests.run(id: id)
            let html = PageTemplates.render(Self.runView(run), "harvest-run")
            return WebPage.response(
                WebPage.shell(
                    title: "采集记录 #\(id)", actor: actor, context: context, body: html, path: "/admin/harvest",
                    crumbs: [Crumb("采集", "/admin/harvest")], refresh: run.state == "running" ? 2 : nil))
        }
    }

    func sourcesPage(issues: [ValidationIssue], context: LedgerContext, status: HTTPResponse.Status = .ok) async throws -> Response {
        let actor = try context.require(.read)
        let runs = try await ledger.harvests.runs(source: nil, limit: 20)
        let manage = Permission.manageHarvests.allows(actor)
        var form = FieldRows(issues: issues)
        let fields =
            manage
            ? [
                form.input("name", "名称", nil, size: 20, hint: "简短且唯一，如“市自然资源局开放目录”"),
                form.select(
                    "kind", "来源类型", HarvestKind.allCases.map(\.rawValue), HarvestKind.dcat.rawValue,
                    labels: Dictionary(uniqueKeysWithValues: HarvestKind.allCases.map { ($0.rawValue, $0.label) })),
                form.input("location", "地址", nil, size: 60, hint: "DCAT 目录文件或 CKAN 站点的 http(s) 地址"),
                form.input("system", "归属系统", nil, size: 16, hint: "采集的资源登记在此信息系统下"),
                form.input("classification", "资源分类码", nil, size: 8, hint: "新资源在此“类·项·目”下顺序编码，如 101001"),
                form.select("updateCycle", "默认更新周期", ledger.codes.updateCycles.map(\.name), nil),
                form.select("shareType", "默认共享类型", ledger.codes.shareTypes.map(\.name), nil),
                form.input("shareCondition", "默认共享条件", nil, size: 40, hint: "默认共享类型为有条件共享时填写")
            ] : []
        let sources = try await ledger.harvests.sources()
        let holdings = try await ledger.harvests.holdings()
        let rows = Self.holdingRows(sources: sources, holdings: holdings)
        let view = HarvestSourcesView(
            holdings: rows,
            chart: sources.count > 1
                ? Charts.holdingsBySource(rows.filter { !$0.isTotal }.map { ($0.source, $0.published, $0.unpublished, $0.offline) }) : nil,
            sources: sources.map { source in
                let last = runs.first { $0.sourceId == source.id }
                return .init(
                    name: source.name, kind: source.kind.label, location: source.location, system: source.profile.system ?? "—",
                    systemHref: source.profile.system.map { "/systems/\(pathSegment($0))" },
                    classification: source.profile.classification ?? "—", last: last?.summary ?? "尚未采集",
                    lastHref: last.map { "/admin/harvest/runs/\($0.id)" },
                    run: manage ? "/admin/harvest/\(Self.segment(source.name))/run" : nil,
                    remove: manage ? "/admin/harvest/\(Self.segment(source.name))/remove" : nil)
            },
            runs: runs.map { run in
                .init(href: "/admin/harvest/runs/\(run.id)", number: run.id, source: run.sourceName, summary: run.summary)
            }, csrf: context.csrf ?? "", fields: fields, summary: form.summary())
        let html = PageTemplates.render(view, "harvest")
        return WebPage.response(WebPage.shell(title: "采集", actor: actor, context: context, body: html, path: "/admin/harvest"), status: status)
    }

    /// The aggregate catalog by source (a city's counties): each source's resources by state and 共享类型, and the total.
    static func holdingRows(sources: [HarvestSource], holdings: [Int64: HarvestHoldings]) -> [HarvestSourcesView.Holding] {
        func row(_ name: String, _ held: HarvestHoldings, total: Bool) -> HarvestSourcesView.Holding {
            let unpublished = [CatalogState.draft, .pendingReview, .returned].map { held.byState[$0] ?? 0 }.reduce(0, +)
            return .init(
                source: name, total: held.total, published: held.byState[.published] ?? 0, unpublished: unpublished,
                offline: (held.byState[.goingOffline] ?? 0) + (held.byState[.offline] ?? 0),
                shareTypes: ["无条件共享", "有条件共享", "不予共享"].map { held.byShareType[$0] ?? 0 }, isTotal: total)
        }
        let rows = sources.map { row($0.name, holdings[$0.id] ?? HarvestHoldings(), total: false) }
        guard rows.count > 1 else { return rows }
        return rows + [row("合计", sources.map { holdings[$0.id] ?? HarvestHoldings() }.reduce(HarvestHoldings(), +), total: true)]
    }

    /// A source's name as one segment of a path (a `/` in it too).
    static func segment(_ name: String) -> String { pathSegment(name).replacingOccurrences(of: "/", with: "%2F") }

    static func runView(_ run: HarvestRun) -> HarvestRunView {
        HarvestRunView(
            number: run.id, source: run.sourceName, startedAt: BeijingTime.text(run.startedAt),
            finishedAt: run.finishedAt.map(BeijingTime.text), running: run.state == "running", error: run.error,
            counts: HarvestResult.allCases.map { .init(label: $0.label, count: run.count($0)) },
            outcomes: run.report.sorted { order($0.result) < order($1.result) }.map { outcome in
                .init(
                    result: outcome.result.label,
                    resultClass: outcome.result == .refused ? "fail" : outcome.result == .withdrawn ? "pending-evidence" : "pass",
                    code: outcome.code, href: outcome.result == .refused ? nil : outcome.code.map(resourcePath),
                    title: outcome.title.isEmpty ? outcome.identifier : outcome.title, identifier: outcome.title.isEmpty ? nil : outcome.identifier,
                    reasons: outcome.reasons.map(ArticleText.inText))
            })
    }

    /// Refused first, then withdrawn, then what was taken in; unchanged last.
    static func order(_ result: HarvestResult) -> Int {
        [.refused: 0, .withdrawn: 1, .accepted: 2, .updated: 3, .unchanged: 4][result] ?? 5
    }
}

/// What the harvest page shows.
struct HarvestSourcesView {
    /// One source's resources in the catalog, or the total of all.
    struct Holding {
        var source: String
        var total: Int
        var published: Int
        var unpublished: Int
        var offline: Int
        /// 无条件共享, 有条件共享, 不予共享.
        var shareTypes: [Int]
        var isTotal: Bool
    }

    struct Source {
        var name: String
        var kind: String
        var location: String
        var system: String
        var systemHref: String?
        var classification: String
        var last: String
        var lastHref: String?
        /// Where 立即采集 and 删除 post; `nil` for those who may not.
        var run: String?
        var remove: String?
    }

    struct Run {
        var href: String
        var number: Int64
        var source: String
        var summary: String
    }

    var holdings: [Holding]
    /// The holdings of each source as bars, when there are several.
    var chart: String?
    var sources: [Source]
    var runs: [Run]
    var csrf: String
    var fields: [FieldView]
    var summary: FormSummary?
}

/// What a harvest run's page shows.
struct HarvestRunView {
    struct Count {
        var label: String
        var count: Int
    }

    struct Outcome {
        var result: String
        var resultClass: String
        var code: String?
        var href: String?
        var title: String
        /// The dataset's identifier in the source, under its title (`nil` when the title is the identifier).
        var identifier: String?
        var reasons: [String]
    }

    var number: Int64
    var source: String
    var startedAt: String
    var finishedAt: String?
    var running: Bool
    var error: String?
    var counts: [Count]
    var outcomes: [Outcome]
}
