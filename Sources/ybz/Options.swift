import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore
import Logging

/// Where the ledger is: the data folder's SQLite database (the default), or a PostgreSQL database named by
/// `--database` or `YBZ_DATABASE_URL` (issue 18: several servers of one ledger).
struct DataOptions: ParsableArguments {
    @Option(help: "Data folder; the database is DIR/ledger.sqlite.")
    var data: String = "./ybz-data"
    @Option(
        help: ArgumentHelp(
            "A PostgreSQL ledger instead of the data folder: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
                + "[?sslmode=verify-full&sslrootcert=CA.pem] (or YBZ_DATABASE_URL)."))
    var database: String?

    /// The PostgreSQL ledger's URL, when one is named.
    var databaseURL: String? {
        database ?? ProcessInfo.processInfo.environment["YBZ_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Opens the ledger named, creating the data folder and its database when missing (a PostgreSQL database is
    /// brought up to this program's schema). `logLevel` is what the PostgreSQL pool may log: nothing below critical by
    /// default, for a command prints its own errors and the pool's retries are not for the person at the terminal.
    func openLedger(logLevel: Logger.Level = .critical) async throws -> (Ledger, CatalogDirectory) {
        let catalog = try CatalogDirectory.locate()
        let codes = try catalog.codeLists()
        if let url = databaseURL {
            var logger = Logger(label: "ybz.postgres")
            logger.logLevel = logLevel
            let opened = logger
            let store = try await userFacing { try await PostgresStore.open(url: url, logger: opened) }
            return (Ledger(postgres: store, codes: codes), catalog)
        }
        return (Ledger(database: try openDatabase(), codes: codes), catalog)
    }

    /// Refuses a PostgreSQL ledger, for a command that is SQLite's alone (backup and restore).
    func requireSQLite() throws {
        guard databaseURL == nil else {
            throw ValidationError(
                "此命令只用于 SQLite 账本（--data）；" + "PostgreSQL 账本请用 pg_dump 和 pg_restore，见 docs/deploy.md")
        }
    }

    /// Opens the data folder's SQLite database, creating both when missing; a PostgreSQL ledger has none.
    func openDatabase() throws -> AppDatabase {
        try requireSQLite()
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        return try AppDatabase.open(path: (data as NSString).appendingPathComponent("ledger.sqlite"))
    }
}

/// A one-line progress bar on standard error, drawn only when it is a terminal.
final class ProgressBar: Sendable {
    let enabled = isatty(STDERR_FILENO) == 1

    func update(_ progress: ImportProgress) {
        show(done: progress.bytesRead, total: progress.totalBytes, label: "\(progress.file) \(progress.rows) 行")
    }

    /// Draws the bar at `done` of `total`, followed by `label`.
    func show(done: Int64, total: Int64, label: String) {
        guard enabled, total > 0 else { return }
        let fraction = Double(done) / Double(total)
        let filled = Int(fraction * 30)
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(Int(fraction * 100))% \(label)".utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// Prints an import or validation report and says whether it succeeded.
func printReport(_ report: ImportReport, json: Bool) throws {
    if json { return print(try prettyJSON(report)) }
    let outcome = report.committed ? "" : "（未写入）"
    for file in report.files {
        let counts = "新增 \(file.created)，更新 \(file.updated)，未变 \(file.unchanged)，拒绝 \(file.rejected)"
        print("\(file.file) [\(file.kind), \(file.encoding)]: \(file.rows) 行，\(counts)\(outcome)")
    }
    for issue in report.issues {
        print((issue.severity == .error ? "错误 " : "警告 ") + issue.line)
    }
    if report.dryRun {
        print(report.rejectedRows == 0 ? "校验通过：\(report.totalRows) 行均可导入（未写入）" : "校验未通过：\(report.rejectedRows) 行有错误（未写入）")
    } else {
        print(report.committed ? "已导入 \(report.totalRows) 行" : "导入已取消：\(report.rejectedRows) 行有错误，数据库未作任何修改")
    }
}

/// Prints a line to standard output at once, unbuffered, so that a long-running server's messages show
/// even when its output goes to a pipe or a log file.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Columns for terminal tables.
enum TextTable {
    /// Pads by display width (a CJK character is two columns).
    static func pad(_ text: String, _ width: Int) -> String {
        let used = text.unicodeScalars.reduce(0) { $0 + ($1.value > 0x2E80 ? 2 : 1) }
        return text + String(repeating: " ", count: max(1, width - used))
    }
}
