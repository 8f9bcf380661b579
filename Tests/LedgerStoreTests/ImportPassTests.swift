import Foundation
import GRDB
import Interchange
import LedgerCore
import LedgerTestSupport
import Synchronization
import Testing

@testable import LedgerStore

/// An import's two passes: the check pass prepares every write into a spool on a read snapshot, and the write pass
/// applies the spool under the lock, or checks everything again when the ledger changed in between (issue 13).
@Suite("Import passes")
struct ImportPassTests {
    let folder = try! Fixtures.temporaryDirectory()

    func write(_ name: String, _ text: String) throws -> URL { try Fixtures.write(name, text, in: folder) }

    static let resourceHeader = HardeningTests.resourceHeader

    @Test func spooledWritesReadBackExactlyInOrder() throws {
        var insert = PreparedWrite(operation: .insert, table: "resource", key: "101001/000001")
        insert.name = "人口基本信息\r\n第二行"
        insert.columnNames = ["system_key", "unit_key", "share_type", "weight", "blob"]
        insert.values = [
            "TZ-SYS-001".databaseValue, .null, Int64.min.databaseValue, (-0.5).databaseValue,
            Data([0, 255, 7]).databaseValue
        ]
        insert.body = #"{"name":"人口"}"#
        insert.items = [DataItem(name: "姓名", type: "C", length: 50, description: "全名"), DataItem(name: "年龄", type: "N")]
        (insert.auditAction, insert.auditChanges) = ("create", "[]")
        insert.search = .init(name: "人口", text: "")
        var items = PreparedWrite(operation: .replaceItems, table: "resource", key: "101001/000002")
        items.items = []
        let update = PreparedWrite(operation: .update(id: 42, version: 3), table: "system", key: "TZ-SYS-001")
        // More than one read-ahead chunk, so records cross the chunk boundary.
        let large = (0..<600).map { index in
            var write = insert
            write.key = "101001/\(index)"
            write.body = String(repeating: "数", count: 1000 + index)
            return write
        }
        let spool = try WriteSpool()
        let written = [insert, items, update] + large
        for write in written { try spool.append(write) }
        var read: [PreparedWrite] = []
        var lastOffset: Int64 = 0
        let finish: @Sendable (inout PreparedWrite) -> Void = { $0.auditChanges += "+" }
        try spool.replay(finish: finish) { write, offset in
            #expect(offset > lastOffset)
            lastOffset = offset
            read.append(write)
        }
        // `finish` ran once on each write, in order, before it was handed over.
        #expect(read.map(\.auditChanges) == written.map { $0.auditChanges + "+" })
        #expect(read.map(\.key) == written.map(\.key))
        #expect(lastOffset == spool.size)
    }

    /// A write that fails while the spool is replayed stops the reader ahead of it: the error comes back, and no
    /// write after it is applied or left waiting.
    @Test func aFailedReplayStopsItsReader() throws {
        let spool = try WriteSpool()
        for index in 0..<2000 { try spool.append(PreparedWrite(operation: .insert, table: "unit", key: String(index))) }
        struct Refused: Error {}
        var applied = 0
        let unchanged: @Sendable (inout PreparedWrite) -> Void = { _ in }
        #expect(throws: Refused.self) {
            try spool.replay(finish: unchanged) { write, _ in
                guard write.key != "300" else { throw Refused() }
                applied += 1
            }
        }
        #expect(applied == 300)
    }

    /// Each run of word characters gives its pairs of neighbours and its last character alone (`SearchIndex`).
    @Test func bigramsPairNeighboursWithinWords() {
        #expect(Bigrams.text("不动产") == "不动 动产 产")
        #expect(Bigrams.text("社保卡，AB") == "社保 保卡 卡 AB B")
        #expect(Bigrams.text(" 中 ") == "中")
        #expect(Bigrams.text("é𝄞x-y") == "é𝄞 𝄞x x y")
        #expect(Bigrams.text("") == "")
        #expect(Bigrams.text("、。") == "")
    }

    @Test func aDamagedSpoolIsRefusedNotMisread() throws {
        let writes = ["1", "2"].map { PreparedWrite(operation: .insert, table: "unit", key: $0) }
        let bytes = writes.flatMap(WriteSpool.record)
        let whole = folder.appendingPathComponent("whole.spool")
        try Data(bytes).write(to: whole)
        var read: [PreparedWrite] = []
        try WriteSpool.read(try FileHandle(forReadingFrom: whole)) { write, _ in read.append(write) }
        #expect(read == writes)
        // Cut in the middle of the second record, as a full disk would leave it; or with a byte changed in its tag.
        let cut = folder.appendingPathComponent("cut.spool")
        try Data(bytes.dropLast(3)).write(to: cut)
        #expect(throws: SpoolFailure.self) { try WriteSpool.read(try FileHandle(forReadingFrom: cut)) { _, _ in } }
        var changed = bytes
        changed[4] = 9
        let damaged = folder.appendingPathComponent("damaged.spool")
        try Data(changed).write(to: damaged)
        #expect(throws: SpoolFailure.self) { try WriteSpool.read(try FileHandle(forReadingFrom: damaged)) { _, _ in } }
    }

    /// A ledger on `store` with a unit and its system, a second server of it as another user's, and an import of one
    /// resource of that system during whose check pass, once it has checked the row on its snapshot, the other user
    /// does `meanwhile`. (Were the progress never reported so, `meanwhile` would not run and the tests below fail.)
    /// `file` (name and text) replaces that resource's row; `withResource` registers the fixtures' resource first.
    func importWhile(
        on store: TestStore, file: (String, String)? = nil, withResource: Bool = false,
        _ meanwhile: @escaping @Sendable (TestLedger, Stored<InfoSystem>) async throws -> Void
    ) async throws -> (TestLedger, ImportReport) {
        let servers = try await TestLedger.servers(on: store, count: 2)
        let (ledger, other) = (servers[0], servers[1])
        _ = try await ledger.records.create(Fixtures.unit(), by: .commandLine)
        let system = try await ledger.records.create(Fixtures.system(), by: .commandLine)
        if withResource { _ = try await ledger.records.create(Fixtures.resource(), by: .commandLine) }
        let row = "101001/000001,人口基本信息,TZ-SYS-001,人口,数据库,无条件共享,,接口,每日"
        let csv = try write(file?.0 ?? "resources.csv", file?.1 ?? "\(Self.resourceHeader)\n\(row)\n")
        let done = Mutex(false)
        let report = try await Importer(ledger: ledger.ledger, actor: .commandLine).run(files: [csv], dryRun: false) { progress in
            guard progress.rows == 1,
                done.withLock({ ran in
                    defer { ran = true }
                    return !ran
                })
            else { return }
            let finished = DispatchSemaphore(value: 0)
            Task {
                try await meanwhile(other, system)
                finished.signal()
            }
            finished.wait()
        }
        return (ledger, report)
    }

    /// The system the imported resource names is deleted while the import checks it: the write pass finds a row it
    /// depends on changed, checks again, and refuses the whole import instead of writing what was checked before.
    @Test(arguments: TestStore.available) func aChangeBetweenThePassesIsCheckedAgain(store: TestStore) async throws {
        let (ledger, report) = try await importWhile(on: store) { other, system in
            try await other.records.delete(InfoSystem.self, id: system.id, expectedVersion: nil, by: .commandLine)
        }
        #expect(!report.committed)
        #expect(report.issues.contains { $0.rule == "reference.exists" && $0.value == "TZ-SYS-001" })
        #expect(try await ledger.records.counts()["resource"] == 0)
        #expect(try await ledger.audit.verify().isIntact)
    }

    /// Another user registers an unrelated unit while the import checks: the import's checks still hold, so it is
    /// written as checked, and both writes are kept in one unbroken audit chain.
    @Test(arguments: TestStore.available) func anUnrelatedWriteBetweenThePassesKeepsBoth(store: TestStore) async throws {
        let (ledger, report) = try await importWhile(on: store) { other, _ in
            _ = try await other.records.create(Fixtures.unit(2, name: "滕州市民政局"), by: .commandLine)
        }
        #expect(report.committed)
        let counts = try await ledger.records.counts()
        #expect(counts["resource"] == 1 && counts["unit"] == 2)
        #expect(try await ledger.records.fetch(CatalogResource.self, key: "101001/000001").record.name == "人口基本信息")
        #expect(try await ledger.audit.verify().isIntact)
    }

    /// A data-items file imported while another server edits the resource it names: the write pass checks again and
    /// writes row by row, and the resource has the new items, one version more, and search text that names them.
    @Test(arguments: TestStore.available) func itemsReplacedAfterAChangeAreIndexed(store: TestStore) async throws {
        let items = ("data-items.csv", "信息资源代码,信息项名称,数据类型,数据长度\n103003/000001,抵押权人名称,C,100\n")
        let (ledger, report) = try await importWhile(on: store, file: items, withResource: true) { other, _ in
            var resource = try await other.records.fetch(CatalogResource.self, key: "103003/000001")
            resource.record.summary = "不动产登记信息（另一台服务器修改）"
            _ = try await other.records.update(
                CatalogResource.self, id: resource.id, with: resource.record, expectedVersion: resource.version, by: .commandLine)
        }
        #expect(report.committed)
        let stored = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001")
        #expect(stored.record.items.map(\.name) == ["抵押权人名称"] && stored.version == 3)
        #expect(stored.record.summary == "不动产登记信息（另一台服务器修改）")
        #expect(try await ledger.search.find(SearchQuery(text: "抵押权人")).items.map(\.code) == ["103003/000001"])
        #expect(try await ledger.search.find(SearchQuery(text: "不动产权证号")).items.isEmpty)
        #expect(try await ledger.audit.verify().isIntact)
    }

    @Test(arguments: TestStore.available) func dataItemsAreStoredInTheOrderOfTheirNumbers(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        let items = try write(
            "data-items.csv",
            """
            信息资源代码,序号,信息项名称,数据类型,数据长度
            103003/000001,3,证号,C,20
            103003/000001,1,权利人,C,50
            103003/000001,1,坐落,C,200
            """)
        let report = try await Importer(ledger: ledger.ledger, actor: .commandLine).run(files: [items], dryRun: false)
        #expect(report.committed)
        let stored = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001")
        #expect(stored.record.items.map(\.name) == ["权利人", "坐落", "证号"])
        #expect(stored.version == 2)
        // The same items again change nothing: no new version, no audit entry.
        let entries = try await ledger.audit.entries(limit: 1).first?.seq
        let again = try await Importer(ledger: ledger.ledger, actor: .commandLine).run(files: [items], dryRun: false)
        #expect(again.committed)
        #expect(try await ledger.records.fetch(CatalogResource.self, key: "103003/000001").version == 2)
        #expect(try await ledger.audit.entries(limit: 1).first?.seq == entries)
    }

    @Test(arguments: TestStore.available) func theItemsOfOneResourceAreGivenOnceAnImport(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        let first = try write("data-items.csv", "信息资源代码,信息项名称,数据类型,数据长度\n103003/000001,证号,C,20\n")
        let second = try write("more-items.csv", "信息资源代码,信息项名称,数据类型,数据长度\n103003/000001,权利人,C,50\n")
        let report = try await Importer(ledger: ledger.ledger, actor: .commandLine).run(files: [first, second], dryRun: false)
        #expect(!report.committed)
        #expect(report.issues.contains { $0.file == "more-items.csv" && $0.rule == "items.contiguous" })
    }

    /// Resources created and given their items in one import, through the spool, read back as written by the API,
    /// with one audit entry for the creation and one for the items, and found by search.
    @Test(arguments: TestStore.available) func aSpooledImportWritesWhatTheAPIWould(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        let resources = try write(
            "resources.csv",
            """
            \(Self.resourceHeader)
            101001/000009,婚姻登记信息,TZ-SYS-001,婚姻登记,数据库,有条件共享,仅限民政业务,接口,每月
            """)
        let items = try write(
            "data-items.csv",
            """
            信息资源代码,信息项名称,数据类型,数据长度
            101001/000009,登记日期,D,
            101001/000009,男方姓名,C,50

            """)
        let report = try await Importer(ledger: ledger.ledger, actor: .commandLine).run(files: [resources, items], dryRun: false)
        #expect(report.committed)
        let stored = try await ledger.records.fetch(CatalogResource.self, key: "101001/000009")
        #expect(stored.record.items.map(\.name) == ["登记日期", "男方姓名"] && stored.version == 2)
        let history = try await ledger.audit.entries(entity: "resource", key: "101001/000009")
        #expect(history.map(\.action) == ["update", "create"])
        #expect(history.first?.changes.first?.field == "items")
        #expect(try await ledger.search.find(SearchQuery(text: "男方姓名")).items.contains { $0.code == "101001/000009" })
        // The unit column, derived from the system's row, is set: the resource is listed under its unit.
        let listed = try await ledger.records.list(CatalogResource.self, filters: ["unit": Fixtures.uscc(1)])
        #expect(listed.items.contains { $0.record.code == "101001/000009" })
        #expect(try await ledger.audit.verify().isIntact)
    }
}
