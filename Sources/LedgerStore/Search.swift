import Foundation
import GRDB
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

    public init(text: String, kind: Kind? = nil, unit: String? = nil, status: String? = nil, shareType: String? = nil,
                updateCycle: String? = nil, state: String? = nil, page: PageRequest = PageRequest()) {
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
    /// Without an explicit kind: resources only when a resource filter is set, systems only for a status.
    var impliedKinds: [Kind] {
        if [shareType, updateCycle, state].contains(where: { Normalize.optional($0) != nil }) { return [.resource] }
        if Normalize.optional(status) != nil { return [.system] }
        return Kind.allCases
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

extension Ledger {
    /// Finds systems and resources whose code, name, summary (and, for resources, data item names) contain
    /// every word. Words of three or more characters use the FTS5 trigram index; shorter words scan.
    public func search(_ query: SearchQuery) async throws -> Page<SearchHit> {
        let words = query.text.split(whereSeparator: { $0 == " " || $0 == "\u{3000}" }).map(String.init)
        guard !words.isEmpty else { throw LedgerError(.badRequest, "请输入检索词（参数 q）") }
        let kinds = query.kind.map { [$0] } ?? query.impliedKinds
        return try await database.writer.read { db in
            var hits: [SearchHit] = []
            var total = 0
            var skip = query.page.offset
            for kind in kinds {
                let (filter, arguments) = Self.searchFilter(kind, query: query, words: words)
                let count = try Int.fetchOne(db, sql: "SELECT count(*) \(filter)", arguments: arguments) ?? 0
                total += count
                let wanted = query.page.limit - hits.count
                if skip >= count { skip -= count; continue }
                guard wanted > 0 else { continue }
                let columns = kind == .system ? "e.id, e.key, e.name, e.unit_key, NULL AS system_key"
                                              : "e.id, e.key, e.name, e.unit_key, e.system_key"
                // Rows whose name holds the whole query come first, then by code: stable pages.
                var pageArguments = arguments
                pageArguments += [query.text.trimmingCharacters(in: .whitespaces), wanted, skip]
                let rows = try Row.fetchAll(db, sql: """
                    SELECT \(columns) \(filter) ORDER BY instr(e.name, ?) = 0, e.key LIMIT ? OFFSET ?
                    """, arguments: pageArguments)
                skip = 0
                hits += rows.map {
                    SearchHit(kind: kind.rawValue, id: $0["id"], code: $0["key"], name: $0["name"],
                              unitUSCC: $0["unit_key"], systemCode: $0["system_key"])
                }
            }
            return Page(items: hits, total: total, limit: query.page.limit, offset: query.page.offset)
        }
    }

    /// `FROM … WHERE …` for one kind, with its arguments.
    private static func searchFilter(_ kind: SearchQuery.Kind, query: SearchQuery,
                                     words: [String]) -> (String, StatementArguments) {
        let table = kind == .system ? "system" : "resource"
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        let indexed = words.filter { $0.count >= 3 }
        if !indexed.isEmpty {
            conditions.append("f.text MATCH ?")
            arguments.append(indexed.map { "\"\($0.replacingOccurrences(of: "\"", with: "\"\""))\"" }.joined(separator: " AND "))
        }
        for word in words where word.count < 3 {
            conditions.append("instr(f.text, ?) > 0")
            arguments.append(word)
        }
        var filters: [(String, String?)] = [("e.unit_key", query.unit)]
        if kind == .system {
            filters.append(("e.status", query.status))
        } else {
            filters += [("e.share_type", query.shareType), ("e.update_cycle", query.updateCycle), ("e.state", query.state)]
        }
        for (column, value) in filters {
            if let value = Normalize.optional(value) {
                conditions.append("\(column) = ?")
                arguments.append(value)
            }
        }
        let sql = "FROM \(table)_fts f JOIN \(table) e ON e.id = f.rowid WHERE " + conditions.joined(separator: " AND ")
        return (sql, StatementArguments(arguments))
    }
}
