import Foundation
import LedgerCore
import PostgresNIO

/// `SearchRepository` on PostgreSQL (issue 18), with SQLite's answers: every word a substring of the row's search text
/// (code, name, summary and, for a resource, its data items' names), rows whose name holds the ranking words first
/// (`SearchQuery.rankingWords`), each part in row order, systems before resources. The write path keeps each row's
/// search text and name folded to lower case (`SearchText`) in `search_text` and `search_name`, indexed by trigrams
/// (pg_trgm's GIN index, which a `LIKE '%…%'` of three or more characters uses; shorter words are checked on every
/// row the other words and filters leave).
struct PostgresSearch: SearchRepository {
    let store: PostgresStore

    func find(_ query: SearchQuery, countingUpTo cap: Int) async throws -> Page<SearchHit> {
        let words = try query.words()
        return try await store.transaction { connection in
            try await connection.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            var pager = SearchPager(query.page)
            for kind in query.kinds {
                let plan = PostgresSearchPlan(kind: kind, query: query, words: words)
                guard pager.counted(try await plan.count(cap: cap, nameFirst: nil, on: connection)) else { continue }
                // Name matches, then the rest, each read in row order only as far as the page goes (ordering every hit
                // by rank read them all: a second for a common word at province scale).
                for nameFirst in [true, false] where pager.wanted > 0 {
                    let rows = try await plan.page(limit: pager.wanted, offset: pager.skip, nameFirst: nameFirst, on: connection)
                    if !pager.received(rows) { pager.skip(try await plan.count(cap: nil, nameFirst: nameFirst, on: connection).count) }
                }
            }
            return pager.page
        }
    }
}

/// The SQL of one kind's search on PostgreSQL.
private struct PostgresSearchPlan {
    let kind: SearchQuery.Kind
    /// `WHERE …` with its binds: every word in the search text, and the filters.
    let condition: PostgresQuery
    /// Whether the name holds every ranking word, a boolean expression whose binds follow the condition's (empty: no
    /// ranking words, every hit is a name match).
    let rank: String
    let rankBinds: [String]

    init(kind: SearchQuery.Kind, query: SearchQuery, words: [String]) {
        self.kind = kind
        var sql: [String] = []
        var binds: [String] = []
        for word in words {
            binds.append(Self.pattern(word))
            sql.append("e.search_text LIKE $\(binds.count) ESCAPE '\\'")
        }
        for (column, value) in query.filters(for: kind) {
            binds.append(value)
            sql.append("e.\(column) = $\(binds.count)")
        }
        var condition = PostgresQuery(unsafeSQL: "WHERE " + sql.joined(separator: " AND "))
        for bind in binds { condition.binds.append(bind) }
        self.condition = condition
        let ranking = SearchQuery.rankingWords(words)
        rank = ranking.indices.map { "e.search_name LIKE $\(binds.count + $0 + 1) ESCAPE '\\'" }.joined(separator: " AND ")
        rankBinds = ranking.map(Self.pattern)
    }

    private var table: String { kind == .system ? InfoSystem.table : CatalogResource.table }

    /// `LIKE`'s pattern for a word anywhere, folded as the search text is, with `%`, `_` and `\` taken as themselves.
    private static func pattern(_ word: String) -> String {
        let escaped = SearchText.fold(word).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
        return "%\(escaped)%"
    }

    /// The rows' condition: every hit (`nameFirst` nil), those whose name holds the ranking words, or the others.
    private func condition(nameFirst: Bool?) -> PostgresQuery {
        var query = condition
        if let nameFirst, !rank.isEmpty {
            query = PostgresQuery(unsafeSQL: "\(condition.sql) AND \(nameFirst ? "" : "NOT ")(\(rank))", binds: condition.binds)
            for bind in rankBinds { query.binds.append(bind) }
        } else if nameFirst == false {
            query = PostgresQuery(unsafeSQL: "\(condition.sql) AND false", binds: condition.binds)
        }
        return query
    }

    /// How many rows match, counting at most `cap` of them (`exceeds` when there are more).
    func count(cap: Int?, nameFirst: Bool?, on connection: PostgresConnection) async throws -> (count: Int, exceeds: Bool) {
        let limit = cap.map { " LIMIT \($0 + 1)" } ?? ""
        let condition = condition(nameFirst: nameFirst)
        let query = PostgresQuery(
            unsafeSQL: "SELECT count(*) FROM (SELECT 1 FROM \(table) e \(condition.sql)\(limit)) hits", binds: condition.binds)
        let count = try await connection.count(query)
        guard let cap, count > cap else { return (count, false) }
        return (cap, true)
    }

    /// One page of the name matches (`nameFirst`) or of the others, in row order.
    func page(limit: Int, offset: Int, nameFirst: Bool, on connection: PostgresConnection) async throws -> [SearchHit] {
        let system = kind == .system ? "NULL::text" : "e.system_key"
        let condition = condition(nameFirst: nameFirst)
        let query = PostgresQuery(
            unsafeSQL: """
                SELECT e.id, e.key, e.name, e.unit_key, \(system) FROM \(table) e \(condition.sql)
                ORDER BY e.id LIMIT \(max(0, limit)) OFFSET \(max(0, offset))
                """, binds: condition.binds)
        var hits: [SearchHit] = []
        for try await (id, code, name, unit, systemCode) in try await connection.query(query, logger: connection.logger).decode(
            (Int64, String, String, String, String?).self)
        {
            hits.append(SearchHit(kind: kind.rawValue, id: id, code: code, name: name, unitUSCC: unit, systemCode: systemCode))
        }
        return hits
    }
}

/// How a PostgreSQL ledger keeps a searchable row's text: folded to lower case (as SQLite's trigram index matches), so
/// that a `LIKE` on the folded query finds any case.
enum SearchText {
    static func fold(_ text: String) -> String { text.lowercased() }

    /// The search columns a write sets and their folded values (none when the caller indexes later, or the table has no
    /// search text).
    static func columns(of write: PreparedWrite) -> (names: [String], values: [String]) {
        write.search.map { (["search_name", "search_text"], [fold($0.name), fold($0.text)]) } ?? ([], [])
    }

    /// The folded search text of the resource stored as `body` once its data items are `items` (a data-items file's write).
    static func resource(body: String, items: [DataItem]) throws -> String {
        var resource = try RecordWriter.decode(CatalogResource.self, body: body)
        resource.items = items
        return fold(resource.searchText)
    }
}
