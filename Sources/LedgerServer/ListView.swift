import Foundation
import Hummingbird
import LedgerCore

/// What a list page was asked for: its filters, order and page, each checked against what the list offers (an
/// unknown value is ignored, a long one cut).
struct ListQuery {
    /// The list's own address.
    let path: String
    /// The filters given, by parameter name: only the list's own, non-empty, at most `FieldLimits.maxText` long.
    var filters: [String: String]
    /// Parameters every link of the list keeps that are not filters (the funding batch shown), by name.
    var kept: [String: String] = [:]
    /// One of the list's sort keys, `-` before it for the descending order.
    var sort: String
    var page: Int

    init(_ query: Hummingbird.Parameters, path: String, filters names: [String], sorts: [String]) {
        self.path = path
        var given: [String: String] = [:]
        for name in names {
            if let value = query.get(name), !value.isEmpty { given[name] = String(value.prefix(FieldLimits.maxText)) }
        }
        filters = given
        let orders = sorts.flatMap { [$0, "-" + $0] }
        sort = query.get("sort").flatMap { orders.contains($0) ? $0 : nil } ?? sorts.first ?? ""
        page = query.get("page").flatMap(Int.init).map { min(max($0, 1), 1_000_000) } ?? 1
    }

    /// Drops filter `name` unless `valid` accepts its value (a stale or forged choice shows the whole list).
    mutating func allow(_ name: String, where valid: (String) -> Bool) {
        if let value = filters[name], !valid(value) { filters[name] = nil }
    }

    /// The list's address with another order or page (the page number is dropped unless given).
    func href(sort: String? = nil, page: Int? = nil) -> String {
        var parts = kept.merging(filters) { first, _ in first }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        if let order = sort ?? (self.sort.isEmpty ? nil : self.sort) { parts.append(("sort", order)) }
        if let page, page > 1 { parts.append(("page", String(page))) }
        return path + (parts.isEmpty ? "" : "?" + parts.map { "\($0.0)=\(queryValue($0.1))" }.joined(separator: "&"))
    }

    /// The list's address with no filter (but the parameters it keeps).
    var unfiltered: String {
        path + (kept.isEmpty ? "" : "?" + kept.sorted { $0.key < $1.key }.map { "\($0.key)=\(queryValue($0.value))" }.joined(separator: "&"))
    }

    /// The rows to skip for the asked page.
    func offset(pageSize: Int) -> Int { (page - 1) * pageSize }
}

/// What every list page shows (`list.mustache`): its filters, how many matched, a table sorted by a column, and
/// the pager. Built from a `ListQuery` and one page of rows; builds no HTML.
struct ListView {
    struct Option {
        var value: String
        var label: String
        var selected: Bool
    }

    /// A filter of the form: a text box, or a choice when `options` are given.
    struct Filter {
        var name: String
        var label: String
        var value: String
        var isChoice: Bool
        var options: [Option]

        /// A text box.
        init(_ name: String, _ label: String, _ asked: ListQuery) {
            (self.name, self.label, value, isChoice, options) = (name, label, asked.filters[name] ?? "", false, [])
        }

        /// The choice of a unit (建设单位) among `names` (name by code), by name.
        static func unit(_ asked: ListQuery, _ names: [String: String], label: String = "建设单位") -> Filter {
            Filter("unit", label, asked, choices: names.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.map { ($0.key, $0.value) })
        }

        /// A choice among `choices` (value, label), "全部" first.
        init(_ name: String, _ label: String, _ asked: ListQuery, choices: [(String, String)]) {
            (self.name, self.label, value, isChoice) = (name, label, asked.filters[name] ?? "", true)
            options = choices.map { Option(value: $0.0, label: $0.1, selected: $0.0 == asked.filters[name]) }
        }
    }

    struct Column {
        var label: String
        /// Sorts by this column (the other way when it is the current order); `nil` for a column that does not sort.
        var href: String?
        var ariaSort: String?
        var arrow: String?
        /// Right-aligned (amounts, counts).
        var numeric: Bool
    }

    /// One cell: its text, a link when it opens something, a tone (`eligible`, `ineligible` …) for a status.
    struct Cell {
        var text: String
        var href: String?
        var tone: String?
        var numeric: Bool
        /// A second line in smaller type (how a figure was worked out).
        var note: String?

        init(_ text: String, href: String? = nil, tone: String? = nil, numeric: Bool = false, note: String? = nil) {
            (self.text, self.href, self.tone, self.numeric, self.note) = (text, href, tone, numeric, note)
        }
    }

    struct Row {
        var cells: [Cell]
    }

    /// A link above the table (export, register).
    struct Link {
        var label: String
        var href: String
    }

    /// A parameter the filter form passes on unchanged.
    struct Hidden {
        var name: String
        var value: String
    }

    var heading: String
    var path: String
    var filters: [Filter]
    var hidden: [Hidden]
    var sort: String
    var filtered: Bool
    /// The list without its filters.
    var clear: String
    var summary: String
    var columns: [Column]
    var rows: [Row]
    var emptyText: String
    var links: [Link]
    var page: Int
    var pages: Int
    var previous: String?
    var next: String?

    /// One page of a list: `columns` are (sort key or `nil`, label, numeric); `total` rows matched, `rows` are those
    /// from `offset` (or, for a page that shows its rows itself, `shown` of them); `noun` counts them ("个信息系统").
    init(
        _ asked: ListQuery, heading: String, noun: String, filters: [Filter], columns: [(String?, String, Bool)],
        total: Int, offset: Int, rows: [Row], shown: Int? = nil, pageSize: Int, links: [Link] = []
    ) {
        self.heading = heading
        path = asked.path
        self.filters = filters
        hidden = asked.kept.sorted { $0.key < $1.key }.map { Hidden(name: $0.key, value: $0.value) }
        sort = asked.sort
        filtered = !asked.filters.isEmpty
        clear = asked.unfiltered
        summary = total == 0 ? "共 0 \(noun)" : "共 \(total) \(noun)，本页第 \(offset + 1)–\(offset + (shown ?? rows.count)) 条"
        self.columns = columns.map { key, label, numeric in
            guard let key else { return Column(label: label, numeric: numeric) }
            let (ascending, descending) = (asked.sort == key, asked.sort == "-" + key)
            return Column(
                label: label, href: asked.href(sort: ascending ? "-" + key : key),
                ariaSort: ascending ? "ascending" : descending ? "descending" : nil,
                arrow: ascending ? "↑" : descending ? "↓" : nil, numeric: numeric)
        }
        self.rows = rows
        emptyText = filtered ? "没有符合条件的记录。" : "尚无记录。"
        self.links = links
        pages = max(1, (total + pageSize - 1) / pageSize)
        page = min(asked.page, pages)
        previous = page > 1 ? asked.href(page: page - 1) : nil
        next = page < pages ? asked.href(page: page + 1) : nil
    }
}
