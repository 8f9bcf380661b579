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

/// Chinese full-text search over systems and catalog resources (the FTS5 tables of `SearchIndex`, written by the
/// ledger's write path).
public protocol SearchRepository: Sendable {
    /// Finds systems and resources whose code, name, summary (and, for resources, data item names) contain every word
    /// of `query`; rows whose name holds the words come first. Hits are counted up to `cap` (`Page.totalCapped` then
    /// says there are more).
    func find(_ query: SearchQuery, countingUpTo cap: Int) async throws -> Page<SearchHit>
}

extension SearchRepository {
    /// Finds with hits counted up to `SQLiteSearch.countCap`.
    public func find(_ query: SearchQuery) async throws -> Page<SearchHit> {
        try await find(query, countingUpTo: SQLiteSearch.countCap)
    }
}
