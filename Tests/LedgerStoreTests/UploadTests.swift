import Foundation
import LedgerCore
import LedgerStore
import LedgerTestSupport
import Testing

@Suite("Store: uploads awaiting confirmation")
struct UploadTests {
    /// An upload is kept in the data folder (every server on it sees it), only its owner may take its files for the
    /// import, and it is gone once removed; an id that is not one is refused without touching the disk.
    @Test func onlyTheOwnerGetsTheFilesUntilTheyAreRemoved() throws {
        let folder = try Fixtures.temporaryDirectory()
        let ledger = Ledger(database: try AppDatabase.open(path: folder.appendingPathComponent("ledger.sqlite").path), codes: Fixtures.codes)
        let id = try ledger.uploads.save([("units.csv", Array("统一社会信用代码\n".utf8)), ("", [1, 2])], owner: "wangmin")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("uploads/\(id)/files/units.csv").path))
        #expect(try ledger.uploads.files(id, owner: "wangmin").map(\.lastPathComponent) == ["units.csv", "upload-1"])
        #expect(throws: LedgerError.self) { try ledger.uploads.files(id, owner: "lisi") }
        ledger.uploads.remove(id)
        #expect(throws: LedgerError.self) { try ledger.uploads.files(id, owner: "wangmin") }
        #expect(throws: LedgerError.self) { try ledger.uploads.files("../../etc", owner: nil) }
    }
}
