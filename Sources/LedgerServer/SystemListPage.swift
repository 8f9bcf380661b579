import Foundation
import Hummingbird
import LedgerCore
import LedgerStore

/// `/systems`: every information system, a page at a time, sorted by code or name, filtered by name, unit and status
/// (the reviewers', finance's and the admin's way in to a system).
struct SystemListPage {
    let ledger: Ledger

    /// Rows per page.
    static let pageSize = 50
    /// The `sort` parameter's values and the order each gives.
    static let sorts: [String: ListSort] = ["code": .key, "-code": .keyDescending, "name": .name, "-name": .nameDescending]

    func register(on router: Router<LedgerContext>) {
        router.get("/systems") { request, context in
            let actor = try context.require(.read)
            let view = try await view(RequestedList(request.uri.queryParameters))
            let html = PageTemplates.render(view, "systems")
            return WebPage.response(WebPage.shell(title: "信息系统", actor: actor, context: context, body: html, path: "/systems"))
        }
    }

    /// What the page was asked for: filters, order and page, each checked (an unknown value is ignored).
    struct RequestedList {
        var name: String
        var unit: String?
        var status: SystemStatus?
        var sort: String
        var page: Int

        init(_ query: Hummingbird.Parameters) {
            name = String((query.get("name") ?? "").prefix(FieldLimits.maxText))
            unit = query.get("unit").flatMap { $0.isEmpty ? nil : String($0.prefix(18)) }
            status = query.get("status").flatMap(SystemStatus.init(rawValue:))
            sort = query.get("sort").flatMap { SystemListPage.sorts[$0] == nil ? nil : $0 } ?? "code"
            page = query.get("page").flatMap(Int.init).map { min(max($0, 1), 1_000_000) } ?? 1
        }

        /// This list's address with `changes` made (the page number is dropped unless given).
        func href(sort: String? = nil, page: Int? = nil) -> String {
            var parts: [(String, String)] = []
            if !name.isEmpty { parts.append(("name", name)) }
            if let unit { parts.append(("unit", unit)) }
            if let status { parts.append(("status", status.rawValue)) }
            parts.append(("sort", sort ?? self.sort))
            if let page, page > 1 { parts.append(("page", String(page))) }
            let query = parts.map { "\($0.0)=\(queryValue($0.1))" }
            return "/systems?" + query.joined(separator: "&")
        }
    }

    /// The page's view model, read from the ledger; builds no HTML.
    func view(_ asked: RequestedList) async throws -> SystemListView {
        var filters: [String: String] = [:]
        if let unit = asked.unit { filters["unit"] = unit }
        if let status = asked.status { filters["status"] = status.rawValue }
        let request = PageRequest(
            limit: Self.pageSize, offset: (asked.page - 1) * Self.pageSize, sort: Self.sorts[asked.sort] ?? .key)
        let found = try await ledger.records.list(InfoSystem.self, filters: filters, nameContains: asked.name, page: request)
        let units = try await ledger.records.list(GovUnit.self, page: PageRequest(limit: 500, sort: .name)).items.map(\.record)
        let unitNames = Dictionary(units.map { ($0.uscc, $0.name) }, uniquingKeysWith: { first, _ in first })
        let pages = max(1, (found.total + Self.pageSize - 1) / Self.pageSize)
        let page = min(asked.page, pages)
        let columns = [("code", "系统编号"), ("name", "系统名称")].map { field, label -> SystemListView.Column in
            let (ascending, current) = (asked.sort == field, asked.sort == "-" + field)
            return SystemListView.Column(
                label: label, href: asked.href(sort: ascending ? "-" + field : field),
                ariaSort: ascending ? "ascending" : current ? "descending" : nil, arrow: ascending ? "↑" : current ? "↓" : nil)
        }
        return SystemListView(
            name: asked.name, sort: asked.sort, filtered: !asked.name.isEmpty || asked.unit != nil || asked.status != nil,
            units: units.map { .init(value: $0.uscc, label: $0.name, selected: $0.uscc == asked.unit) },
            statuses: SystemStatus.allCases.map { .init(value: $0.rawValue, label: $0.rawValue, selected: $0 == asked.status) },
            summary: found.total == 0
                ? "共 0 个信息系统"
                : "共 \(found.total) 个信息系统，本页第 \(found.offset + 1)"
                    + "–\(found.offset + found.items.count) 个",
            columns: columns + [.init(label: "建设单位"), .init(label: "状态")],
            rows: found.items.map {
                let system = $0.record
                return .init(
                    code: system.code, name: system.name, unit: unitNames[system.unitUSCC] ?? system.unitUSCC,
                    status: system.status.rawValue,
                    href: "/systems/\(pathSegment(system.code))")
            },
            page: page, pages: pages,
            previous: page > 1 ? asked.href(page: page - 1) : nil, next: page < pages ? asked.href(page: page + 1) : nil)
    }
}

/// What the systems list shows.
struct SystemListView {
    struct Option {
        var value: String
        var label: String
        var selected: Bool
    }

    struct Column {
        var label: String
        /// Sorts by this column (the other way when it is the current order); `nil` for a column that does not sort.
        var href: String?
        var ariaSort: String?
        var arrow: String?
        init(label: String, href: String? = nil, ariaSort: String? = nil, arrow: String? = nil) {
            (self.label, self.href, self.ariaSort, self.arrow) = (label, href, ariaSort, arrow)
        }
    }

    struct Row {
        var code: String
        var name: String
        var unit: String
        var status: String
        var href: String
    }

    var name: String
    var sort: String
    var filtered: Bool
    var units: [Option]
    var statuses: [Option]
    var summary: String
    var columns: [Column]
    var rows: [Row]
    var page: Int
    var pages: Int
    var previous: String?
    var next: String?
}
