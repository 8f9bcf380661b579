import Foundation
import Interchange
import LedgerCore
import LedgerTestSupport
import Testing

@testable import LedgerStore

@Suite("DCAT export and import")
struct DCATTests {
    let folder = try! Fixtures.temporaryDirectory()

    /// The seeded ledger plus a 不予共享 resource without a share method and one of every optional element.
    static func ledger() async throws -> Ledger {
        let ledger = try await Fixtures.seededLedger()
        var closed = Fixtures.resource(code: "103003/000002", name: "涉密宗地信息")
        closed.shareType = "不予共享"
        closed.shareCondition = "《中华人民共和国保守国家秘密法》"
        closed.shareMethod = nil
        closed.publishedOn = CivilDate("2025-03-01")
        closed.relatedCodes = ["103003/000001"]
        closed.records = 1200
        _ = try await ledger.records.create(closed, by: .commandLine)
        return ledger
    }

    @Test func theCatalogRoundTripsThroughJSONLD() async throws {
        let source = try await Self.ledger()
        let url = folder.appendingPathComponent("catalog.jsonld")
        try await DCAT.jsonLD(ledger: source, base: "https://ybz.invalid").write(to: url)
        let target = try Fixtures.ledger()
        _ = try await target.records.create(Fixtures.unit(), by: .commandLine)
        _ = try await target.records.create(Fixtures.project(), by: .commandLine)
        _ = try await target.records.create(Fixtures.system(projects: ["TZXM-2025-001"]), by: .commandLine)
        let report = try await Importer(ledger: target, actor: .commandLine).run(files: [url], dryRun: false)
        #expect(report.committed && report.issues.filter { $0.severity == .error }.isEmpty)
        let before = folder.appendingPathComponent("before.json")
        let after = folder.appendingPathComponent("after.json")
        try await Exporter(ledger: source).writeJSON(to: before)
        try await Exporter(ledger: target).writeJSON(to: after)
        #expect(try Data(contentsOf: before) == Data(contentsOf: after))
    }

    @Test func sharingAndUpdateCycleMapToTheEUVocabularies() async throws {
        let ledger = try await Self.ledger()
        let turtle = try await DCAT.turtle(ledger: ledger, base: "https://ybz.invalid")
        #expect(turtle.contains("<https://ybz.invalid/dataset/103003-000001> a dcat:Dataset"))
        #expect(turtle.contains("dct:accessRights <http://publications.europa.eu/resource/authority/access-right/RESTRICTED>"))
        #expect(turtle.contains("dct:accessRights <http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC>"))
        #expect(turtle.contains("dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/DAILY>"))
        #expect(turtle.contains("dct:publisher <https://ybz.invalid/organization/\(Fixtures.uscc(1))>"))
        #expect(turtle.components(separatedBy: "<https://ybz.invalid/organization/\(Fixtures.uscc(1))> a foaf:Organization").count == 2)  // once
        // Every distribution is reached through the dataset's page; no data service without an endpoint.
        #expect(turtle.contains("dcat:accessURL <https://ybz.invalid/dataset/103003-000001>") && !turtle.contains("dcat:DataService"))
        #expect(turtle.contains("dct:publisher <https://ybz.invalid/publisher>") && turtle.contains("\"滕州市大数据局\"@zh"))
    }

    /// A literal is tagged `zh` only when it is Chinese: a title in German is not.
    @Test func languageTagsAreTrue() async throws {
        let ledger = try await Fixtures.seededLedger()
        _ = try await ledger.records.create(Fixtures.resource(code: "103003/000002", name: "Grundbuchdaten"), by: .commandLine)
        let turtle = try await DCAT.turtle(ledger: ledger, base: "https://ybz.invalid")
        #expect(turtle.contains("dct:title \"Grundbuchdaten\" ;") || turtle.contains("dct:title \"Grundbuchdaten\" ."))
        #expect(!turtle.contains("\"Grundbuchdaten\"@zh"))
        #expect(turtle.contains("\"不动产登记信息\"@zh"))
    }

    /// A 资源格式类型 the EU file-type vocabulary has is written as its IRI; one it lacks (a database) is not written.
    @Test func formatsAreEUFileTypes() async throws {
        let ledger = try await Fixtures.seededLedger()
        var file = Fixtures.resource(code: "103003/000002", name: "登记年报")
        (file.format, file.formatType, file.shareMethod) = ("电子文件", "PDF", "文件")
        _ = try await ledger.records.create(file, by: .commandLine)
        let turtle = try await DCAT.turtle(ledger: ledger, base: "https://ybz.invalid")
        #expect(turtle.contains("dct:format <http://publications.europa.eu/resource/authority/file-type/PDF>"))
        #expect(turtle.components(separatedBy: "dct:format").count == 2)  // the MySQL resource has none
    }

    @Test func aDCATUSCatalogIsMappedWithAReportOfWhatHadNoPlace() async throws {
        let ledger = try await Fixtures.seededLedger()
        let url = folder.appendingPathComponent("data.json")
        try Data(
            """
            {"conformsTo": "https://project-open-data.cio.gov/v1.1/schema", "dataset": [
             {"title": "公共自行车站点", "description": "站点位置与车位数", "identifier": "https://data.example.gov/bike", "accessLevel": "public",
              "accrualPeriodicity": "R/P1W", "issued": "2024-05-01T00:00:00Z", "keyword": ["交通"], "landingPage": "https://data.example.gov/b",
              "distribution": [{"mediaType": "text/csv", "downloadURL": "https://data.example.gov/bike.csv"}]}]}
            """.utf8
        ).write(to: url)
        let refused = try await Importer(ledger: ledger, actor: .commandLine).run(files: [url], dryRun: false, dcat: DCATImport())
        #expect(!refused.committed)
        #expect(Set(refused.issues.filter { $0.severity == .error }.map(\.rule)) == ["dcat.code-missing", "dcat.system-missing"])
        let mapping = DCATImport(system: "TZ-SYS-001", classification: "103003")
        let report = try await Importer(ledger: ledger, actor: .commandLine).run(files: [url], dryRun: false, dcat: mapping)
        let unmapped = report.issues.filter { $0.rule == "dcat.unmapped" }.map(\.field).sorted()
        #expect(unmapped == ["dcat:keyword", "dcat:landingPage"])
        #expect(report.issues.contains { $0.rule == "dcat.code-assigned" && $0.message.contains("103003/000002") })
        let resource = try await ledger.records.fetch(CatalogResource.self, key: "103003/000002").record
        #expect(resource.name == "公共自行车站点" && resource.shareType == "无条件共享" && resource.updateCycle == "每周")
        #expect(resource.format == "电子表格" && resource.shareMethod == "文件" && resource.publishedOn == CivilDate("2024-05-01"))
        #expect(resource.systemCode == "TZ-SYS-001" && resource.openToPublic && resource.state == .draft)
    }
}
