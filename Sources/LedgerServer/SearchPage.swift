import Foundation
import Hummingbird
import LedgerCore
import LedgerStore
import Presentation

/// The search box's results (`GET /search?q=…&kind=…&page=…`): systems and catalog resources from the full-text index,
/// units and projects by name, each kind a facet with its count; an abbreviation is searched with the words the ledger
/// uses for it too (`CodeLists.searchSynonyms`: 社保 finds 社会保障).
extension WebRoutes {
    /// Hits kept per kind and spelling: a page lists 20, and a search that needs more should be narrowed.
    static let searchDepth = 200

    func searchPage(_ request: Request, _ context: LedgerContext) async throws -> Response {
        let actor = try context.require(.read)
        let query = request.uri.queryParameters
        let text = String((query.get("q") ?? "").prefix(200)).trimmingCharacters(in: .whitespacesAndNewlines)
        let kind = query.get("kind").flatMap(SearchKind.init) ?? .all
        let pageNumber = max(1, min(query.get("page").flatMap(Int.init) ?? 1, 1000))
        var body = "<h1>搜索</h1>"
        guard !text.isEmpty else {
            body += "<p class=\"note\">在页面顶部的搜索框输入系统、信息资源、单位或项目的名称或编号。</p>"
            return WebPage.response(WebPage.shell(title: "搜索", actor: actor, context: context, body: body))
        }
        let variants = ledger.codes.searchVariants(of: text)
        let found = try await results(for: variants)
        let counts = SearchKind.allCases.map { facet in
            let count = facet == .all ? found.values.reduce(0) { $0 + $1.count } : found[facet]?.count ?? 0
            let label = "\(facet.label)（\(count)）"
            return facet == kind ? "<strong>\(label)</strong>" : WebPage.link(Self.searchURL(text, facet, 1), label)
        }
        let rows = (kind == .all ? SearchKind.allCases.flatMap { found[$0] ?? [] } : found[kind] ?? [])
        let pageRows = Array(rows.dropFirst((pageNumber - 1) * 20).prefix(20))
        body += "<p>“\(HTML.escape(text))”"
        if variants.count > 1 { body += "（同时检索：\(variants.dropFirst().map(HTML.escape).joined(separator: "、"))）" }
        body += " · " + counts.joined(separator: " · ") + "</p>"
        body += WebPage.table(["类型", "名称", "编号", "所属"], pageRows.map(\.cells))
        let pages = (rows.count + 19) / 20
        if pages > 1 {
            body += "<p>第 \(pageNumber) / \(pages) 页"
            if pageNumber > 1 { body += " · " + WebPage.link(Self.searchURL(text, kind, pageNumber - 1), "上一页") }
            if pageNumber < pages { body += " · " + WebPage.link(Self.searchURL(text, kind, pageNumber + 1), "下一页") }
            body += "</p>"
        }
        if found.values.contains(where: { $0.count >= Self.searchDepth }) {
            body += "<p class=\"note\">每类最多列出前\(Self.searchDepth)条，请加词缩小范围。</p>"
        }
        return WebPage.response(WebPage.shell(title: "搜索：\(text)", actor: actor, context: context, body: body, query: text))
    }

    /// The hits of every spelling by kind, each once, in the order found (names that hold the words first).
    private func results(for variants: [String]) async throws -> [SearchKind: [SearchRow]] {
        var found: [SearchKind: [SearchRow]] = [:]
        var seen = Set<String>()
        func add(_ kind: SearchKind, _ row: SearchRow) {
            guard seen.insert("\(kind.rawValue)|\(row.code)").inserted, found[kind, default: []].count < Self.searchDepth else { return }
            found[kind, default: []].append(row)
        }
        for variant in variants {
            let page = PageRequest(limit: Self.searchDepth, offset: 0)
            for hit in try await ledger.search.find(SearchQuery(text: variant, page: page)).items {
                let isSystem = hit.kind == SearchQuery.Kind.system.rawValue
                let link = isSystem ? "/systems/\(hit.code)" : "/systems/\(hit.systemCode ?? "")"
                add(
                    isSystem ? .systems : .resources,
                    SearchRow(
                        kind: isSystem ? .systems : .resources, name: hit.name, code: hit.code, link: link, owner: hit.systemCode ?? hit.unitUSCC))
            }
            for unit in try await ledger.records.list(GovUnit.self, nameContains: variant, page: page).items {
                add(.units, SearchRow(kind: .units, name: unit.record.name, code: unit.record.uscc, link: nil, owner: unit.record.region))
            }
            for project in try await ledger.records.list(Project.self, nameContains: variant, page: page).items {
                add(
                    .projects,
                    SearchRow(kind: .projects, name: project.record.name, code: project.record.code, link: nil, owner: project.record.unitUSCC))
            }
        }
        return found
    }

    static func searchURL(_ text: String, _ kind: SearchKind, _ page: Int) -> String {
        var components = URLComponents()
        components.path = "/search"
        components.queryItems =
            [URLQueryItem(name: "q", value: text), URLQueryItem(name: "kind", value: kind.rawValue)]
            + (page > 1 ? [URLQueryItem(name: "page", value: String(page))] : [])
        return components.string ?? "/search"
    }
}

/// What the search page lists, as a facet.
enum SearchKind: String, CaseIterable {
    case all, systems, resources, units, projects

    var label: String {
        switch self {
        case .all: "全部"
        case .systems: "政务信息系统"
        case .resources: "信息资源"
        case .units: "建设单位"
        case .projects: "项目"
        }
    }
}

/// One result: its kind, name (a link where the record has a page), code and what it belongs to.
struct SearchRow {
    var kind: SearchKind
    var name: String
    var code: String
    var link: String?
    var owner: String

    var cells: [String] {
        [kind.label, link.map { WebPage.link($0, name) } ?? HTML.escape(name), HTML.escape(code), HTML.escape(owner)]
    }
}
