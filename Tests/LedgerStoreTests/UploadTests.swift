import Foundation
import LedgerCore
import LedgerStore
import LedgerTestSupport
import Testing

@Suite("Store: uploads awaiting confirmation")
struct UploadTests {
    /// Only its owner gets an upload's files for the import, in name order and as uploaded, and it is gone once removed;
    /// a name that is no file name gets a number, and an id that is not one is refused without looking it up.
    @Test(arguments: TestStore.available) func onlyTheOwnerGetsTheFilesUntilTheyAreRemoved(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store)
        defer { ledger.close() }
        let uploads = ledger.uploads
        let header = Array("统一社会信用代码\n".utf8)
        let id = try await uploads.save([("units.csv", header), ("", [1, 2]), ("..", [3])], owner: "wangmin")
        let (names, contents, folder) = try await uploads.withFiles(id, owner: "wangmin") { files in
            (files.map(\.lastPathComponent), try files.map { Array(try Data(contentsOf: $0)) }, files[0].deletingLastPathComponent())
        }
        #expect(names == ["units.csv", "upload-1", "upload-2"])
        #expect(contents == [header, [1, 2], [3]])
        if store == .postgres { #expect(!FileManager.default.fileExists(atPath: folder.path)) }  // the copy goes with the body
        #expect(try await uploads.withFiles(id, owner: nil) { $0.count } == 3)
        let stranger = await #expect(throws: LedgerError.self) { try await uploads.withFiles(id, owner: "lisi") { $0.count } }
        #expect(stranger?.kind == .forbidden)
        await uploads.remove(id)
        let gone = await #expect(throws: LedgerError.self) { try await uploads.withFiles(id, owner: "wangmin") { $0.count } }
        #expect(gone?.kind == .notFound)
        await #expect(throws: LedgerError.self) { try await uploads.withFiles("../../etc", owner: nil) { $0.count } }
    }

    /// A SQLite ledger keeps uploads in its data folder, which every server on the folder sees.
    @Test func aSQLiteLedgerKeepsUploadsInItsDataFolder() async throws {
        let folder = try Fixtures.temporaryDirectory()
        let ledger = Ledger(database: try AppDatabase.open(path: folder.appendingPathComponent("ledger.sqlite").path), codes: Fixtures.codes)
        let id = try await ledger.uploads.save([("units.csv", Array("统一社会信用代码\n".utf8))], owner: "wangmin")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("uploads/\(id)/files/units.csv").path))
    }

    /// One server keeps an upload, another checks and commits it (SQLite's servers share the data folder's `uploads/`).
    @Test(arguments: TestStore.available) func anotherServerTakesTheUpload(store: TestStore) async throws {
        let servers = try await TestLedger.servers(on: store, count: 2)
        defer { for server in servers { server.close() } }
        let id = try await servers[0].uploads.save([("systems.csv", Array("系统编码\n".utf8))], owner: "wangmin")
        #expect(try await servers[1].uploads.withFiles(id, owner: "wangmin") { try String(contentsOf: $0[0], encoding: .utf8) } == "系统编码\n")
        await servers[1].uploads.remove(id)
        await #expect(throws: LedgerError.self) { try await servers[0].uploads.withFiles(id, owner: "wangmin") { $0.count } }
    }
}
