import Foundation
import Interchange
import LedgerCore
import LedgerTestSupport
import Presentation
import Spreadsheet
import Testing
import ZIPFoundation

@testable import LedgerStore

/// Hostile and large input to the store and its importers: every refusal names its place, nothing traps, nothing is
/// half-written, nothing the source did not state is deleted (issue 13).
@Suite("Hardening: import and store")
struct HardeningTests {
    let folder = try! Fixtures.temporaryDirectory()

    func write(_ name: String, _ text: String) throws -> URL { try Fixtures.write(name, text, in: folder) }

    static let resourceHeader =
        "信息资源代码,信息资源名称,来源系统编号,信息资源摘要,"
        + "信息资源格式,共享类型,共享条件,共享方式,更新周期"

    @Test func amountsBeyondTheLimitAreRefusedNotTrapped() async throws {
        let ledger = try await Fixtures.seededLedger()
        for amount in ["100000000000000000", "-100000000000000000", "999999999999999999", "100000000000.01"] {
            let csv = try write(
                "projects.csv",
                """
                项目编号,项目名称,建设单位代码,项目类别,资金来源,批复金额（元）
                TZXM-2025-009,超大金额项目,\(Fixtures.uscc(1)),建设类,财政预算,\(amount)
                """)
            let report = try await Importer(ledger: ledger, actor: .commandLine).run(files: [csv], dryRun: false)
            #expect(!report.committed)
            #expect(report.issues.contains { $0.row == "2" && $0.field == "approvedAmount" && $0.severity == .error }, "\(amount)")
        }
        // The largest amount taken is written and summed without overflow.
        #expect(Money(checkedYuan: Money.limitYuan) != nil && Money(checkedYuan: Money.limitYuan + 1) == nil)
        let huge = Money(fen: Int64.max / 2)
        #expect(Money.total([huge, huge, huge]) == nil)
        #expect(Money(fen: 100_000_000_000_00).scaled(by: 366, over: 366).fen == 100_000_000_000_00)
    }

    @Test func datesFarFromTodayAreRefused() {
        #expect(CivilDate("9999-12-31") == nil && CivilDate("1899-12-31") == nil && CivilDate("2026-0001-01") == nil)
        #expect(CivilDate("2199-12-31") != nil)
    }

    @Test func aFieldOverItsLimitIsRefusedNamingIt() async throws {
        let ledger = try await Fixtures.seededLedger()
        var unit = Fixtures.unit(2)
        unit.name = String(repeating: "长", count: 10_000)
        let error = await #expect(throws: LedgerError.self) { try await ledger.records.create(unit, by: .commandLine) }
        #expect(error?.details.contains { $0.field == "name" && $0.rule == "field.max-length" } == true)
        var resource = Fixtures.resource(code: "103003/000009")
        resource.items = (0...FieldLimits.maxItems).map { DataItem(name: "项\($0)", type: "C", length: 10) }
        let items = await #expect(throws: LedgerError.self) { try await ledger.records.create(resource, by: .commandLine) }
        #expect(items?.details.contains { $0.field == "items" && $0.rule == "field.max-count" } == true)
        #expect(try await ledger.records.counts()["unit"] == 1)
    }

    @Test func theSameKeyTwiceInOneImportIsRefusedNamingBothRows() async throws {
        let ledger = try await Fixtures.seededLedger()
        let before = try await ledger.records.counts()
        let csv = try write(
            "resources.csv",
            """
            \(Self.resourceHeader)
            101001/000001,人口基本信息,TZ-SYS-001,人口,数据库,无条件共享,,接口,每日
            101001/000001,人口基本信息（第二次）,TZ-SYS-001,人口,数据库,无条件共享,,接口,每日
            """)
        let report = try await Importer(ledger: ledger, actor: .commandLine).run(files: [csv], dryRun: false)
        #expect(!report.committed)
        let duplicate = report.issues.first { $0.rule == "import.duplicate-key" }
        #expect(duplicate?.row == "3" && duplicate?.message.contains("resources.csv第2行") == true)
        #expect(try await ledger.records.counts() == before)
    }

    @Test func rowsWithMoreOrFewerCellsThanTheHeaderAreRefused() async throws {
        let ledger = try await Fixtures.seededLedger()
        let csv = try write(
            "resources.csv",
            """
            \(Self.resourceHeader)
            101001/000001,人口基本信息,TZ-SYS-001,人口,数据库,无条件共享,,接口,每日,多出来的
            101001/000002,婚姻登记信息,TZ-SYS-001,婚姻,数据库,无条件共享
            101001/000003,出生信息,TZ-SYS-001,出生,数据库,无条件共享,,接口,每日,,
            """)
        let report = try await Importer(ledger: ledger, actor: .commandLine).run(files: [csv], dryRun: true)
        #expect(report.issues.contains { $0.row == "2" && $0.rule == "row.extra-columns" })
        #expect(report.issues.contains { $0.row == "3" && $0.rule == "row.missing-columns" && $0.message.contains("只有6列") })
        #expect(!report.issues.contains { $0.row == "4" && $0.severity == .error })  // empty trailing cells are harmless
    }

    @Test func csvExportsNeutraliseFormulasAndImportThemBackUnchanged() async throws {
        let ledger = try await Fixtures.seededLedger()
        var resource = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001")
        resource.record.name = "=HYPERLINK(\"http://evil\",\"点我\")"
        resource.record.summary = "'=已经带引号"
        resource.record.items[0].description = "-1+1"
        _ = try await ledger.records.update(CatalogResource.self, id: resource.id, with: resource.record, expectedVersion: nil, by: .commandLine)
        let files = try await Exporter(ledger: ledger).writeCSV(to: folder)
        let text = try String(contentsOf: files.first { $0.lastPathComponent == "resources.csv" }!, encoding: .utf8)
        #expect(text.contains("\"'=HYPERLINK(\"\"http://evil\"\",\"\"点我\"\")\"") && text.contains("''=已经带引号"))
        #expect(!text.split(separator: ",").contains { $0.hasPrefix("=") || $0.hasPrefix("\"=") })
        let target = try Fixtures.ledger()
        let report = try await Importer(ledger: target, actor: .commandLine).run(files: files, dryRun: false)
        #expect(report.committed)
        let back = try await target.records.fetch(CatalogResource.self, key: "103003/000001").record
        #expect(back.name == resource.record.name && back.summary == "'=已经带引号" && back.items[0].description == "-1+1")
        #expect(CSVLine.restore(CSVLine.neutralize("@SUM(A1)")) == "@SUM(A1)" && CSVLine.neutralize("普通") == "普通")
    }

    @Test func aDryRunTakesNoWriteLock() async throws {
        let path = folder.appendingPathComponent("ledger.sqlite").path
        let ledger = Ledger(database: try AppDatabase.open(path: path), codes: Fixtures.codes)
        _ = try await ledger.records.create(Fixtures.unit(), by: .commandLine)
        _ = try await ledger.records.create(Fixtures.project(), by: .commandLine)
        _ = try await ledger.records.create(Fixtures.system(projects: ["TZXM-2025-001"]), by: .commandLine)
        // Another connection holds the write lock, as a second process's long import would.
        let other = try AppDatabase.open(path: path)
        let held = try await whileLocked(other) {
            let row = "101001/000001,人口基本信息,TZ-SYS-001,人口,数据库,无条件共享,,接口,每日"
            let csv = try write("resources.csv", "\(Self.resourceHeader)\n\(row)\n")
            return try await Importer(ledger: ledger, actor: .commandLine).run(files: [csv], dryRun: true)
        }
        #expect(held.rejectedRows == 0 && !held.committed && held.files.first?.created == 1)
    }

    @Test func loggingInDoesNotWaitForALedgerWrite() async throws {
        let path = folder.appendingPathComponent("ledger.sqlite").path
        let ledger = Ledger(database: try AppDatabase.open(path: path, busyTimeout: 1), codes: Fixtures.codes)
        let account = try await ledger.accounts.createAccount(
            username: "reviewer", displayName: "审核员", role: .reviewer, unitUSCC: nil,
            password: "a-long-password", cost: 4, by: .commandLine)
        // Another process holds the ledger's write lock, as a long import's write pass does; with a one-second busy
        // timeout, a session written to the ledger's file would fail.
        let other = try AppDatabase.open(path: path)
        let (secret, session) = try await whileLocked(other) {
            let opened = try await ledger.accounts.openSession(for: account)
            #expect(try await ledger.accounts.session(secret: opened.0)?.account.username == "reviewer")
            try await ledger.accounts.closeSession(secret: opened.0)
            return try await ledger.accounts.openSession(for: account)
        }
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("sessions.sqlite").path))
        #expect(try await ledger.accounts.session(secret: secret)?.csrf == session.csrf)
    }

    @Test func aDCATCatalogWithoutDataItemsDeletesNone() async throws {
        let ledger = try await Fixtures.seededLedger()
        let catalog = try write(
            "catalog.jsonld",
            """
            {"@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/", "ybz": "urn:yibenzhang:"},
             "@graph": [
               {"@id": "https://x.invalid/dataset/1", "@type": "dcat:Dataset", "dct:identifier": "103003/000001",
                "dct:title": "不动产登记信息（新名称）", "ybz:system": "TZ-SYS-001"}
             ]}
            """)
        let report = try await Importer(ledger: ledger, actor: .commandLine).run(files: [catalog], dryRun: false, dcat: DCATImport())
        #expect(report.committed)
        let resource = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001").record
        #expect(resource.name == "不动产登记信息（新名称）")
        #expect(resource.items.count == 2 && resource.shareCondition == "仅限履职使用" && resource.summary == Fixtures.resource().summary)
    }

    @Test func dataItemsStandingAsTheirOwnGraphNodesAreRead() async throws {
        let ledger = try await Fixtures.seededLedger()
        let catalog = try write(
            "catalog.jsonld",
            """
            [{"@id": "https://x.invalid/dataset/1", "@type": ["http://www.w3.org/ns/dcat#Dataset"],
              "http://purl.org/dc/terms/identifier": [{"@value": "103003/000001"}], "urn:yibenzhang:system": [{"@value": "TZ-SYS-001"}],
              "urn:yibenzhang:dataItem": [{"@id": "_:b1"}, {"@id": "_:b0"}]},
             {"@id": "_:b0", "urn:yibenzhang:seq": [{"@value": 1}], "urn:yibenzhang:name": [{"@value": "权证号"}],
              "urn:yibenzhang:dataType": [{"@value": "C"}], "urn:yibenzhang:length": [{"@value": 40}]},
             {"@id": "_:b1", "urn:yibenzhang:seq": [{"@value": 2}], "urn:yibenzhang:name": [{"@value": "登簿日期"}],
              "urn:yibenzhang:dataType": [{"@value": "D"}]}]
            """)
        let report = try await Importer(ledger: ledger, actor: .commandLine).run(files: [catalog], dryRun: false, dcat: DCATImport())
        #expect(report.committed)
        #expect(try await ledger.records.fetch(CatalogResource.self, key: "103003/000001").record.items.map(\.name) == ["权证号", "登簿日期"])
    }

    @Test func aCSVFileWithoutAColumnKeepsThatFieldOfStoredRecords() async throws {
        let ledger = try await Fixtures.seededLedger()
        let csv = try write(
            "resources.csv",
            """
            信息资源代码,信息资源名称,来源系统编号,信息资源摘要,信息资源格式,共享类型,共享方式,更新周期
            103003/000001,不动产登记信息,TZ-SYS-001,新摘要,数据库,有条件共享,接口,每日
            """)
        let report = try await Importer(ledger: ledger, actor: .commandLine).run(files: [csv], dryRun: false)
        #expect(report.committed)
        let resource = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001").record
        #expect(resource.summary == "新摘要" && resource.shareCondition == "仅限履职使用" && resource.items.count == 2)
    }

    @Test func aCorruptedAuditEntryIsNamedNotThrown() async throws {
        let ledger = try await Fixtures.seededLedger()
        try await ledger.sqlite.writer.write { db in
            try db.execute(sql: "DROP TRIGGER audit_entry_no_update")
            try db.execute(sql: "UPDATE audit_entry SET changes = '{not json' WHERE seq = 2")
            try db.execute(sql: "UPDATE audit_entry SET hash = x'ff00' WHERE seq = 3")
        }
        let result = try await ledger.audit.verify()
        #expect(!result.isIntact && result.entries == 4)
        #expect(result.problems.contains { $0.contains("记录 #2") && $0.contains("内容与其哈希不符") })
        #expect(result.problems.contains { $0.contains("第3条记录无法读取") })
    }

    @Test func searchWithControlCharactersIsAnsweredNotFailed() async throws {
        let ledger = try await Fixtures.seededLedger()
        let page = try await ledger.search.find(SearchQuery(text: "\u{0}不动产\u{0}"))
        #expect(page.items.contains { $0.code == "103003/000001" })
        await #expect(throws: LedgerError.self) { try await ledger.search.find(SearchQuery(text: "\u{0}")) }
        await #expect(throws: LedgerError.self) { try await ledger.search.find(SearchQuery(text: String(repeating: "字", count: 201))) }
    }
}

@Suite("Hardening: workbooks")
struct WorkbookHardeningTests {
    /// A workbook whose one sheet part is `bytes` of one repeated byte: a ZIP bomb when large.
    static func bomb(_ bytes: Int) throws -> Data {
        let archive = try Archive(accessMode: .create)
        let chunk = Data(repeating: 0x20, count: 1 << 20)
        try archive.addEntry(with: "xl/workbook.xml", type: .file, uncompressedSize: Int64(bytes), compressionMethod: .deflate) { position, size in
            position == 0 ? Data("<workbook>".utf8) + chunk.prefix(size - 10) : chunk.prefix(size)
        }
        return archive.data!
    }

    @Test func aZipBombIsRefusedBeforeItsMemoryIsSpent() throws {
        let data = try Self.bomb(400 << 20)  // 400 MB of spaces, about 400 KB compressed
        #expect(data.count < 1 << 20)
        let started = Date()
        let error = #expect(throws: LedgerError.self) { try XLSXReader.read(data, file: "bomb.xlsx") }
        #expect(error?.kind == .tooLarge && error?.message.contains("压缩炸弹") == true)
        #expect(Date().timeIntervalSince(started) < 30)  // refused at the ratio check, after about 1 MB inflated
        var tight = XLSXReader.Limits()
        tight.ratio = 100_000
        tight.partBytes = 2 << 20
        #expect(throws: LedgerError.self) { try XLSXReader.read(try Self.bomb(3 << 20), file: "big.xlsx", limits: tight) }
    }

    @Test func aSheetOverTenMegabytesReadsBackWithCarriageReturns() throws {
        var rows = [["编号", "名称", "说明"]]
        for index in 0..<60_000 {
            let name = "第\(index)条信息资源的名称，足够长以使工作表超过十兆字节"
            rows.append(["\(index)", name, "第一行\r\n第二行_x0041_ \(index)"])
        }
        let data = try XLSXWriter.data(Workbook(sheets: [Sheet(name: "信息资源", rows: rows)]))
        let book = try XLSXReader.read(data, file: "big.xlsx")
        #expect(book.sheets[0].rows.count == rows.count)
        #expect(book.sheets[0].rows[59_999] == rows[59_999])
        #expect(book.sheets[0].rows[1][2] == "第一行\r\n第二行_x0041_ 0")
    }

    @Test func referencesBeyondExcelsGridAreRefusedNotAllocated() throws {
        let archive = try Archive(accessMode: .create)
        let parts = [
            ("xl/workbook.xml", #"<workbook><sheets><sheet name="a" r:id="rId1" xmlns:r="r"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", #"<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>"#),
            (
                "xl/worksheets/sheet1.xml",
                #"<worksheet><sheetData><row r="2000000000">"#
                    + #"<c r="ZZZZZZZZZZZZZZ1" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#
            )
        ]
        for (path, text) in parts {
            let bytes = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        let error = #expect(throws: LedgerError.self) { try XLSXReader.read(archive.data!, file: "grid.xlsx") }
        #expect(error?.message.contains("超出 Excel 的范围") == true)
    }
}

/// Runs `body` while another connection holds the database's write lock (BEGIN IMMEDIATE on a thread of its own).
func whileLocked<T: Sendable>(_ other: AppDatabase, _ body: () async throws -> T) async throws -> T {
    let locked = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)
    let thread = Thread {
        try? other.writer.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS lock_holder (x)")
            locked.signal()
            release.wait()
            try db.execute(sql: "ROLLBACK")
        }
    }
    thread.start()
    locked.wait()
    defer { release.signal() }
    return try await body()
}
