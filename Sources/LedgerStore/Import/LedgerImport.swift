import Foundation
import GRDB
import LedgerCore
import PostgresNIO

/// The store's side of an import: the records that a reader of files (`Interchange`) hands over, checked by the same
/// write path as the API and written in one transaction, all or nothing. `feed` hands the records of every file to an
/// `ImportSession`; it is called once for the check pass, on a read snapshot without the write lock (a dry run and a
/// refused import end there), and once more under the lock only when a row the import depends on changed meanwhile.
public struct LedgerImport: Sendable {
    public let ledger: Ledger
    /// Who imports: every row written is recorded for this actor in the audit trail.
    public let actor: Actor

    /// An import into `ledger` for `actor`.
    public init(ledger: Ledger, actor: Actor) {
        self.ledger = ledger
        self.actor = actor
    }

    /// Runs the import that `feed` describes; with `dryRun` everything is checked and nothing is kept. With `unit`, every
    /// record must belong to that unit (a data officer's import); other rows are refused. `issues` are problems found
    /// before any record (an unreadable sheet); `itemsFollow` says a data-items file is part of the import.
    public func run(
        dryRun: Bool, unit: String?, issues: [RowIssue] = [], itemsFollow: Bool = false,
        progress: @escaping @Sendable (ImportProgress) -> Void = { _ in },
        feed: @escaping @Sendable (inout ImportSession) throws -> [FileSummary]
    ) async throws -> ImportReport {
        let database: AppDatabase
        switch ledger.store {
        case .sqlite(let sqlite): database = sqlite
        case .postgres(let store):
            return try await run(
                on: store, dryRun: dryRun, unit: unit, issues: issues, itemsFollow: itemsFollow, progress: progress, feed: feed)
        }
        let writer = RecordWriter(codes: ledger.codes, actor: actor)
        @Sendable func pass(_ db: Database, sink: ImportSink, now: String = Ledger.timestamp()) throws -> (ImportReport, RowKeys) {
            var report = ImportReport(dryRun: dryRun)
            var session = ImportSession(writer: writer, rows: SQLiteRowAccess(db: db), now: now, unit: unit, sink: sink, progress: progress)
            session.issues = issues
            session.itemsFollow = itemsFollow
            report.files = try feed(&session)
            if case .write = sink { try session.search.flush(db) }
            report.issues = session.issues
            return (report, session.dependencies)
        }
        // The check pass reads a snapshot and takes no write lock: a dry run, and a refused import, end here while
        // the server goes on writing. It also prepares every write (bodies, audit changes, data items) into a spool,
        // so that the write pass, the only part holding the lock, applies them and computes nothing but the audit
        // chain's hashes.
        let spool = dryRun ? nil : try WriteSpool()
        let (checked, dependencies, generation) = try await database.writer.read { db in
            guard let spool else {
                let (report, dependencies) = try pass(db, sink: .check)
                return (report, dependencies, try AuditLog.generation(db))
            }
            let pipeline = SpoolPipeline(spool: spool)
            let (report, dependencies) = try pipeline.draining { try pass(db, sink: .spool(pipeline)) }
            return (report, dependencies, try AuditLog.generation(db))
        }
        guard let spool, checked.rejectedRows == 0 else { return checked }
        let actor = actor
        return try await database.writer.writeWithoutTransaction { db in
            var report = checked
            // A large transaction spills the page cache to the WAL early, and pages spilled then changed again are
            // written twice; 128 MB keeps a county's import in memory.
            try db.execute(sql: "PRAGMA cache_size = -131072")
            try db.inTransaction {
                // The rows and audit entries bear the time they are written at, under the lock.
                let now = Ledger.timestamp()
                // Every ledger write since the snapshot left an audit entry naming its record.
                let changed = try AuditLog.records(changedAfter: generation, in: db)
                if dependencies.untouched(by: changed) {
                    // None touched a row this import read or replaces: every check made on the snapshot still holds.
                    try Self.apply(spool, actor: actor, now: now, progress: progress, in: db)
                } else {
                    // Someone changed a row this import depends on: everything is checked again against the ledger as
                    // it now is, and all is refused if a row now fails.
                    report = try pass(db, sink: .write, now: now).0
                }
                report.committed = report.rejectedRows == 0
                return report.committed ? .commit : .rollback
            }
            return report
        }
    }

    /// The import on PostgreSQL, in the same two passes as on SQLite: the check pass reads a snapshot without locks (a dry
    /// run, and a refused import, end there while the servers go on writing) and spools every write; the write pass locks
    /// the stored rows the import depends on, takes the audit chain's lock and, when no write since the snapshot touched
    /// one of them, applies the spool a batch at a time (`PostgresImportWrite`); otherwise it checks every row again
    /// against the ledger as it now is, locking what it reads, and writes each as it passes; a row that now fails refuses
    /// all. The passes run on a thread of their own, since the reader of files is synchronous and each of its reads
    /// waits for the database (`PostgresRowAccess`).
    private func run(
        on store: PostgresStore, dryRun: Bool, unit: String?, issues: [RowIssue], itemsFollow: Bool,
        progress: @escaping @Sendable (ImportProgress) -> Void, feed: @escaping @Sendable (inout ImportSession) throws -> [FileSummary]
    ) async throws -> ImportReport {
        let writer = RecordWriter(codes: ledger.codes, actor: actor)
        @Sendable func pass(_ connection: PostgresConnection, sink: ImportSink) async throws -> (ImportReport, RowKeys) {
            try await PostgresRowAccess.onOwnThread {
                var report = ImportReport(dryRun: dryRun)
                let locking = if case .write = sink { true } else { false }
                let rows = PostgresRowAccess(connection: connection, locking: locking)
                var session = ImportSession(writer: writer, rows: rows, now: Ledger.timestamp(), unit: unit, sink: sink, progress: progress)
                session.issues = issues
                session.itemsFollow = itemsFollow
                if case .spool(let pipeline) = sink {
                    report.files = try pipeline.draining { try feed(&session) }
                } else {
                    report.files = try feed(&session)
                }
                report.issues = session.issues
                return (report, session.dependencies)
            }
        }
        let spool = dryRun ? nil : try WriteSpool()
        let (checked, dependencies, generation) = try await store.transaction { connection in
            try await connection.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            // The first read fixes the snapshot: every write it does not see bears a later audit entry.
            let generation = try await PostgresAuditLog.generation(on: connection)
            let (report, dependencies) = try await pass(connection, sink: spool.map { .spool(SpoolPipeline(spool: $0)) } ?? .check)
            return (report, dependencies, generation)
        }
        guard let spool, checked.rejectedRows == 0 else { return checked }
        let actor = actor
        do {
            return try await store.transaction { connection in
                try await PostgresImportWrite.lock(dependencies, on: connection)
                try await PostgresAuditLog.lockChain(on: connection)
                let changed = try await PostgresAuditLog.records(changedAfter: generation, on: connection)
                var report = checked
                if dependencies.untouched(by: changed) {
                    // None touched a row this import read or replaces: every check made on the snapshot still holds.
                    try await PostgresImportWrite.apply(spool, actor: actor, now: Ledger.timestamp(), progress: progress, on: connection)
                } else {
                    report = try await pass(connection, sink: .write).0
                }
                report.committed = report.rejectedRows == 0
                // Rolled back: nothing of a refused import is kept.
                guard report.committed else { throw RefusedImport(report: report) }
                return report
            }
        } catch let refused as RefusedImport {
            return refused.report
        }
    }

    /// The write pass when no row the import depends on changed since its snapshot: applies the spooled writes in
    /// order, then indexes the rows written.
    private static func apply(
        _ spool: WriteSpool, actor: Actor, now: String,
        progress: @Sendable (ImportProgress) -> Void, in db: Database
    ) throws {
        var search = SearchBacklog()
        let (total, label) = (spool.size, "写入账本")
        var applied = 0
        // The audit entries are linked into the chain as the writes are read back, on the second core.
        let finish = AuditChain.linker(after: try AuditChain.end(in: db), actor: actor, now: now)
        try spool.replay(finish: finish) { write, read in
            search.note(write, id: try write.apply(actor: actor, now: now, in: db))
            applied += 1
            if applied % 1000 == 0 { progress(ImportProgress(file: label, bytesRead: read, totalBytes: total, rows: applied)) }
        }
        try search.flush(db)
    }
}

/// A PostgreSQL import whose write pass refused a row: its transaction is rolled back with this.
private struct RefusedImport: Error {
    let report: ImportReport
}

/// Where an import's accepted rows go.
enum ImportSink {
    /// Nowhere: they are only checked (a dry run).
    case check
    /// Prepared, on the second core, into the spool that the write pass applies (the check pass of an import).
    case spool(SpoolPipeline)
    /// Written at once (the write pass when the ledger changed after the check pass, which checks everything again).
    case write

    /// Whether rows are only checked.
    var isCheck: Bool {
        if case .check = self { return true }
        return false
    }
}
