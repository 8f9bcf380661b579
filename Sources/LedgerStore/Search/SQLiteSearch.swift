import Foundation
import GRDB
import LedgerCore

/// `SearchRepository` on SQLite.
public struct SQLiteSearch: SearchRepository {
    let database: AppDatabase

    /// Search over `database`.
    public init(database: AppDatabase) { self.database = database }

    public func find(_ query: SearchQuery, countingUpTo cap: Int) async throws -> Page<SearchHit> {
        let words = try query.words()
        let kinds = query.kinds
        return try await database.writer.read { db in
            var pager = SearchPager(query.page)
            for kind in kinds {
                let plan = SearchPlan(kind: kind, query: query, words: words)
                guard pager.counted(try plan.count(db, nameFirst: nil, cap: cap)) else { continue }
                for nameFirst in [true, false] where pager.wanted > 0 {
                    let rows = try plan.page(db, nameFirst: nameFirst, limit: pager.wanted, offset: pager.skip)
                    if !pager.received(rows) { pager.skip(try plan.count(db, nameFirst: nameFirst, cap: nil).count) }
                }
            }
            return pager.page
        }
    }
}

/// The SQL of one kind's search: the index table that drives it (trigrams when a word has three or more
/// characters, else bigrams, else a scan of the trigram table's text), the other words as conditions, and filters.
private struct SearchPlan {
    let kind: SearchQuery.Kind
    let index: SearchIndex
    /// Words for the trigram table, the bigram table (FTS5 query terms), and words to scan for.
    let trigramTerms: [String]
    let bigramTerms: [String]
    let scanned: [String]
    let filters: [(column: String, value: String)]

    init(kind: SearchQuery.Kind, query: SearchQuery, words: [String]) {
        self.kind = kind
        index = SearchIndex(table: kind == .system ? InfoSystem.table : CatalogResource.table)
        trigramTerms = words.filter { $0.unicodeScalars.count >= 3 }.map { "\"\($0.replacingOccurrences(of: "\"", with: "\"\""))\"" }
        let short = words.filter { $0.unicodeScalars.count < 3 }
        bigramTerms = short.compactMap(Bigrams.query)
        scanned = short.filter { Bigrams.query($0) == nil }
        filters = query.filters(for: kind).map { ("e.\($0.column)", $0.value) }
    }

    /// The table whose index yields the hits in row id order, and the words that rank a hit first when its name has them.
    private var driver: (table: String, terms: [String])? {
        if !trigramTerms.isEmpty { return (index.trigrams, trigramTerms) }
        if !bigramTerms.isEmpty { return (index.grams, bigramTerms) }
        return nil
    }

    /// `FROM … WHERE …` with its arguments: every hit (`nameFirst` nil), those whose name holds the ranking words,
    /// or the others.
    private func filter(nameFirst: Bool?, joined: Bool) -> (sql: String, rowID: String, arguments: [any DatabaseValueConvertible]) {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        let from: String
        let rowID: String
        if let (driverTable, terms) = driver {
            let all = terms.joined(separator: " AND ")
            // Name matches come from the name-only tables: a word common in other text has few of them there.
            let (table, expression) =
                switch nameFirst {
                case nil: (driverTable, all)
                case true?: (driverTable == index.trigrams ? index.names : index.nameGrams, all)
                case false?: (driverTable, "(\(all)) NOT {name} : (\(all))")
                }
            from = joined ? "\(table) JOIN \(index.table) e ON e.id = \(table).rowid" : table
            rowID = "\(table).rowid"
            conditions.append("\(table) MATCH ?")
            arguments.append(expression)
            if driverTable == index.trigrams, !bigramTerms.isEmpty {
                conditions.append("\(rowID) IN (SELECT rowid FROM \(index.grams) WHERE \(index.grams) MATCH ?)")
                arguments.append(bigramTerms.joined(separator: " AND "))
            }
        } else {
            // Only words with punctuation shorter than three characters: scan the stored text.
            from = "\(index.trigrams) JOIN \(index.table) e ON e.id = \(index.trigrams).rowid"
            rowID = "\(index.trigrams).rowid"
            if let nameFirst {
                let inName = scanned.map { _ in "instr(e.name, ?) > 0" }.joined(separator: " AND ")
                conditions.append(nameFirst ? "(\(inName))" : "NOT (\(inName))")
                arguments += scanned
            }
        }
        let text =
            rowID == "\(index.trigrams).rowid"
            ? "\(index.trigrams).text"
            : "(SELECT text FROM \(index.trigrams) WHERE rowid = \(rowID))"
        for word in scanned {
            conditions.append("instr(\(text), ?) > 0")
            arguments.append(word)
        }
        for (column, value) in filters {
            conditions.append("\(column) = ?")
            arguments.append(value)
        }
        return ("FROM \(from) WHERE " + conditions.joined(separator: " AND "), rowID, arguments)
    }

    /// How many rows match (every hit with `nameFirst` nil, else one segment), counting at most `cap` of them;
    /// without filters on the entity's columns the index alone answers.
    func count(_ db: Database, nameFirst: Bool?, cap: Int?) throws -> (count: Int, exceeds: Bool) {
        let (sql, _, arguments) = filter(nameFirst: nameFirst, joined: driver == nil || !filters.isEmpty)
        let limited = cap.map { "SELECT count(*) FROM (SELECT 1 \(sql) LIMIT \($0 + 1))" } ?? "SELECT count(*) \(sql)"
        let count = try Int.fetchOne(db, sql: limited, arguments: StatementArguments(arguments)) ?? 0
        guard let cap, count > cap else { return (count, false) }
        return (cap, true)
    }

    /// One page of a segment, in row id order.
    func page(_ db: Database, nameFirst: Bool, limit: Int, offset: Int) throws -> [SearchHit] {
        let (sql, rowID, arguments) = filter(nameFirst: nameFirst, joined: true)
        let system = kind == .system ? "NULL" : "e.system_key"
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT e.id, e.key, e.name, e.unit_key, \(system) AS system_key \(sql) ORDER BY \(rowID) LIMIT ? OFFSET ?
                """, arguments: StatementArguments(arguments + [limit, offset]))
        return rows.map {
            SearchHit(
                kind: kind.rawValue, id: $0["id"], code: $0["key"], name: $0["name"], unitUSCC: $0["unit_key"],
                systemCode: $0["system_key"])
        }
    }
}
