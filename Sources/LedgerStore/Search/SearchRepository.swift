import Foundation
import LedgerCore

/// A full-text search over systems and catalog resources, with filters.
public struct SearchQuery: Sendable {
    /// Which entities to search.
    public enum Kind: String, Sendable, CaseIterable {
        case system, resource
    }

    /// Words to find, separated by spaces; every word must occur (substring match, Chinese included).
    public var text: String
    /// `nil` searches both kinds, systems first.
    public var kind: Kind?
    public var unit: String?
    /// System status (systems only).
    public var status: String?
    /// 共享类型, 更新周期 and catalog state (resources only).
    public var shareType: String?
    public var updateCycle: String?
    public var state: String?
    public var page: PageRequest

    public init(
        text: String, kind: Kind? = nil, unit: String? = nil, status: String? = nil, shareType: String? = nil,
        updateCycle: String? = nil, state: String? = nil, page: PageRequest = PageRequest()
    ) {
        self.text = text
        self.kind = kind
        self.unit = unit
        self.status = status
        self.shareType = shareType
        self.updateCycle = updateCycle
        self.state = state
        self.page = page
    }
}

extension SearchQuery {
    /// The kinds searched, in the order their hits are listed: the one asked for or, without one, resources only when
    /// a resource filter is set, systems only for a status, else systems then resources.
    var kinds: [Kind] {
        if let kind { return [kind] }
        if [shareType, updateCycle, state].contains(where: { Normalize.optional($0) != nil }) { return [.resource] }
        if Normalize.optional(status) != nil { return [.system] }
        return Kind.allCases
    }

    /// The words of `text`; a query without any, or longer than 200 characters or 10 words, is refused. Control
    /// characters (a NUL from `%00` would end SQLite's text) separate words as spaces do.
    func words() throws -> [String] {
        let words = text.split(whereSeparator: { $0.isWhitespace || $0.unicodeScalars.contains { $0.properties.generalCategory == .control } })
            .map(String.init)
        guard !words.isEmpty else { throw LedgerError(.badRequest, "请输入检索词（参数 q）") }
        guard text.count <= 200, words.count <= 10 else {
            throw LedgerError(
                .badRequest, "检索词过长：最多200个字符、10个词",
                details: [
                    ValidationIssue(
                        field: "q", value: String(text.prefix(20)) + "…", rule: "query.max-length",
                        message: "最多200个字符、10个词")
                ])
        }
        return words
    }

    /// The filters on the searched table's columns for `kind`, as (column, value).
    func filters(for kind: Kind) -> [(column: String, value: String)] {
        var candidates: [(String, String?)] = [("unit_key", unit)]
        if kind == .system {
            candidates.append(("status", status))
        } else {
            candidates += [("share_type", shareType), ("update_cycle", updateCycle), ("state", state)]
        }
        return candidates.compactMap { column, value in Normalize.optional(value).map { (column, $0) } }
    }

    /// The words a hit's name must hold to be listed first: those of three or more characters, else those of one or
    /// two word characters, else the rest (as SQLite's index finds them: trigrams, bigrams, a scan).
    static func rankingWords(_ words: [String]) -> [String] {
        let long = words.filter { $0.unicodeScalars.count >= 3 }
        if !long.isEmpty { return long }
        let grams = words.filter { Bigrams.query($0) != nil }
        return grams.isEmpty ? words : grams
    }
}

/// One search result.
public struct SearchHit: Codable, Sendable, Equatable {
    public var kind: String
    public var id: Int64
    /// System code or resource code.
    public var code: String
    public var name: String
    public var unitUSCC: String
    /// The resource's system (resources only).
    public var systemCode: String?
}

/// Chinese full-text search over systems and catalog resources (the FTS5 tables of `SearchIndex`, written by the
/// ledger's write path).
public protocol SearchRepository: Sendable {
    /// Finds systems and resources whose code, name, summary (and, for resources, data item names) contain every word
    /// of `query`; rows whose name holds the words come first. Hits are counted up to `cap` (`Page.totalCapped` then
    /// says there are more).
    func find(_ query: SearchQuery, countingUpTo cap: Int) async throws -> Page<SearchHit>
}

extension SearchRepository {
    /// Finds with hits counted up to `SearchQuery.countCap`.
    public func find(_ query: SearchQuery) async throws -> Page<SearchHit> {
        try await find(query, countingUpTo: SearchQuery.countCap)
    }
}

extension SearchQuery {
    /// Hits counted by default: a page never needs them all, and counting 600,000 hits of a common word would take
    /// longer than finding the page.
    public static let countCap = 10_000
}

/// Puts a page of hits together from parts listed one after the other (each kind's hits, or the parts of them), as
/// both stores' searches do: each part is counted up to a cap, skipped whole while the page starts past it, and read
/// from the page's start within it until the page is full.
struct SearchPager {
    private let request: PageRequest
    private var hits: [SearchHit] = []
    private var total = 0
    private var capped = false
    /// How many hits of the parts still to read come before the page.
    private(set) var skip: Int

    init(_ request: PageRequest) {
        self.request = request
        skip = request.offset
    }

    /// How many more hits the page takes.
    var wanted: Int { request.limit - hits.count }

    /// Notes a kind's count (at most the cap; `exceeds` when there are more). Returns whether the page may hold any of
    /// its hits, i.e. whether to read them.
    mutating func counted(_ count: (count: Int, exceeds: Bool)) -> Bool {
        total += count.count
        capped = capped || count.exceeds
        if !count.exceeds, skip >= count.count {
            skip -= count.count
            return false
        }
        return true
    }

    /// Takes the rows read of a part from `skip` on. Returns false when there were none because the page starts past
    /// the part: only then is its exact size needed, for `skip(_:)`.
    mutating func received(_ rows: [SearchHit]) -> Bool {
        if rows.isEmpty, skip > 0 { return false }
        hits += rows
        skip = 0
        return true
    }

    /// Skips a part of `count` hits that the page starts past.
    mutating func skip(_ count: Int) { skip -= min(skip, count) }

    /// The page.
    var page: Page<SearchHit> {
        var page = Page(items: hits, total: total, limit: request.limit, offset: request.offset)
        if capped { page.totalCapped = true }
        return page
    }
}
