import Compliance
import Foundation
import Hummingbird
import LedgerCore
import LedgerStore

/// `/integrations`: the integration matrix — one row per system, one column per unified platform, each cell the
/// current status of the system's probes there (Art. 18(3), 22(7)): 通过, 不通过, 出错, 未探测 where the system must
/// integrate, 无需接入 where its app categories do not ask for the platform.
struct IntegrationsPage {
    let ledger: Ledger

    func register(on router: Router<LedgerContext>) {
        router.get("/integrations") { request, context in
            let actor = try context.require(.read)
            let html = PageTemplates.render(try await view(request.uri.queryParameters), "integrations")
            let crumbs = [Crumb("全市概览", "/admin")]
            return WebPage.response(WebPage.shell(title: "平台对接矩阵", actor: actor, context: context, body: html, crumbs: crumbs))
        }
    }

    /// The page's view model; builds no HTML.
    func view(_ query: Hummingbird.Parameters) async throws -> IntegrationsView {
        let asked = ListQuery(query, path: "/integrations", filters: ["name", "unit"], sorts: ["code", "name"])
        let found = try await ListPages(ledger: ledger).page(InfoSystem.self, asked, filters: ["unit": "unit"])
        let systems = found.items.map(\.record)
        let counts = try await ledger.probeHistory.integrationCounts(systemCodes: systems.map(\.code))
        let units = try await ListPages.unitNames(ledger)
        let rows = systems.map { system in
            let required = Set(Checks.requiredPlatforms(system, ledger.codes))
            return IntegrationsView.Row(
                code: system.code, name: system.name, href: "/systems/\(pathSegment(system.code))",
                cells: Platform.allCases.map { platform in
                    Self.cell(counts[system.code]?[platform] ?? [:], required: required.contains(platform) || platform == .sharingPlatform)
                })
        }
        let list = ListView(
            asked, heading: "平台对接矩阵", noun: "个信息系统",
            filters: [
                .init("name", "系统名称包含", asked), .unit(asked, units)
            ],
            columns: [("code", "系统", false)] + Platform.allCases.map { (nil, $0.label, false) },
            total: found.total, offset: found.offset, rows: [], shown: rows.count, pageSize: ListPages.pageSize)
        return IntegrationsView(list: list, rows: rows)
    }

    /// One cell: the worst current status among the system's probe targets on the platform, with how many there are.
    static func cell(_ counts: [VerdictOutcome: Int], required: Bool) -> IntegrationsView.Cell {
        let total = counts.values.reduce(0, +)
        func share(_ outcome: VerdictOutcome) -> String { total > 1 ? " \(counts[outcome, default: 0])/\(total)" : "" }
        if counts[.fail, default: 0] > 0 { return .init(text: "不通过" + share(.fail), tone: "cell-fail") }
        if counts[.error, default: 0] > 0 { return .init(text: "出错" + share(.error), tone: "cell-error") }
        if counts[.pass, default: 0] > 0 { return .init(text: "通过" + share(.pass), tone: "cell-pass") }
        if counts[.skipped, default: 0] > 0 { return .init(text: "跳过（平台不可用）", tone: "cell-error") }
        if total > 0 { return .init(text: "不适用", tone: "cell-none") }
        return required ? .init(text: "未探测", tone: "cell-missing") : .init(text: "无需接入", tone: "cell-none")
    }
}

/// What the integration matrix shows.
struct IntegrationsView {
    struct Cell {
        var text: String
        /// The cell's colour class.
        var tone: String
    }

    struct Row {
        var code: String
        var name: String
        var href: String
        var cells: [Cell]
    }

    /// Filters, columns, count and pager (its rows are `rows`).
    var list: ListView
    var rows: [Row]
}
