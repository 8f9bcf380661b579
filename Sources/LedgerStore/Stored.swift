import Foundation
import LedgerCore

/// A record as stored: its row id, optimistic-concurrency version and last update, and any warnings the
/// last write produced. Encodes as the record's fields plus `id`, `version`, `updatedAt` (and `warnings`).
public struct Stored<Record: StoredEntity>: Sendable, Encodable {
    public var id: Int64
    public var version: Int
    /// ISO 8601 instant (UTC) of the last write.
    public var updatedAt: String
    public var record: Record
    /// Warnings of the write that produced this value; not stored.
    public var warnings: [ValidationIssue] = []

    enum MetaKeys: String, CodingKey { case id, version, updatedAt, warnings }

    public func encode(to encoder: any Encoder) throws {
        try record.encode(to: encoder)
        var container = encoder.container(keyedBy: MetaKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(version, forKey: .version)
        try container.encode(updatedAt, forKey: .updatedAt)
        if !warnings.isEmpty { try container.encode(warnings, forKey: .warnings) }
    }
}

/// One page of a listing with the total number of matches.
public struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    public var items: [Item]
    public var total: Int
    public var limit: Int
    public var offset: Int
    /// Set when there are more hits than were counted: `total` is then a lower bound (search counts up to
    /// `SearchQuery.countCap`).
    public var totalCapped: Bool?

    public init(items: [Item], total: Int, limit: Int, offset: Int) {
        self.items = items
        self.total = total
        self.limit = limit
        self.offset = offset
    }
}

/// Limit, offset and order of a listing; the limit is capped at 500.
public struct PageRequest: Sendable {
    public var limit: Int
    public var offset: Int
    public var sort: ListSort

    public init(limit: Int = 50, offset: Int = 0, sort: ListSort = .key) {
        self.limit = max(1, min(limit, 500))
        self.offset = max(0, min(offset, 100_000_000))  // past any ledger's end, and far from overflowing offset + limit
        self.sort = sort
    }
}

/// The order of a listing: by natural key (code, USCC) or by name, either way, or newest first; ties by key.
public enum ListSort: String, Sendable, CaseIterable {
    case key
    case keyDescending = "-key"
    case name
    case nameDescending = "-name"
    /// Most recently written first (CKAN's `current_package_list_with_resources`).
    case updatedDescending = "-updated"
    /// Least recently written first.
    case updated

    /// The ORDER BY clause.
    var sql: String {
        switch self {
        case .key: "key"
        case .keyDescending: "key DESC"
        case .name: "name, key"
        case .nameDescending: "name DESC, key"
        case .updatedDescending: "updated_at DESC, key"
        case .updated: "updated_at, key"
        }
    }
}
