import Foundation
import Interchange
import LedgerCore
import LedgerStore
import LedgerTestSupport
import Spreadsheet
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `text` encoded as GB18030, the way Excel on Chinese Windows saves CSV.
func gb18030(_ text: String) throws -> Data {
    let descriptor = iconv_open("GB18030", "UTF-8")
    defer { iconv_close(descriptor) }
    var input = Array(text.utf8)
    var output = [UInt8](repeating: 0, count: input.count * 2 + 4)
    let produced = input.withUnsafeMutableBufferPointer { src in
        output.withUnsafeMutableBufferPointer { dst in
            var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(src.baseAddress!).assumingMemoryBound(to: CChar.self)
            var inLeft = src.count
            var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(dst.baseAddress!).assumingMemoryBound(to: CChar.self)
            var outLeft = dst.count
            _ = iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
            return dst.count - outLeft
        }
    }
    return Data(output[..<produced])
}

@Suite("Import and export")
struct InterchangeTests {
    let folder = try! Fixtures.temporaryDirectory()

    func write(_ name: String, _ text: String) throws -> URL { try Fixtures.write(name, text, in: folder) }

    var unitsCSV: String {
        """
        统一社会信用代码,单位名称,单位类型,所属区域
        \(Fixtures.uscc(1)),滕州市自然资源局,行政机关,市直
        \(Fixtures.uscc(2)),"滕州市龙泉街道办事处",行政机关,龙泉街道

        """
    }

    @Test func importsUTF8WithAndWithoutBOM() async throws {
        let ledger = try Fixtures.ledger()
        let plain = try write("units.csv", unitsCSV)
        let bom = folder.appendingPathComponent("bom.csv")
        try (Data([0xEF, 0xBB, 0xBF]) + Data(unitsCSV.replacingOccurrences(of: "自然资源局", with: "自然资源和规划局").utf8)).write(to: bom)
        let first = try await Importer(ledger: ledger, actor: .commandLine).run(files: [plain], dryRun: false)
        #expect(first.committed)
        #expect(first.files[0].encoding == "UTF-8")
        #expect(first.files[0].created == 2)
        let second = try await Importer(ledger: ledger, actor: .commandLine).run(files: [bom], dryRun: false)
        #expect(second.files[0].encoding == "UTF-8 (BOM)")
        #expect(second.files[0].updated == 1)
        #expect(second.files[0].unchanged == 1)
        #expect(try await ledger.records.fetch(GovUnit.self, key: Fixtures.uscc(1)).record.name == "滕州市自然资源和规划局")
    }

    @Test func detectsGB18030() async throws {
        let ledger = try Fixtures.ledger()
        let url = folder.appendingPathComponent("gbk.csv")
        try gb18030(unitsCSV).write(to: url)
        let report = try await Importer(ledger: ledger, actor: .commandLine).run(files: [url], dryRun: false)
        #expect(report.files[0].encoding == "GB18030")
        #expect(report.committed)
        #expect(try await ledger.records.fetch(GovUnit.self, key: Fixtures.uscc(2)).record.region == "龙泉街道")
    }

    @Test(arguments: TestStore.available) func badRowsRefuseTheWholeImportAndNameFileRowFieldRule(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        let before = try await ledger.records.counts()
        let csv = try write(
            "resources.csv",
            """
            信息资源代码,信息资源名称,来源系统编号,信息资源摘要,信息资源格式,共享类型,共享条件,共享方式,更新周期,结构化记录总数
            101001/000001,人口基本信息,TZ-SYS-001,户籍人口基本信息,数据库,无条件共享,,接口,每日,100
            101001/000002,婚姻登记信息,TZ-SYS-001,婚姻登记,数据库,有条件共享,,接口,每日,100
            101001/000003,出生信息,TZ-SYS-404,出生医学证明,数据库,无条件共享,,接口,每日,很多

            """)
        let report = try await Importer(ledger: ledger, actor: .commandLine).run(files: [csv], dryRun: false)
        #expect(!report.committed)
        #expect(report.files[0].rows == 3)
        #expect(report.files[0].rejected == 2)
        let errors = report.issues.filter { $0.severity == .error }
        #expect(errors.contains { $0.row == "3" && $0.field == "shareCondition" && $0.rule == "share.condition-required" })
        #expect(errors.contains { $0.row == "4" && $0.field == "records" && $0.column == "结构化记录总数" && $0.rule == "cell.integer" })
        #expect(errors.first { $0.rule == "share.condition-required" }?.line.hasPrefix("resources.csv:3 共享条件(shareCondition)=（空）") == true)
        #expect(try await ledger.records.counts() == before)
    }

    @Test(arguments: TestStore.available) func quotedCellsMayHoldCommasQuotesAndLineBreaks(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        let csv = try write(
            "resources.csv",
            """
            信息资源代码,信息资源名称,来源系统编号,信息资源摘要,信息资源格式,共享类型,共享条件,共享方式,更新周期
            101001/000001,人口基本信息,TZ-SYS-001,"户籍人口,含""流动人口""
            第二行",数据库,无条件共享,,接口,每日
            101001/000002,婚姻登记信息,TZ-SYS-001,婚姻登记,数据库,无条件共享,,接口,每日

            """)
        let report = try await Importer(ledger: ledger, actor: .commandLine).run(files: [csv], dryRun: false)
        #expect(report.committed)
        let summary = try await ledger.records.fetch(CatalogResource.self, key: "101001/000001").record.summary
        #expect(summary == "户籍人口,含\"流动人口\"\n第二行")
        #expect(report.issues.contains { $0.row == "4" && $0.rule == "items.required" })
    }

    @Test(arguments: TestStore.available) func csvUpdatesKeepDataItemsAndWorkflowState(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        let id = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001").id
        _ = try await ledger.records.transition(resourceID: id, .submit, reason: nil, expectedVersion: nil, by: .commandLine)
        let csv = try write(
            "resources.csv",
            """
            信息资源代码,信息资源名称,来源系统编号,信息资源摘要,信息资源格式,共享类型,共享条件,共享方式,更新周期
            103003/000001,不动产登记信息,TZ-SYS-001,更新后的摘要,数据库,有条件共享,仅限履职使用,接口,每周

            """)
        let report = try await Importer(ledger: ledger, actor: .commandLine).run(files: [csv], dryRun: false)
        #expect(report.files[0].updated == 1)
        let stored = try await ledger.records.fetch(CatalogResource.self, id: id)
        #expect(stored.record.updateCycle == "每周")
        #expect(stored.record.state == .pendingReview)
        #expect(stored.record.items.count == 2)
    }

    /// Art. 27: an import moves no resource through the workflow unless its actor may approve. A data officer's row
    /// saying 已发布 registers a new resource as 待提交 and leaves a stored one's state as it is, and the preview says
    /// so; the administrator's import (a migration) keeps the state it gives; a resource already offline is refused.
    @Test func anOfficersImportCannotPublishOrMoveAResourceThroughTheWorkflow() async throws {
        let ledger = try await Fixtures.seededLedger()
        let officer = Actor(username: "wangmin", role: .dataOfficer, unitUSCC: Fixtures.uscc(1))
        let header =
            "信息资源代码,信息资源名称,来源系统编号,信息资源摘要,信息资源格式,共享类型,共享条件,共"
            + "享方式,更新周期,目录状态"
        let csv = try write(
            "resources.csv",
            """
            \(header)
            103003/000001,不动产登记信息,TZ-SYS-001,改过的摘要,数据库,有条件共享,仅限履职使用,接口,每日,已发布
            103003/000009,新登记的资源,TZ-SYS-001,摘要,数据库,无条件共享,,接口,每日,已发布

            """)
        let preview = try await Importer(ledger: ledger, actor: officer).run(files: [csv], dryRun: true, unit: Fixtures.uscc(1))
        let held = preview.issues.filter { $0.rule == "state.workflow" }
        #expect(held.map(\.row) == ["2", "3"])
        #expect(held.allSatisfy { $0.severity == .warning && $0.message.contains("本行导入后为“待提交”") })
        #expect(preview.rejectedRows == 0)
        let report = try await Importer(ledger: ledger, actor: officer).run(files: [csv], dryRun: false, unit: Fixtures.uscc(1))
        #expect(report.committed)
        #expect(try await ledger.records.fetch(CatalogResource.self, key: "103003/000009").record.state == .draft)
        let existing = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001").record
        #expect(existing.state == .draft && existing.summary == "改过的摘要")

        let admin = try await Importer(ledger: ledger, actor: .commandLine).run(files: [csv], dryRun: false)
        #expect(admin.committed && admin.issues.filter { $0.rule == "state.workflow" }.isEmpty)
        #expect(try await ledger.records.fetch(CatalogResource.self, key: "103003/000009").record.state == .published)

        let id = try await ledger.records.fetch(CatalogResource.self, key: "103003/000009").id
        _ = try await ledger.records.transition(resourceID: id, .takeOffline, reason: nil, expectedVersion: nil, by: .commandLine)
        let refused = try await Importer(ledger: ledger, actor: officer).run(files: [csv], dryRun: false, unit: Fixtures.uscc(1))
        #expect(!refused.committed)
        #expect(refused.issues.contains { $0.rule == "state.editable" && $0.row == "3" })
    }

    @Test(arguments: TestStore.available) func dryRunWritesNothing(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store)
        defer { test.close() }
        let ledger = test.ledger
        let report = try await Importer(ledger: ledger, actor: .commandLine).run(files: [try write("units.csv", unitsCSV)], dryRun: true)
        #expect(report.rejectedRows == 0)
        #expect(!report.committed)
        #expect(try await ledger.records.counts()["unit"] == 0)
    }

    @Test func demoLedgerRoundTripsThroughJSONAndCSV() async throws {
        let source = try Fixtures.ledger()
        let report = try await Importer(ledger: source, actor: .commandLine).run(files: [Fixtures.catalog.demoURL], dryRun: false)
        #expect(report.committed)
        #expect(try await source.records.counts()["resource"]! >= 600)
        let first = folder.appendingPathComponent("first.json")
        try await Exporter(ledger: source).writeJSON(to: first)

        let viaJSON = try Fixtures.ledger()
        #expect(try await Importer(ledger: viaJSON, actor: .commandLine).run(files: [first], dryRun: false).committed)
        let second = folder.appendingPathComponent("second.json")
        try await Exporter(ledger: viaJSON).writeJSON(to: second)
        #expect(try Data(contentsOf: first) == Data(contentsOf: second))

        let csvFiles = try await Exporter(ledger: source).writeCSV(to: folder.appendingPathComponent("csv"))
        let viaCSV = try Fixtures.ledger()
        #expect(try await Importer(ledger: viaCSV, actor: .commandLine).run(files: csvFiles.reversed(), dryRun: false).committed)
        let third = folder.appendingPathComponent("third.json")
        try await Exporter(ledger: viaCSV).writeJSON(to: third)
        #expect(try Data(contentsOf: first) == Data(contentsOf: third))
        #expect(try await viaCSV.records.counts() == source.records.counts())
        let itemSearch = SearchQuery(text: "公民身份号码", kind: .resource)
        #expect(try await viaCSV.search.find(itemSearch).total == source.search.find(itemSearch).total)
        #expect(try await viaCSV.search.find(itemSearch).total > 0)

        let workbook = folder.appendingPathComponent("ledger.xlsx")
        try await Exporter(ledger: source).xlsxData().write(to: workbook)
        let viaXLSX = try Fixtures.ledger()
        #expect(try await Importer(ledger: viaXLSX, actor: .commandLine).run(files: [workbook], dryRun: false).committed)
        let fourth = folder.appendingPathComponent("fourth.json")
        try await Exporter(ledger: viaXLSX).writeJSON(to: fourth)
        #expect(try Data(contentsOf: first) == Data(contentsOf: fourth))
    }

    /// The demo ledger imported into either store is the same ledger: the same export byte for byte, the same counts,
    /// audit entries and search hits; its CSV export imports into PostgreSQL as it does into SQLite, data items included.
    @Test(.enabled(if: TestPostgres.url != nil)) func theDemoImportsAlikeIntoBothStores() async throws {
        let (sqlite, postgres) = (try await TestLedger.make(on: .sqlite), try await TestLedger.make(on: .postgres))
        defer { postgres.close() }
        var exports: [Data] = []
        for test in [sqlite, postgres] {
            let report = try await Importer(ledger: test.ledger, actor: .commandLine).run(files: [Fixtures.catalog.demoURL], dryRun: false)
            #expect(report.committed && report.rejectedRows == 0)
            let file = folder.appendingPathComponent("demo-\(exports.count).json")
            try await Exporter(ledger: test.ledger).writeJSON(to: file)
            exports.append(try Data(contentsOf: file))
        }
        #expect(exports[0] == exports[1])
        #expect(try await sqlite.records.counts() == postgres.records.counts())
        #expect(try await sqlite.audit.verify().entries == postgres.audit.verify().entries)
        for text in ["公民身份号码", "不动产", "证"] {
            let query = SearchQuery(text: text)
            #expect(try await sqlite.search.find(query).items.map(\.code) == postgres.search.find(query).items.map(\.code))
        }
        let csvFiles = try await Exporter(ledger: postgres.ledger).writeCSV(to: folder.appendingPathComponent("pg-csv"))
        let again = try await TestLedger.make(on: .postgres)
        defer { again.close() }
        #expect(try await Importer(ledger: again.ledger, actor: .commandLine).run(files: csvFiles.reversed(), dryRun: false).committed)
        let viaCSV = folder.appendingPathComponent("pg-csv.json")
        try await Exporter(ledger: again.ledger).writeJSON(to: viaCSV)
        #expect(try Data(contentsOf: viaCSV) == exports[0])
        let itemSearch = SearchQuery(text: "公民身份号码", kind: .resource)
        #expect(try await again.search.find(itemSearch).total == sqlite.search.find(itemSearch).total)
        // A second import of the same files changes nothing: every record unchanged, and no audit entry (items included).
        let entries = try await again.audit.verify().entries
        let repeated = try await Importer(ledger: again.ledger, actor: .commandLine).run(files: csvFiles, dryRun: false)
        #expect(repeated.committed && repeated.files.filter { $0.kind != "data-items" }.allSatisfy { $0.created + $0.updated == 0 })
        #expect(try await again.audit.verify().entries == entries)
    }

    @Test func theExcelTemplateHasEveryKindWithDropDownsAndImportsAsNothing() async throws {
        let ledger = try await Fixtures.seededLedger()
        let data = try await Exporter(ledger: ledger).xlsxData(template: true)
        let book = try XLSXReader.read(data, file: "模板.xlsx")
        #expect(book.sheets.map(\.name) == ["建设单位", "项目", "政务信息系统", "信息资源", "信息项", "代码表"])
        #expect(
            book["信息资源"]?.rows == [
                [
                    "信息资源代码", "信息资源名称", "来源系统编号", "信息资源摘要", "信息资源格式", "格式类型",
                    "共享类型", "共享条件", "共享方式", "是否向社会开放", "开放类型", "开放条件", "更新周期",
                    "发布日期", "关联资源代码", "数据存储总量MB", "结构化记录总数", "已共享记录数", "已开放记录数",
                    "目录状态", "退回原因"
                ]
            ])
        let codes = try #require(book["代码表"])
        let shareTypes = try #require(codes.rows[0].firstIndex(of: "共享类型"))
        #expect(codes.rows.dropFirst().map { $0.count > shareTypes ? $0[shareTypes] : "" }.filter { !$0.isEmpty } == ["无条件共享", "有条件共享", "不予共享"])
        // Every allowed code is there to look up: each classification with its names, each data type with its name.
        func column(_ header: String) -> [String] {
            guard let index = codes.rows[0].firstIndex(where: { $0.hasPrefix(header) }) else { return [] }
            return codes.rows.dropFirst().map { $0.count > index ? $0[index] : "" }.filter { !$0.isEmpty }
        }
        #expect(
            column("信息资源分类").count == ledger.codes.classificationSubjects.count
                && column("信息资源分类").contains(
                    "101001 "
                        + "基础信息资源/人口/人口基本信息")
        )
        #expect(column("数据类型（代码 名称）").contains("C 字符型") && column("应用类别").count == ledger.codes.appCategories.count)
        let url = folder.appendingPathComponent("模板.xlsx")
        try data.write(to: url)
        let report = try await Importer(ledger: ledger, actor: .commandLine).run(files: [url], dryRun: false)
        #expect(report.committed && report.totalRows == 0 && report.files.count == 5 && report.issues.isEmpty)
    }

    @Test(arguments: TestStore.available) func anImportLimitedToOneUnitRefusesOtherUnitsRecords(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        _ = try await ledger.records.create(Fixtures.unit(2, name: "滕州市民政局"), by: .commandLine)
        _ = try await ledger.records.create(Fixtures.system(code: "TZ-SYS-002", unit: Fixtures.uscc(2)), by: .commandLine)
        let systems = try write(
            "systems.csv",
            """
            系统编号,系统名称,建设单位代码,系统状态,应用类别
            TZ-SYS-001,改名的平台,\(Fixtures.uscc(1)),运行,政务服务类
            TZ-SYS-002,别人的平台,\(Fixtures.uscc(1)),运行,政务服务类
            TZ-SYS-003,新平台,\(Fixtures.uscc(2)),运行,政务服务类

            """)
        let items = try write("data-items.csv", "信息资源代码,信息项名称,数据类型,数据长度\n103003/000001,证号,C,20\n")
        let report = try await Importer(ledger: ledger, actor: .commandLine).run(files: [systems, items], dryRun: false, unit: Fixtures.uscc(2))
        #expect(!report.committed)
        let refused = report.issues.filter { $0.rule == "import.own-unit" }.map { "\($0.file):\($0.row)" }
        #expect(refused == ["systems.csv:2", "systems.csv:3", "data-items.csv:2"])
        #expect(report.issues.filter { $0.severity == .error }.count == 3)  // TZ-SYS-003 of the unit itself is fine
        #expect(try await ledger.records.fetch(InfoSystem.self, key: "TZ-SYS-001").record.name == "滕州市不动产登记信息管理平台")
    }

    @Test func exportsOneSystemWithWhatItNeeds() async throws {
        let ledger = try await Fixtures.seededLedger()
        _ = try await ledger.records.create(Fixtures.unit(2, name: "滕州市民政局"), by: .commandLine)
        let url = folder.appendingPathComponent("system.json")
        try await Exporter(ledger: ledger, scope: .system("TZ-SYS-001")).writeJSON(to: url)
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        #expect((document["units"] as! [Any]).count == 1)
        #expect((document["projects"] as! [Any]).count == 1)
        #expect((document["resources"] as! [[String: Any]])[0]["items"] as? [Any] != nil)
    }

    @Test func jsonRowsAreNamedByIndexAndKey() async throws {
        let ledger = try await Fixtures.seededLedger()
        let url = try write(
            "catalog.json",
            """
            {"resources": [{"code": "101001/000001", "name": "人口基本信息", "systemCode": "TZ-SYS-001", "summary": "户籍人口",
              "format": "数据库", "shareType": "不予共享", "updateCycle": "每日", "items": [{"name": "姓名", "type": "C"}]}]}
            """)
        let report = try await Importer(ledger: ledger, actor: .commandLine).run(files: [url], dryRun: false)
        let rows = report.issues.filter { $0.severity == .error }.map { "\($0.row) \($0.field) \($0.rule)" }
        #expect(
            rows == [
                "resources[0] 101001/000001 shareCondition share.condition-required",
                "resources[0] 101001/000001 items[0].length item.length-required"
            ])
    }

    @Test func utf16FilesAreRefusedWithAdvice() async throws {
        let ledger = try Fixtures.ledger()
        let url = folder.appendingPathComponent("utf16.csv")
        try (Data([0xFF, 0xFE]) + unitsCSV.data(using: .utf16LittleEndian)!).write(to: url)
        let error = await #expect(throws: LedgerError.self) {
            try await Importer(ledger: ledger, actor: .commandLine).run(files: [url], dryRun: false)
        }
        #expect(error?.message.contains("UTF-16") == true)
    }

    @Test func unknownFilesAreRefusedWithTheirName() async throws {
        let ledger = try Fixtures.ledger()
        let url = try write("notes.csv", "标题,内容\n一,二\n")
        let error = await #expect(throws: LedgerError.self) {
            try await Importer(ledger: ledger, actor: .commandLine).run(files: [url], dryRun: false)
        }
        #expect(error?.message.contains("notes.csv") == true)
    }
}
