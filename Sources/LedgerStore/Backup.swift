import Foundation
import GRDB
import LedgerCore

/// Backup and restore of the SQLite ledger (issue 18): a backup is SQLite's online copy of one moment of the database,
/// taken while the server reads and writes; a restore puts a backup in place of a stopped server's ledger only after
/// the copy opens, passes SQLite's check and its audit chain verifies, and keeps the ledger it replaces beside it.
public enum LedgerBackup {
    /// The ledger's file in a data folder.
    public static let fileName = "ledger.sqlite"

    /// Copies the ledger of `database` to a new file at `path` (refused when the file exists), `pagesPerStep` pages at a
    /// time so that writers are not held up; `progress` is told the share copied. Returns the copy's audit check.
    @discardableResult
    public static func backup(
        _ database: AppDatabase, to path: String, progress: (@Sendable (Double) -> Void)? = nil
    ) throws -> AuditVerification {
        guard !FileManager.default.fileExists(atPath: path) else { throw LedgerError(.conflict, "备份文件已存在：\(path)") }
        let copy = try DatabaseQueue(path: path)
        try database.writer.backup(to: copy, pagesPerStep: 4096) { step in
            progress?(step.totalPageCount > 0 ? Double(step.completedPageCount) / Double(step.totalPageCount) : 1)
        }
        return try verify(copy)
    }

    /// Puts the backup at `backup` in place of the ledger in `folder`, whose server must be stopped: the backup is copied
    /// beside the ledger, opened (and migrated, if an older program wrote it), checked, and only then moved into place.
    /// The ledger it replaces, with its write-ahead log, is kept as `ledger.sqlite.replaced-TIME`. Returns that name and the
    /// restored audit check.
    public static func restore(from backup: String, into folder: URL) throws -> (kept: String?, audit: AuditVerification) {
        let fileManager = FileManager.default
        guard fileManager.fileExists(atPath: backup) else { throw LedgerError(.notFound, "找不到备份文件：\(backup)") }
        let target = folder.appendingPathComponent(fileName).path
        let staged = target + ".restoring"
        for suffix in ["", "-wal", "-shm"] where fileManager.fileExists(atPath: staged + suffix) {
            try fileManager.removeItem(atPath: staged + suffix)  // left by a restore that was stopped
        }
        try fileManager.copyItem(atPath: backup, toPath: staged)
        func discardStaged() throws {
            for suffix in ["", "-wal", "-shm"] where fileManager.fileExists(atPath: staged + suffix) {
                try fileManager.removeItem(atPath: staged + suffix)
            }
        }
        let audit: AuditVerification
        do {
            audit = try verify(try AppDatabase.open(path: staged).writer)
            guard audit.isIntact else {
                throw LedgerError(.conflict, "备份的审计记录不完整（\(audit.problems.count) 处问题），未恢复；原账本未改动")
            }
        } catch {
            try discardStaged()
            throw error
        }
        var kept: String?
        if fileManager.fileExists(atPath: target) {
            let name = fileName + ".replaced-" + Date().formatted(.iso8601).replacingOccurrences(of: ":", with: "")
            for suffix in ["", "-wal", "-shm"] where fileManager.fileExists(atPath: target + suffix) {
                try fileManager.moveItem(atPath: target + suffix, toPath: folder.appendingPathComponent(name + suffix).path)
            }
            kept = name
        }
        for suffix in ["-wal", "-shm"] where fileManager.fileExists(atPath: staged + suffix) {
            try fileManager.removeItem(atPath: staged + suffix)
        }
        try fileManager.moveItem(atPath: staged, toPath: target)
        return (kept, audit)
    }

    /// SQLite's own check of the file, then the audit chain's.
    static func verify(_ reader: any DatabaseReader) throws -> AuditVerification {
        let check = try reader.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
        guard check == ["ok"] else { throw LedgerError(.conflict, "备份文件已损坏：\(check.prefix(3).joined(separator: "；"))") }
        return try reader.read { db in try SQLiteAuditTrail.verify(in: db) }
    }
}
