import Foundation
import GRDB
import LedgerCore

/// The ledger's store: one repository per aggregate over one database, each a protocol with its SQLite implementation.
/// Every write validates first, runs in one transaction and records the actor it is given in the audit trail.
public struct Ledger: Sendable {
    public let database: AppDatabase
    public let codes: CodeLists

    public init(database: AppDatabase, codes: CodeLists) {
        self.database = database
        self.codes = codes
    }

    /// The ledger records (units, projects, systems, catalog resources with their items) and the catalog workflow.
    public var records: any RecordRepository { SQLiteRecords(database: database, codes: codes) }
    /// Accounts, API tokens and browser sessions.
    public var accounts: any AccountRepository { SQLiteAccountRepository(database: database) }
    /// The audit trail, as read.
    public var audit: any AuditTrail { SQLiteAuditTrail(database: database) }
    /// Probe runs, verdicts and integration status.
    public var probeHistory: any ProbeHistoryRepository { SQLiteProbeHistory(database: database) }
    /// Evaluation inputs, waivers, funding batches and pre-acceptance reviews.
    public var evaluations: any EvaluationRepository { SQLiteEvaluations(database: database) }
    /// Chinese full-text search over systems and resources.
    public var search: any SearchRepository { SQLiteSearch(database: database) }
    /// Files uploaded for an import, waiting for their owner to confirm it.
    public var uploads: any UploadRepository { FolderUploads(folder: database.uploadsFolder) }
    /// Harvest sources, what they gave and their runs.
    public var harvests: any HarvestRepository { SQLiteHarvests(database: database, codes: codes) }
    /// Leases on work that one server of the ledger does for all of them.
    public var leases: any LeaseRepository { SQLiteLeases(database: database) }
    /// Deregistration applications and their reviews.
    public var deregistrations: any DeregistrationRepository { SQLiteDeregistrations(database: database, codes: codes) }

    /// Now as an ISO 8601 UTC instant, the format of `updatedAt`.
    static func timestamp(_ date: Date = Date()) -> String {
        date.formatted(.iso8601)
    }
}
