import LedgerCore

/// The ledger records — units, projects, systems, catalog resources with their data items — with versions, and the
/// catalog workflow. Every write names its actor, validates first (all issues at once) and runs in one transaction.
public protocol RecordRepository: Sendable {
    /// Registers a new record for `actor`. A catalog resource registered this way starts as 待提交.
    func create<E: StoredEntity>(_ record: E, by actor: Actor) async throws -> Stored<E>
    /// Replaces row `id` with `record` for `actor`; `expectedVersion` (from `If-Match` or the body) guards against lost
    /// updates.
    func update<E: StoredEntity>(
        _ type: E.Type, id: Int64, with record: E, expectedVersion: Int?,
        by actor: Actor
    ) async throws -> Stored<E>
    /// Deletes row `id` for `actor`, refusing while other rows name it.
    func delete<E: StoredEntity>(_ type: E.Type, id: Int64, expectedVersion: Int?, by actor: Actor) async throws
    /// The row with `id`.
    func fetch<E: StoredEntity>(_ type: E.Type, id: Int64) async throws -> Stored<E>
    /// The row with natural key `key` (USCC or code).
    func fetch<E: StoredEntity>(_ type: E.Type, key: String) async throws -> Stored<E>
    /// A page of rows ordered by natural key, filtered on the entity's `filterColumns` and by `nameContains`.
    func list<E: StoredEntity>(
        _ type: E.Type, filter: ListFilter, nameContains: String?,
        page: PageRequest
    ) async throws -> Page<Stored<E>>
    /// Moves a resource through the catalog workflow (submit, approve, return with a reason, take offline).
    func transition(
        resourceID id: Int64, _ action: CatalogTransition, reason: String?, expectedVersion: Int?,
        by actor: Actor
    ) async throws -> Stored<CatalogResource>
    /// Row counts per table, for health and summaries.
    func counts() async throws -> [String: Int]
    /// How many rows filtered as `list` filters them hold each value of each of the filter columns `facets` names
    /// (filter name → value → rows), for faceted search.
    func facets<E: StoredEntity>(_ type: E.Type, filter: ListFilter, facets: [String]) async throws -> [String: [String: Int]]
    /// Runs `body` on one consistent read of the records in `scope` (an export).
    func scan<T: Sendable>(_ scope: ExportScope, _ body: @escaping @Sendable (any RecordScan) throws -> T) async throws -> T
    /// The greatest key of `type` that starts with `prefix` (to number new records after it), or `nil`.
    func highestKey<E: StoredEntity>(_ type: E.Type, prefix: String) async throws -> String?
}

extension RecordRepository {
    /// A page of rows, optionally filtered: each filter column equal to its value.
    public func list<E: StoredEntity>(
        _ type: E.Type, filters: [String: String] = [:], nameContains: String? = nil,
        page: PageRequest = PageRequest()
    ) async throws -> Page<Stored<E>> {
        try await list(type, filter: ListFilter(filters), nameContains: nameContains, page: page)
    }

    /// How many rows with each filter column equal to its value hold each value of the columns `facets` names.
    public func facets<E: StoredEntity>(_ type: E.Type, filters: [String: String], facets: [String]) async throws -> [String: [String: Int]] {
        try await self.facets(type, filter: ListFilter(filters), facets: facets)
    }
}

/// Which rows a list keeps, by the entity's filter columns: each column in `anyOf` equal to one of its values (Solr's
/// `field:(a OR b)`), and each column in `noneOf` equal to none of its values (`-field:c`).
public struct ListFilter: Sendable, Equatable {
    public var anyOf: [String: Set<String>] = [:]
    public var noneOf: [String: Set<String>] = [:]
    /// When the row was last changed (`updated_at`), within these bounds (Solr's `metadata_modified:[a TO *]`).
    public var updated: TimeBounds?

    /// Each column in `equal` equal to its value.
    public init(_ equal: [String: String] = [:]) { anyOf = equal.mapValues { [$0] } }

    /// Keeps only rows whose `column` is `value`, as well as what is kept already.
    public mutating func require(_ column: String, oneOf values: Set<String>) {
        anyOf[column] = anyOf[column].map { $0.intersection(values) } ?? values
    }

    /// Whether no row can be kept: a column required to be one of values that are all excluded (or of none).
    public var keepsNothing: Bool { anyOf.contains { column, values in values.subtracting(noneOf[column] ?? []).isEmpty } }
}

/// A span of time for a filter, each end open or given as a stored timestamp (`2026-12-01T08:00:00Z`), included or not.
public struct TimeBounds: Sendable, Equatable {
    public var lower: String?
    public var upper: String?
    public var includesLower = true
    public var includesUpper = true

    public init(lower: String?, upper: String?, includesLower: Bool = true, includesUpper: Bool = true) {
        (self.lower, self.upper, self.includesLower, self.includesUpper) = (lower, upper, includesLower, includesUpper)
    }
}
