import Foundation
import LedgerCore
import LedgerTestSupport
import Logging
import Testing

@testable import Interchange
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

    /// What a harvest keeps, kept alike on both stores: sources (checked, named once), one running run per source
    /// whichever server starts it, a run's report, records, cursor and the provenance and holdings they give.
    @Test(arguments: TestStore.available) func sourcesRunsAndRecordsAreKeptOnEitherStore(store: TestStore) async throws {
        let servers = try await TestLedger.servers(on: store, count: 2)
        defer { for server in servers { server.close() } }
        let (one, other) = (servers[0].ledger, servers[1].ledger)
        _ = try await one.records.create(Fixtures.unit(), by: .commandLine)
        _ = try await one.records.create(Fixtures.project(), by: .commandLine)
        _ = try await one.records.create(Fixtures.system(projects: ["TZXM-2025-001"]), by: .commandLine)
        _ = try await one.records.create(Fixtures.resource(), by: .commandLine)
        let source = try await self.source(one, file: folder.appendingPathComponent("data.json"))
        let again = await #expect(throws: LedgerError.self) { try await self.source(other, file: folder.appendingPathComponent("data.json")) }
        #expect(again?.kind == .conflict)
        var wrong = source
        wrong.name = "other"
        wrong.profile.system = "TZ-SYS-404"
        let invalid = await #expect(throws: LedgerError.self) { try await other.harvests.addSource(wrong, by: .commandLine) }
        #expect(invalid?.details.map(\.rule) == ["harvest.system"])
        #expect(try await other.harvests.sources().map(\.name) == ["gis"])
        let run = try await one.harvests.startRun(source: source.id)
        await #expect(throws: HarvestRun.sourceBusy) { try await other.harvests.startRun(source: source.id) }
        let report = [
            HarvestOutcome(identifier: "a", title: "不动产", code: "103003/000001", result: .accepted),
            HarvestOutcome(identifier: "b", title: "坏的", code: nil, result: .refused, reasons: ["缺少标题"])
        ]
        let finished = try await other.harvests.finishRun(
            run.id, report: report,
            records: [
                HarvestRecord(identifier: "a", resourceCode: "103003/000001", contentSha256: "ab", sourceModified: "2026-11-01", writtenRun: run.id)
            ],
            since: nil, cursor: "2026-11-01")
        #expect(finished.state == "done" && finished.count(.accepted) == 1 && finished.count(.refused) == 1 && finished.report == report)
        #expect(try await one.harvests.records(source: source.id)["a"]?.contentSha256 == "ab")
        #expect(try await one.harvests.cursor(source: source.id) == "2026-11-01")
        #expect(try await one.harvests.provenance(resource: "103003/000001")?.run == run.id)
        #expect(try await one.harvests.provenance(resource: "103003/000009") == nil)
        #expect(try await one.harvests.holdings()[source.id]?.byState == [.draft: 1])
        let failing = try await other.harvests.startRun(source: source.id)
        try await one.harvests.failRun(failing.id, error: "来源无法读取")
        let runs = try await one.harvests.runs(source: source.id, limit: 10)
        #expect(runs.map(\.state) == ["failed", "done"] && runs.allSatisfy(\.report.isEmpty) && runs.first?.error == "来源无法读取")
        #expect(try await other.harvests.run(id: run.id).report == report)
        try await one.harvests.removeSource(named: "gis", by: .commandLine)
        await #expect(throws: LedgerError.self) { try await other.harvests.source(named: "gis") }
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

    /// A run that another server carries (it holds the source's lease) goes on: the source is not run twice and a
    /// server that starts leaves the run alone. Once the lease lapses (that server stopped mid-run), a starting server
    /// ends the run, and the source may be run again.
    @Test func aRunIsEndedOnlyWhenTheServerCarryingItStopped() async throws {
        let ledger = try await Fixtures.seededLedger()
        let file = folder.appendingPathComponent("data.json")
        try Self.catalog().write(to: file, atomically: true, encoding: .utf8)
        let source = try await source(ledger, file: file)
        let lease = HarvestService.lease(source: source.id)
        #expect(try await ledger.leases.claim(lease, holder: "server A", seconds: 60))
        let carried = try await ledger.harvests.startRun(source: source.id)
        let service = HarvestService(ledger: ledger, holder: "server B")
        await #expect(throws: LedgerError.self) { try await service.run("gis", by: .commandLine) }
        #expect(try await service.endInterruptedRuns() == 0)
        #expect(try await ledger.harvests.run(id: carried.id).state == "running")

        try await ledger.sqlite.sessions.write { db in  // server A stopped a while ago: its lease lapsed
            try db.execute(sql: "UPDATE server_lease SET until = '2026-01-01T00:00:00.000Z' WHERE name = ?", arguments: [lease])
        }
        #expect(try await service.endInterruptedRuns() == 1)
        let ended = try await ledger.harvests.run(id: carried.id)
        #expect(ended.state == "failed" && ended.summary.contains("服务在采集过程中停止"))
        #expect(try await service.run("gis", by: .commandLine).state == "done")
        #expect(try await service.endInterruptedRuns() == 0)
        #expect(try await ledger.leases.held([lease]).isEmpty)  // given back at the run's end
    }

    /// A run left going without its lease (its process was killed) does not keep the source from being run.
    @Test func aRunLeftByAKilledProcessIsEndedByTheNextRun() async throws {
        let ledger = try await Fixtures.seededLedger()
        let file = folder.appendingPathComponent("data.json")
        try Self.catalog().write(to: file, atomically: true, encoding: .utf8)
        let source = try await source(ledger, file: file)
        let left = try await ledger.harvests.startRun(source: source.id)
        #expect(try await HarvestService(ledger: ledger).run("gis", by: .commandLine).state == "done")
        #expect(try await ledger.harvests.run(id: left.id).state == "failed")
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
        let entries = try await ledger.sqlite.writer.read { db in
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
        let dataset = CKANPackage.dataset(package)
        #expect(dataset["identifier"] == .string("7f1c") && dataset["description"] == .string("Hourly readings."))
        #expect(dataset["publisher"]?["name"] == .string("Environment Bureau") && dataset["keyword"] == .array([.string("air")]))
        #expect(dataset["contactPoint"]?["hasEmail"] == .string("mailto:data@x.example"))
        #expect(dataset["distribution"]?[0]?["downloadURL"] == .string("https://x.example/aq.csv"))
    }
}

/// DCAT-AP in Turtle and RDF/XML, as European portals publish it, reads like JSON-LD.
@Suite("Harvest: Turtle and RDF/XML")
struct RDFSyntaxTests {
    let folder = try! Fixtures.temporaryDirectory()

    /// A dataset as a national portal writes it in RDF/XML: typed node elements, `rdf:resource` references to the EU
    /// vocabularies, titles in two languages, a period of time, a contact as a vCard, `rdf:parseType="Resource"`.
    static let rdfXML = """
        <?xml version="1.0" encoding="utf-8"?>
        <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcat="http://www.w3.org/ns/dcat#"
          xmlns:dct="http://purl.org/dc/terms/" xmlns:foaf="http://xmlns.com/foaf/0.1/" xmlns:vcard="http://www.w3.org/2006/vcard/ns#">
          <dcat:Catalog rdf:about="https://portal.example.eu/catalog">
            <dcat:dataset>
              <dcat:Dataset rdf:about="https://portal.example.eu/set/air-quality">
                <dct:identifier>air-quality-2026</dct:identifier>
                <dct:title xml:lang="de">Luftqualität</dct:title>
                <dct:title xml:lang="en">Air quality</dct:title>
                <dct:description xml:lang="en">Hourly readings of &lt;b&gt;every&lt;/b&gt; station.</dct:description>
                <dcat:keyword xml:lang="en">air</dcat:keyword>
                <dcat:keyword xml:lang="en">environment</dcat:keyword>
                <dct:accrualPeriodicity rdf:resource="http://publications.europa.eu/resource/authority/frequency/MONTHLY"/>
                <dct:accessRights rdf:resource="http://publications.europa.eu/resource/authority/access-right/PUBLIC"/>
                <dct:license rdf:resource="https://creativecommons.org/licenses/by/4.0/"/>
                <dct:publisher><foaf:Agent><foaf:name>Environment Agency</foaf:name></foaf:Agent></dct:publisher>
                <dct:temporal rdf:parseType="Resource">
                  <dcat:startDate rdf:datatype="http://www.w3.org/2001/XMLSchema#date">2020-01-01</dcat:startDate>
                  <dcat:endDate rdf:datatype="http://www.w3.org/2001/XMLSchema#date">2026-12-31</dcat:endDate>
                </dct:temporal>
                <dcat:contactPoint>
                  <vcard:Organization>
                    <vcard:fn>Data desk</vcard:fn><vcard:hasEmail rdf:resource="mailto:data@portal.example.eu"/>
                  </vcard:Organization>
                </dcat:contactPoint>
                <dcat:distribution>
                  <dcat:Distribution rdf:about="https://portal.example.eu/set/air-quality/csv">
                    <dct:title xml:lang="en">Readings (CSV)</dct:title>
                    <dcat:accessURL rdf:resource="https://portal.example.eu/files/air.csv"/>
                    <dct:format rdf:resource="http://publications.europa.eu/resource/authority/file-type/CSV"/>
                  </dcat:Distribution>
                </dcat:distribution>
              </dcat:Dataset>
            </dcat:dataset>
          </dcat:Catalog>
        </rdf:RDF>
        """

    /// The same dataset in Turtle, as rdflib or a portal writes it: prefixes both ways, `a`, `;` and `,`, a blank node,
    /// a long string, a typed literal and comments.
    static let turtle = #"""
        @prefix dcat: <http://www.w3.org/ns/dcat#> .
        PREFIX dct: <http://purl.org/dc/terms/>
        @prefix foaf: <http://xmlns.com/foaf/0.1/> .
        # a catalog of one dataset
        <https://portal.example.eu/set/air-quality> a dcat:Dataset ;
            dct:identifier "air-quality-2026" ;
            dct:title "Luftqualität"@de, "Air quality"@en ;
            dct:description """Hourly readings of every station.
        Second line."""@en ;
            dcat:keyword "air"@en, "environment"@en ;
            dct:issued "2024-05-01"^^<http://www.w3.org/2001/XMLSchema#date> ;
            dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/MONTHLY> ;
            dct:accessRights <http://publications.europa.eu/resource/authority/access-right/PUBLIC> ;
            dct:publisher [ a foaf:Agent ; foaf:name "Environment Agency" ] ;
            dcat:distribution [ a dcat:Distribution ;
                dcat:accessURL <https://portal.example.eu/files/air.csv> ;
                dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ] .
        """#

    func harvest(_ text: String, file name: String) async throws -> (Ledger, HarvestRun) {
        let ledger = try await Fixtures.seededLedger()
        let file = folder.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        _ = try await ledger.harvests.addSource(
            HarvestSource(
                name: "portal", location: file.path, kind: .dcat, profile: HarvestProfile(system: "TZ-SYS-001", classification: "103003")),
            by: .commandLine)
        return (ledger, try await HarvestService(ledger: ledger).run("portal", by: .commandLine))
    }

    @Test(arguments: [("rdfXML", "catalog.rdf"), ("turtle", "catalog.ttl")])
    func aDCATAPDatasetReads(syntax: String, file: String) async throws {
        let (ledger, run) = try await harvest(syntax == "rdfXML" ? Self.rdfXML : Self.turtle, file: file)
        #expect(run.count(.accepted) == 1, "\(run.report)")
        let resource = try await ledger.records.fetch(CatalogResource.self, key: try #require(run.report.first?.code)).record
        #expect(resource.name == "Luftqualität" || resource.name == "Air quality")
        #expect(resource.updateCycle == "每月" && resource.shareType == "无条件共享" && resource.format == "电子表格")
        #expect(resource.formatType == "CSV" && resource.shareMethod == "文件")
        #expect(resource.origin?.identifier == "air-quality-2026" && resource.origin?.keywords == ["air", "environment"])
        #expect(resource.origin?.publisher == "Environment Agency")
        #expect(resource.origin?.distributions.first?.accessURL == "https://portal.example.eu/files/air.csv")
        if syntax == "rdfXML" {
            // The text of the HTML, without the final stop (as every summary is stored).
            #expect(resource.summary == "Hourly readings of every station" && resource.origin?.temporal == "2020-01-01/2026-12-31")
            #expect(resource.origin?.contactPoint == "Data desk data@portal.example.eu")
        } else {
            #expect(resource.summary == "Hourly readings of every station.\nSecond line" && resource.publishedOn == CivilDate("2024-05-01"))
        }
    }

    /// This product's own Turtle export reads back to the same catalog.
    @Test func theCatalogRoundTripsThroughTurtle() async throws {
        let source = try await DCATTests.ledger()
        let url = folder.appendingPathComponent("catalog.ttl")
        try await DCAT.turtle(ledger: source, base: "https://ybz.invalid").write(to: url, atomically: true, encoding: .utf8)
        let target = try Fixtures.ledger()
        _ = try await target.records.create(Fixtures.unit(), by: .commandLine)
        _ = try await target.records.create(Fixtures.project(), by: .commandLine)
        _ = try await target.records.create(Fixtures.system(projects: ["TZXM-2025-001"]), by: .commandLine)
        let report = try await Importer(ledger: target, actor: .commandLine).run(files: [url], dryRun: false)
        #expect(report.committed && report.issues.filter { $0.severity == .error }.isEmpty, "\(report.issues.map(\.line))")
        let before = folder.appendingPathComponent("before.json")
        let after = folder.appendingPathComponent("after.json")
        try await Exporter(ledger: source).writeJSON(to: before)
        try await Exporter(ledger: target).writeJSON(to: after)
        #expect(try Data(contentsOf: before) == Data(contentsOf: after))
    }

    @Test func brokenTurtleAndXMLSayWhere() throws {
        let prefix = "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n"
        #expect(throws: LedgerError.self) { try TurtleReader.triples(prefix + "\n<x> dcat:title \"open", file: "a.ttl") }
        let undeclared = #expect(throws: LedgerError.self) { try TurtleReader.triples(prefix + "<x> nope:title \"t\" .", file: "a.ttl") }
        #expect(undeclared?.message.contains("a.ttl：Turtle 第 2 行") == true && undeclared?.message.contains("nope") == true)
        let xml = #expect(throws: LedgerError.self) { try RDFXMLReader.triples(Data("<rdf:RDF><unclosed>".utf8), file: "b.rdf") }
        #expect(xml?.message.hasPrefix("b.rdf：不是有效的 RDF/XML") == true)
    }
}

/// Catalogs in the shapes four kinds of publishers write (fixtures under `Fixtures/harvest`, written for these tests in
/// the shapes of published catalogs): a GIS portal's DCAT-US `data.json`, a federal agency's `data.json`, a European
/// portal's DCAT-AP in RDF/XML and a CKAN site's `package_search` answer. Given a mapping profile, at least nine in ten
/// of each one's datasets are taken in, the rest refused with a reason, and a second run finds every one unchanged.
@Suite("Harvest: catalogs of four kinds of publishers")
struct PublisherCatalogTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/harvest")

    static let profile = HarvestProfile(
        system: "TZ-SYS-001", classification: "103003", updateCycle: "每季度", shareType: "无条件共享",
        shareCondition: "向政务部门按需提供，来源目录未说明条件",
        formats: ["GEOJSON": "自描述格式", "KML": "自描述格式", "*": "电子文件"],
        licences: ["creativecommons.org": "无条件开放", "opendefinition.org": "无条件开放", "government-works": "无条件开放"])

    func harvest(_ file: String) async throws -> (Ledger, HarvestRun, HarvestRun) {
        let ledger = try await Fixtures.seededLedger()
        _ = try await ledger.harvests.addSource(
            HarvestSource(name: "publisher", location: Self.fixtures.appendingPathComponent(file).path, kind: .dcat, profile: Self.profile),
            by: .commandLine)
        let service = HarvestService(ledger: ledger)
        let first = try await service.run("publisher", by: .commandLine)
        let second = try await service.run("publisher", by: .commandLine)
        return (ledger, first, second)
    }

    func resource(_ run: HarvestRun, _ title: String, _ ledger: Ledger) async throws -> CatalogResource {
        try await ledger.records.fetch(CatalogResource.self, key: try #require(run.report.first { $0.title == title }?.code)).record
    }

    @Test(arguments: [
        ("arcgis-hub-data.json", 12, ["dct:title"]), ("federal-data.json", 12, ["dct:title"]), ("eu-dcat-ap.rdf", 10, ["dct:title"]),
        ("ckan-package-search.json", 10, ["dct:title"])
    ])
    func nineInTenAreTakenInAndASecondRunChangesNothing(file: String, datasets: Int, refusedFor: [String]) async throws {
        let (ledger, first, second) = try await harvest(file)
        #expect(first.state == "done" && first.report.count == datasets, "\(first.error ?? "")")
        let accepted = first.count(.accepted)
        #expect(accepted * 10 >= datasets * 9, "\(file): \(first.report.filter { $0.result == .refused }.map(\.reasons))")
        for refused in first.report where refused.result == .refused {
            #expect(refusedFor.contains { field in refused.reasons.contains { $0.contains(field) } }, "\(refused.reasons)")
        }
        #expect(second.count(.unchanged) == accepted && second.count(.accepted) == 0 && second.count(.updated) == 0)
        #expect(try await ledger.records.counts()["resource"] == 1 + accepted)
    }

    @Test func aGISPortalsLayersMapsAndDocumentsKeepTheirDistributions() async throws {
        let (ledger, run, _) = try await harvest("arcgis-hub-data.json")
        let roads = try await resource(run, "Road Centerlines", ledger)
        // The first data file: GeoJSON (the profile's 自描述格式), not the page or the feature service before it.
        #expect(roads.format == "自描述格式" && roads.formatType == "GEOJSON" && roads.shareMethod == "文件")
        #expect(roads.summary == "Centerlines of public and private roads, maintained by the GIS office")
        #expect(roads.origin?.distributions.count == 6 && roads.origin?.publisher == "Example County GIS")
        // A web map: only a page and a map service. A PDF document. An app with a page only: the profile's default.
        let map = try await resource(run, "Snow Routes Map", ledger)
        #expect(map.format == "服务接口" && map.shareMethod == "接口")
        #expect(try await resource(run, "Comprehensive Plan 2040", ledger).format == "电子文件")
        #expect(try await resource(run, "Capital Projects Dashboard", ledger).format == "电子文件")
        #expect(try await resource(run, "Zoning Districts", ledger).summary == "Zoning Districts")
    }

    @Test func aFederalCatalogsAccessLevelsAndPartialDatesAreRead() async throws {
        let (ledger, run, _) = try await harvest("federal-data.json")
        let enforcement = try await resource(run, "Enforcement Case Management (internal)", ledger)
        #expect(enforcement.shareType == "不予共享" && enforcement.shareCondition?.hasPrefix("Contains enforcement-sensitive") == true)
        #expect(enforcement.updateCycle == "每月" && enforcement.format == "电子文件")
        let toxics = try await resource(run, "Toxics Release Inventory - Facility Reports", ledger)
        #expect(toxics.shareType == "有条件共享" && toxics.format == "电子表格" && toxics.publishedOn == nil)
        let air = try await resource(run, "Air Quality System Daily Summaries", ledger)
        #expect(air.updateCycle == "每日" && air.publishedOn == nil && air.origin?.modified == "R/P1D")
        let census = try await resource(run, "Demographics for Census Tracts - 2010", ledger)
        #expect(census.updateCycle == "其他" && census.origin?.temporal == "2017-08-23T00:00:00/None")
        #expect(run.report.first { $0.title == "Air Quality System Daily Summaries" }?.reasons.contains { $0.contains("2011") } == true)
    }

    @Test func aEuropeanPortalsReferencedNodesAndVocabulariesAreRead() async throws {
        let (ledger, run, _) = try await harvest("eu-dcat-ap.rdf")
        let population = try await ledger.records.fetch(
            CatalogResource.self, key: try #require(run.report.first { $0.identifier == "POP-MUN" }?.code)
        ).record
        #expect(population.updateCycle == "每年" && population.format == "电子表格" && population.shareType == "无条件共享")
        #expect(population.origin?.publisher == "Statistikamt Beispielland" || population.origin?.publisher == "Statistics Office of Example Land")
        #expect(population.origin?.distributions.count == 2 && population.publishedOn == CivilDate("2015-02-01"))
        #expect(population.origin?.landingPage == "https://www.example-land.eu/statistics/population")
        let traffic = try await resource(run, "Traffic counts on federal roads", ledger)
        #expect(traffic.updateCycle == "实时" && traffic.shareMethod == "接口" && traffic.origin?.publisher == "Transport Agency")
        let schools = try await resource(run, "Register of schools", ledger)
        #expect(schools.shareCondition == "Available to public bodies on request")
        #expect(schools.shareType == "有条件共享" && schools.summary == "All public and private schools with their type and address")
        #expect(try await resource(run, "Budget 2026", ledger).origin?.temporal == "2026-01-01/2026-12-31")
    }

    @Test func aCKANAnswerSavedAsAFileReadsAsItsPackages() async throws {
        let (ledger, run, _) = try await harvest("ckan-package-search.json")
        let air = try await resource(run, "Air quality readings", ledger)
        #expect(air.updateCycle == "每日" && air.format == "电子表格" && air.openType == "无条件开放")
        #expect(air.origin?.publisher == "Environment Bureau" && air.origin?.keywords == ["air", "environment"])
        #expect(air.origin?.distributions.count == 2 && air.publishedOn == CivilDate("2020-02-11"))
        #expect(try await resource(run, "Budget execution", ledger).updateCycle == "每月")
        #expect(try await resource(run, "Vaccination centres", ledger).format == "电子文件")
    }
}
