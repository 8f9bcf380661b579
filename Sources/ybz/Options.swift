import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore
import Logging

/// Where the ledger's data lives.
struct DataOptions: ParsableArguments {
    @Option(help: "Data folder; the database is DIR/ledger.sqlite.")
    var data: String = "./ybz-data"

    /// Opens the ledger on the data folder's database, creating both when missing.
    func openLedger() throws -> (Ledger, CatalogDirectory) {
        let catalog = try CatalogDirectory.locate()
        return (Ledger(database: try openDatabase(), codes: try catalog.codeLists()), catalog)
    }

    /// Opens the data folder's database, creating both when missing.
    func openDatabase() throws -> AppDatabase {
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        return try AppDatabase.open(path: (data as NSString).appendingPathComponent("ledger.sqlite"))
    }
}

/// Where accounts, API tokens and the audit trail are: the data folder's SQLite ledger, or a PostgreSQL ledger (issue
/// 18: the parts of the ledger on PostgreSQL so far), named by `--database` or `YBZ_DATABASE_URL`.
struct AccessOptions: ParsableArguments {
    @OptionGroup var data: DataOptions
    @Option(help: "A PostgreSQL ledger instead of the data folder: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (or YBZ_DATABASE_URL).")
    var database: String?

    /// The accounts and the audit trail of the ledger named.
    func open() async throws -> AccessStore {
        if let url = database ?? ProcessInfo.processInfo.environment["YBZ_DATABASE_URL"].flatMap({ $0.isEmpty ? nil : $0 }) {
            // A command prints its own errors: the pool's retries and warnings are not for the person at the terminal.
            var quiet = Logger(label: "ybz.postgres")
            quiet.logLevel = .critical
            let logger = quiet
            let store = try await userFacing { try await PostgresStore.open(url: url, logger: logger) }
            return AccessStore(accounts: store.accounts, audit: store.audit, close: store.close)
        }
        let (ledger, _) = try data.openLedger()
        return AccessStore(accounts: ledger.accounts, audit: ledger.audit, close: {})
    }
}

/// The accounts and audit trail a command works on, and what closes their store when it is done.
struct AccessStore {
    let accounts: any AccountRepository
    let audit: any AuditTrail
    let close: @Sendable () -> Void
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
