import Foundation
import Interchange
import LedgerCore
import LedgerTestSupport
import Logging
import Testing

@testable import LedgerStore
@testable import Services

/// Harvest sources (issue 17): a run takes in every dataset that passes and reports each other one; a dataset keeps
/// its code from run to run, is not written again when unchanged, never loses what the source does not state, and is
/// taken offline through the workflow when its source drops it.
@Suite("Harvest: sources, runs and reports")
struct HarvestTests {
    let folder = try! Fixtures.temporaryDirectory()

    /// A DCAT-US `data.json` as a GIS portal writes one: a string `@context`, web pages and APIs before the files,
    /// HTML descriptions, no periodicity, a dataset without a title and one given twice.
    static func catalog(title: String = "Bus stops", dropping: String? = nil) -> String {
        let datasets = [
            """
            {"@type": "dcat:Dataset", "identifier": "https://gis.example.org/datasets/a1f3_0", "title": "\(title)",
             "description": "<p>Stops of every <b>bus</b> line &amp; their shelters.</p><ul><li>Updated by the transit office</li></ul>",
             "keyword": ["transit", "公交"], "modified": "2026-10-01", "issued": "2024-03-05T00:00:00.000Z",
             "publisher": {"@type": "org:Organization", "name": "City Transit Office"},
             "contactPoint": {"@type": "vcard:Contact", "fn": "GIS Team", "hasEmail": "mailto:gis@example.org"},
             "accessLevel": "public", "license": "https://creativecommons.org/licenses/by/4.0/",
             "spatial": "116.9,34.9,117.4,35.3", "temporal": "2024-01-01/2026-12-31",
             "landingPage": "https://gis.example.org/datasets/a1f3_0",
             "theme": ["transport"],
             "distribution": [
               {"@type": "dcat:Distribution", "title": "Web page", "format": "Web page", "mediaType": "text/html",
                "accessURL": "https://gis.example.org/datasets/a1f3_0"},
               {"@type": "dcat:Distribution", "title": "ArcGIS GeoService", "format": "ArcGIS GeoServices REST API",
                "accessURL": "https://services.example.org/arcgis/rest/services/stops/FeatureServer/0"},
               {"@type": "dcat:Distribution", "title": "CSV", "format": "CSV", "mediaType": "text/csv",
                "accessURL": "https://gis.example.org/api/download/v1/items/a1f3/csv"},
               {"@type": "dcat:Distribution", "title": "GeoJSON", "format": "GeoJSON", "mediaType": "application/vnd.geo+json",
                "accessURL": "https://gis.example.org/api/download/v1/items/a1f3/geojson"}
             ]}
            """,
            """
            {"@type": "dcat:Dataset", "identifier": "{7C1E0D2B-5A44-4C7B-9E1A-3B2F6D8E9A10}", "title": "Parcels 2026",
             "description": "Land parcels of the county.", "keyword": ["parcels"], "accrualPeriodicity": "R/P1M",
             "publisher": {"name": "Land Office"}, "accessLevel": "public",
             "distribution": [{"@type": "dcat:Distribution", "downloadURL": "https://data.example.org/parcels.csv", "mediaType": "text/csv"}]}
            """,
            """
            {"@type": "dcat:Dataset", "identifier": "no-title-1", "description": "A dataset without a title.",
             "accessLevel": "public", "distribution": [{"downloadURL": "https://data.example.org/x.csv", "format": "CSV"}]}
            """,
            """
            {"@type": "dcat:Dataset", "identifier": "{7C1E0D2B-5A44-4C7B-9E1A-3B2F6D8E9A10}", "title": "Parcels again",
             "description": "The same identifier a second time.", "accessLevel": "public"}
            """
        ].filter { dropping == nil || !$0.contains(dropping!) }
        return """
            {"@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld", "@type": "dcat:Catalog",
             "conformsTo": "https://project-open-data.cio.gov/v1.1/schema", "dataset": [\(datasets.joined(separator: ",\n"))]}
            """
    }

    func source(_ ledger: Ledger, file: URL) async throws -> HarvestSource {
        try await ledger.harvests.addSource(
            HarvestSource(
                name: "gis", location: file.path, kind: .dcat,
                profile: HarvestProfile(
                    system: "TZ-SYS-001", classification: "103003", updateCycle: "每季度",
                    formats: ["GEOJSON": "自描述格式"], licences: ["creativecommons.org/licenses/by": "无条件开放"])), by: .commandLine)
    }

    @Test func aRunTakesInWhatPassesAndReportsTheRest() async throws {
        let ledger = try await Fixtures.seededLedger()
        let file = folder.appendingPathComponent("data.json")
        try Self.catalog().write(to: file, atomically: true, encoding: .utf8)
        _ = try await source(ledger, file: file)
        let service = HarvestService(ledger: ledger)
        let first = try await service.run("gis", by: .commandLine)
        #expect(first.state == "done" && first.count(.accepted) == 2 && first.count(.refused) == 2)
        let byIdentifier = Dictionary(uniqueKeysWithValues: first.report.map { ($0.identifier + $0.title, $0) })
        let untitled = try #require(byIdentifier["no-title-1"])
        #expect(untitled.result == .refused && untitled.reasons.contains { $0.contains("dct:title") && $0.contains("信息资源名称必填") })
        #expect(first.report.contains { $0.result == .refused && $0.reasons == ["与前面的数据集标识重复"] })

        // The code is assigned under the profile's classification; the CSV (not the web page or the API) gives the
        // format and a file share method; the licence opens it; what the source says beyond the catalog is kept.
        let stops = try await ledger.records.fetch(
            CatalogResource.self, key: try #require(byIdentifier["https://gis.example.org/datasets/a1f3_0Bus stops"]?.code))
        #expect(stops.record.format == "电子表格" && stops.record.formatType == "CSV" && stops.record.shareMethod == "文件")
        #expect(stops.record.updateCycle == "每季度" && stops.record.shareType == "无条件共享" && stops.record.openType == "无条件开放")
        #expect(stops.record.summary == "Stops of every bus line & their shelters.\nUpdated by the transit office")
        #expect(stops.record.state == .draft)
        let origin = try #require(stops.record.origin)
        #expect(origin.source == "gis" && origin.publisher == "City Transit Office" && origin.keywords == ["transit", "公交"])
        #expect(origin.contactPoint == "GIS Team gis@example.org" && origin.temporal == "2024-01-01/2026-12-31")
        #expect(origin.license == "https://creativecommons.org/licenses/by/4.0/" && origin.spatial == "116.9,34.9,117.4,35.3")
        #expect(origin.distributions.count == 4 && origin.distributions[2].accessURL?.hasSuffix("/csv") == true)
        #expect(origin.description?.hasPrefix("<p>Stops") == true)
        let parcels = try await ledger.records.fetch(CatalogResource.self, key: try #require(first.report.first { $0.title == "Parcels 2026" }?.code))
        #expect(parcels.record.updateCycle == "每月" && parcels.record.origin?.description == nil)

        // The same source again: nothing new, nothing written.
        let resources = try await ledger.records.counts()["resource"]
        let second = try await service.run("gis", by: .commandLine)
        #expect(second.count(.unchanged) == 2 && second.count(.accepted) == 0 && second.count(.updated) == 0)
        #expect(try await ledger.records.counts()["resource"] == resources)

        // Data items added here survive an update from the source, which does not state them.
        var edited = stops.record
        edited.items = [DataItem(name: "站点编号", type: "C", length: 20)]
        _ = try await ledger.records.update(CatalogResource.self, id: stops.id, with: edited, expectedVersion: nil, by: .commandLine)
        try Self.catalog(title: "Bus stops and shelters").write(to: file, atomically: true, encoding: .utf8)
        let third = try await service.run("gis", by: .commandLine)
        #expect(third.count(.updated) == 1 && third.count(.unchanged) == 1 && third.count(.accepted) == 0)
        let updated = try await ledger.records.fetch(CatalogResource.self, id: stops.id)
        #expect(updated.record.name == "Bus stops and shelters" && updated.record.items.map(\.name) == ["站点编号"])
        #expect(updated.record.code == stops.record.code)

        // Published, then dropped by the source: taken offline through the workflow (下线中), not deleted.
        for action in [CatalogTransition.submit, .approve] {
            _ = try await ledger.records.transition(resourceID: stops.id, action, reason: nil, expectedVersion: nil, by: .commandLine)
        }
        try Self.catalog(dropping: "a1f3_0").write(to: file, atomically: true, encoding: .utf8)
        let fourth = try await service.run("gis", by: .commandLine)
        #expect(fourth.count(.withdrawn) == 1)
        #expect(try await ledger.records.fetch(CatalogResource.self, id: stops.id).record.state == .goingOffline)
        #expect(fourth.report.first { $0.result == .withdrawn }?.reasons == ["已申请下线（下线中），待管理员确认"])
        // Reported once: the next run does not withdraw it again.
        #expect(try await service.run("gis", by: .commandLine).count(.withdrawn) == 0)
        #expect(try await ledger.harvests.runs(source: nil, limit: 10).count == 5)
    }

    @Test func aSourceCannotOverwriteAResourceRegisteredHere() async throws {
        let ledger = try await Fixtures.seededLedger()
        let file = folder.appendingPathComponent("ours.json")
        // A dataset whose identifier is the code of the seeded resource.
        try """
        {"dataset": [{"identifier": "103003/000001", "title": "Someone else's", "description": "x", "accessLevel": "public",
         "distribution": [{"downloadURL": "https://data.example.org/x.csv", "format": "CSV"}]}]}
        """.write(to: file, atomically: true, encoding: .utf8)
        // Numbered here (the default): a code of its own.
        _ = try await source(ledger, file: file)
        let numbered = try await HarvestService(ledger: ledger).run("gis", by: .commandLine)
        #expect(numbered.count(.accepted) == 1 && numbered.report.first?.code == "103003/000002")
        // Told to keep the source's codes: refused, since the code is registered here.
        _ = try await ledger.harvests.addSource(
            HarvestSource(
                name: "keeps", location: file.path, kind: .dcat,
                profile: HarvestProfile(system: "TZ-SYS-001", classification: "103003", updateCycle: "每月", keepCodes: true)),
            by: .commandLine)
        let kept = try await HarvestService(ledger: ledger).run("keeps", by: .commandLine)
        #expect(kept.count(.refused) == 1 && kept.report.first?.reasons.first?.contains("已被本地登记的资源使用") == true)
        #expect(try await ledger.records.fetch(CatalogResource.self, key: "103003/000001").record.name == "不动产登记信息")
    }

    @Test func aSourceThatCannotBeReadFailsItsRunAndSaysWhy() async throws {
        let ledger = try await Fixtures.seededLedger()
        let file = folder.appendingPathComponent("missing.json")
        _ = try await source(ledger, file: file)
        await #expect(throws: LedgerError.self) { try await HarvestService(ledger: ledger).run("gis", by: .commandLine) }
        let run = try #require(try await ledger.harvests.runs(source: nil, limit: 1).first)
        #expect(run.state == "failed" && run.error?.contains("无法读取文件") == true)
        await #expect(throws: LedgerError.self) {
            try await ledger.harvests.addSource(HarvestSource(name: "gis", location: "x", kind: .dcat, profile: HarvestProfile()), by: .commandLine)
        }
    }

    /// The server's schedule harvests every source in turn; one that cannot be read does not stop the others.
    @Test func theScheduleHarvestsEverySource() async throws {
        let ledger = try await Fixtures.seededLedger()
        let file = folder.appendingPathComponent("scheduled.json")
        try Self.catalog().write(to: file, atomically: true, encoding: .utf8)
        _ = try await ledger.harvests.addSource(
            HarvestSource(
                name: "a-missing", location: folder.appendingPathComponent("none.json").path, kind: .dcat,
                profile: HarvestProfile(system: "TZ-SYS-001", classification: "103003")), by: .commandLine)
        _ = try await source(ledger, file: file)
        let logged = try await Schedule.harvests(HarvestService(ledger: ledger), every: 3600, logger: Logger(label: "test")).work()
        #expect(logged["a-missing"]?.description.hasPrefix("failed") == true)
        #expect(logged["gis"]?.description.contains("accepted 2") == true)
        let runs = try await ledger.harvests.runs(source: nil, limit: 10)
        #expect(runs.map(\.state).sorted() == ["done", "failed"])
        let entries = try await ledger.database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_entry WHERE actor = 'harvest-schedule'") ?? 0
        }
        #expect(entries == 2)  // the two resources it registered, in its name
    }

    /// A CKAN package becomes a DCAT-US dataset with its resources as distributions.
    @Test func aCKANPackageReadsAsADataset() throws {
        let package = try JSONValue(
            parsing: """
                {"id": "7f1c", "name": "air-quality", "title": "Air quality", "notes": "Hourly readings.", "url": "https://x.example/aq",
                 "license_url": "https://opendefinition.org/licenses/odc-by/", "organization": {"title": "Environment Bureau"},
                 "tags": [{"name": "air"}], "maintainer": "Data Desk", "maintainer_email": "data@x.example",
                 "resources": [{"name": "readings", "url": "https://x.example/aq.csv", "format": "CSV", "mimetype": "text/csv"}]}
                """)
        let dataset = HarvestService.dcat(package)
        #expect(dataset["identifier"] == .string("7f1c") && dataset["description"] == .string("Hourly readings."))
        #expect(dataset["publisher"]?["name"] == .string("Environment Bureau") && dataset["keyword"] == .array([.string("air")]))
        #expect(dataset["contactPoint"]?["hasEmail"] == .string("mailto:data@x.example"))
        #expect(dataset["distribution"]?[0]?["downloadURL"] == .string("https://x.example/aq.csv"))
    }
}
