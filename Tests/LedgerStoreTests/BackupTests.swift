import Foundation
import GRDB
import LedgerCore
import LedgerTestSupport
import Logging
import Services
import Testing

@testable import LedgerStore

/// Backup and restore of the SQLite ledger (issue 18): an online copy that verifies, and a restore that refuses a
/// damaged or tampered backup and keeps the ledger it replaces.
@Suite("Store: backup and restore")
struct BackupTests {
    func ledger(in folder: URL) throws -> Ledger {
        Ledger(database: try AppDatabase.open(path: folder.appendingPathComponent(LedgerBackup.fileName).path), codes: Fixtures.codes)
    }

    @Test func aBackupRestoresIntoAnotherFolderWithItsAuditChain() async throws {
        let source = try Fixtures.temporaryDirectory()
        let ledger = try ledger(in: source)
        _ = try await ledger.records.create(Fixtures.unit(), by: .commandLine)
        _ = try await ledger.records.create(Fixtures.project(), by: .commandLine)
        _ = try await ledger.records.create(Fixtures.system(projects: ["TZXM-2025-001"]), by: .commandLine)
        let file = try Fixtures.temporaryDirectory().appendingPathComponent("backup.sqlite").path
        let copied = try LedgerBackup.backup(ledger.sqlite, to: file)
        #expect(copied.isIntact && copied.entries == 3)
        #expect(throws: LedgerError.self) { try LedgerBackup.backup(ledger.sqlite, to: file) }  // never overwritten
        // Written after the backup: not in it.
        _ = try await ledger.records.create(Fixtures.system(code: "TZ-SYS-002"), by: .commandLine)

        let target = try Fixtures.temporaryDirectory()
        let other = try self.ledger(in: target)
        _ = try await other.records.create(Fixtures.unit(), by: .commandLine)
        let (kept, audit) = try LedgerBackup.restore(from: file, into: target)
        #expect(audit.isIntact && audit.entries == 3 && audit.headHash == copied.headHash)
        #expect(try FileManager.default.fileExists(atPath: target.appendingPathComponent(#require(kept)).path))
        let restored = try self.ledger(in: target)
        #expect(try await restored.records.counts()["system"] == 1)
        #expect(try await restored.audit.verify().isIntact)
    }

    @Test func aTamperedBackupIsNotRestored() async throws {
        let source = try Fixtures.temporaryDirectory()
        let ledger = try ledger(in: source)
        _ = try await ledger.records.create(Fixtures.unit(), by: .commandLine)
        let file = try Fixtures.temporaryDirectory().appendingPathComponent("backup.sqlite").path
        try LedgerBackup.backup(ledger.sqlite, to: file)
        // Someone with the file edits it behind the program's back (the append-only trigger dropped first).
        try await DatabaseQueue(path: file).write { db in
            try db.execute(sql: "DROP TRIGGER audit_entry_no_update; UPDATE audit_entry SET actor = 'someone-else'")
        }
        let target = try Fixtures.temporaryDirectory()
        _ = try await self.ledger(in: target).records.create(Fixtures.unit(), by: .commandLine)
        let refused = #expect(throws: LedgerError.self) { try LedgerBackup.restore(from: file, into: target) }
        #expect(refused?.message.contains("未恢复") == true)
        let untouched = try self.ledger(in: target)
        #expect(try await untouched.records.counts()["unit"] == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: target.path).allSatisfy { !$0.contains("replaced") && !$0.contains("restoring") })
    }
}

/// `ybz serve --log-format json`: one JSON object per line.
@Suite("Operations: JSON logs")
struct JSONLogTests {
    @Test func eachLineIsOneJSONObjectWithTheMetadata() throws {
        let lines = Lines()
        var logger = Logger(label: "ybz") { label in JSONLogHandler(label: label) { lines.add($0) } }
        logger[metadataKey: "request"] = "abc"
        logger.info("probe run recorded", metadata: ["run": "7", "message": "not over the message"])
        logger.debug("below the level")
        let written = lines.all
        #expect(written.count == 1 && written[0].hasSuffix("}\n") && written[0].filter { $0 == "\n" }.count == 1)
        let object = try JSONValue(parsing: written[0])
        #expect(object["message"] == .string("probe run recorded") && object["level"] == .string("info") && object["label"] == .string("ybz"))
        #expect(object["run"] == .string("7") && object["request"] == .string("abc"))
        #expect(object["time"]?.stringValue?.hasSuffix("Z") == true && object["time"]?.stringValue?.contains(".") == true)
    }
}

/// Lines a test log handler was given.
private final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
