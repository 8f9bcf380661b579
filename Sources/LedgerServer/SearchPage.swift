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
        guard !text.isEmpty else {
            let html = PageTemplates.render(SearchView(text: ""), "search")
            return WebPage.response(WebPage.shell(title: "搜索", actor: actor, context: context, body: html))
        }
        let variants = ledger.codes.searchVariants(of: text)
        let found = try await results(for: variants)
        let rows = kind == .all ? SearchKind.allCases.flatMap { found[$0] ?? [] } : found[kind] ?? []
        let pages = max(1, (rows.count + 19) / 20)
        let view = SearchView(
            text: text, also: variants.dropFirst().joined(separator: "、"),
            facets: SearchKind.allCases.map { facet in
                let count = facet == .all ? found.values.reduce(0) { $0 + $1.count } : found[facet]?.count ?? 0
                return .init(label: "\(facet.label)（\(count)）", href: Self.searchURL(text, facet, 1), current: facet == kind)
            },
            rows: Array(rows.dropFirst((pageNumber - 1) * 20).prefix(20)), page: pageNumber, pages: pages,
            previous: pageNumber > 1 ? Self.searchURL(text, kind, pageNumber - 1) : nil,
            next: pageNumber < pages ? Self.searchURL(text, kind, pageNumber + 1) : nil,
            truncated: found.values.contains { $0.count >= Self.searchDepth }
                ? "每类最多列出前\(Self.searchDepth)条，请加词缩小范围。" : nil)
        let html = PageTemplates.render(view, "search")
        return WebPage.response(WebPage.shell(title: "搜索：\(text)", actor: actor, context: context, body: html, query: text))
    }

    /// The hits of every spelling by kind, each once, in the order found (names that hold the words first).
    private func results(for variants: [String]) async throws -> [SearchKind: [SearchRow]] {
        let units = try await ListPages.unitNames(ledger)
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
                let link = isSystem ? "/systems/\(pathSegment(hit.code))" : resourcePath(hit.code)
                add(
                    isSystem ? .systems : .resources,
                    SearchRow(
                        kind: isSystem ? .systems : .resources, name: hit.name, code: hit.code, link: link,
                        owner: hit.systemCode ?? units[hit.unitUSCC] ?? hit.unitUSCC))
            }
            for unit in try await ledger.records.list(GovUnit.self, nameContains: variant, page: page).items {
                let home = "/unit?unit=\(queryValue(unit.record.uscc))"
                add(.units, SearchRow(kind: .units, name: unit.record.name, code: unit.record.uscc, link: home, owner: unit.record.region))
            }
            for project in try await ledger.records.list(Project.self, nameContains: variant, page: page).items {
                add(
                    .projects,
                    SearchRow(
                        kind: .projects, name: project.record.name, code: project.record.code,
                        link: "/unit?unit=\(queryValue(project.record.unitUSCC))#projects",
                        owner: units[project.record.unitUSCC] ?? project.record.unitUSCC))
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

/// One result: its kind, name (a link to its page), code and what it belongs to (a system's unit by name, a resource's
/// system by code).
struct SearchRow {
    var kind: SearchKind
    var name: String
    var code: String
    var link: String?
    var owner: String
    /// The kind's label, for the page.
    var kindLabel: String

    init(kind: SearchKind, name: String, code: String, link: String?, owner: String) {
        (self.kind, self.name, self.code, self.link, self.owner, kindLabel) = (kind, name, code, link, owner, kind.label)
    }
}

/// What the search page shows: the words, the spellings searched too, a facet per kind with its count, a page of hits.
struct SearchView {
    struct Facet {
        var label: String
        var href: String
        var current: Bool
    }

    var text: String
    var also: String = ""
    var facets: [Facet] = []
    var rows: [SearchRow] = []
    var page = 1
    var pages = 1
    var previous: String?
    var next: String?
    var truncated: String?
}
