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
    /// A page of rows ordered by natural key, filtered by the entity's `filterColumns` and by `nameContains`.
    func list<E: StoredEntity>(
        _ type: E.Type, filters: [String: String], nameContains: String?,
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
    func facets<E: StoredEntity>(_ type: E.Type, filters: [String: String], facets: [String]) async throws -> [String: [String: Int]]
    /// Runs `body` on one consistent read of the records in `scope` (an export).
    func scan<T: Sendable>(_ scope: ExportScope, _ body: @escaping @Sendable (any RecordScan) throws -> T) async throws -> T
    /// The greatest key of `type` that starts with `prefix` (to number new records after it), or `nil`.
    func highestKey<E: StoredEntity>(_ type: E.Type, prefix: String) async throws -> String?
}

extension RecordRepository {
    /// A page of rows, optionally filtered.
    public func list<E: StoredEntity>(
        _ type: E.Type, filters: [String: String] = [:], nameContains: String? = nil,
        page: PageRequest = PageRequest()
    ) async throws -> Page<Stored<E>> {
        try await list(type, filters: filters, nameContains: nameContains, page: page)
    }
}
