import Foundation
import LedgerCore

/// The ledger's store: one repository per aggregate, each a protocol with an implementation on SQLite (the embedded
/// default, `AppDatabase`) and one on PostgreSQL (`PostgresStore`, for several servers of one ledger). `Ledger` only
/// wires them. Every write validates first, runs in one transaction and records the actor it is given in the audit
/// trail.
public struct Ledger: Sendable {
    /// Where a ledger is kept.
    public enum Store: Sendable {
        case sqlite(AppDatabase)
        case postgres(PostgresStore)
    }

    public let store: Store
    public let codes: CodeLists

    /// The ledger in a SQLite database.
    public init(database: AppDatabase, codes: CodeLists) {
        store = .sqlite(database)
        self.codes = codes
    }

    /// The ledger in a PostgreSQL database.
    public init(postgres: PostgresStore, codes: CodeLists) {
        store = .postgres(postgres)
        self.codes = codes
    }

    /// The SQLite database of a ledger kept in SQLite, for what is SQLite's alone (its online backup, and an import's
    /// passes); `nil` on PostgreSQL.
    public var database: AppDatabase? {
        if case .sqlite(let database) = store { return database }
        return nil
    }

    /// The ledger records (units, projects, systems, catalog resources with their items) and the catalog workflow.
    public var records: any RecordRepository {
        switch store {
        case .sqlite(let database): SQLiteRecords(database: database, codes: codes)
        case .postgres(let postgres): postgres.records(codes: codes)
        }
    }
    /// Accounts, API tokens and browser sessions.
    public var accounts: any AccountRepository {
        switch store {
        case .sqlite(let database): SQLiteAccountRepository(database: database)
        case .postgres(let postgres): postgres.accounts
        }
    }
    /// The audit trail, as read.
    public var audit: any AuditTrail {
        switch store {
        case .sqlite(let database): SQLiteAuditTrail(database: database)
        case .postgres(let postgres): postgres.audit
        }
    }
    /// Probe runs, verdicts and integration status.
    public var probeHistory: any ProbeHistoryRepository {
        switch store {
        case .sqlite(let database): SQLiteProbeHistory(database: database)
        case .postgres(let postgres): postgres.probeHistory
        }
    }
    /// Evaluation inputs, waivers, funding batches and pre-acceptance reviews.
    public var evaluations: any EvaluationRepository {
        switch store {
        case .sqlite(let database): SQLiteEvaluations(database: database)
        case .postgres(let postgres): postgres.evaluations
        }
    }
    /// Chinese full-text search over systems and resources.
    public var search: any SearchRepository {
        switch store {
        case .sqlite(let database): SQLiteSearch(database: database)
        case .postgres(let postgres): postgres.search
        }
    }
    /// Files uploaded for an import, waiting for their owner to confirm it.
    public var uploads: any UploadRepository {
        switch store {
        case .sqlite(let database): FolderUploads(folder: database.uploadsFolder)
        case .postgres(let postgres): postgres.uploads
        }
    }
    /// Harvest sources, what they gave and their runs.
    public var harvests: any HarvestRepository {
        switch store {
        case .sqlite(let database): SQLiteHarvests(database: database, codes: codes)
        case .postgres(let postgres): postgres.harvests(codes: codes)
        }
    }
    /// Leases on work that one server of the ledger does for all of them.
    public var leases: any LeaseRepository {
        switch store {
        case .sqlite(let database): SQLiteLeases(database: database)
        case .postgres(let postgres): postgres.leases
        }
    }
    /// Deregistration applications and their reviews.
    public var deregistrations: any DeregistrationRepository {
        switch store {
        case .sqlite(let database): SQLiteDeregistrations(database: database, codes: codes)
        case .postgres(let postgres): postgres.deregistrations(codes: codes)
        }
    }

    /// Why the ledger cannot serve requests now (its database cannot be read, or is not migrated to this program's
    /// schema), or `nil` when it can.
    public func unreadiness() async -> String? {
        switch store {
        case .sqlite(let database): await database.unreadiness()
        case .postgres(let postgres): await postgres.unreadiness()
        }
    }

    /// Closes the PostgreSQL pool's connections (SQLite's close with the process); the ledger is not used after.
    public func close() {
        if case .postgres(let postgres) = store { postgres.close() }
    }

    /// Now as an ISO 8601 UTC instant, the format of `updatedAt`.
    static func timestamp(_ date: Date = Date()) -> String {
        date.formatted(.iso8601)
    }
}
