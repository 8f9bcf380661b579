import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerServer
import LedgerTestSupport
import Logging
import Testing

@testable import LedgerStore
@testable import Services

/// A city harvesting a county's Yibenzhang through its CKAN API on a real socket (issue 17): the first run reads every
/// dataset; later runs read only the datasets the county lists with another `metadata_modified` than the one kept, and
/// still tell unchanged datasets from withdrawn ones by the county's listing.
@Suite("Harvest of a CKAN site, incremental by the site's cursor")
struct CKANHarvestTests {
    /// The county's datasets as if last changed long ago, a second apart.
    static func age(_ codes: [String], in ledger: Ledger) async throws {
        try await ledger.sqlite.writer.write { db in
            for (second, code) in codes.enumerated() {
                try db.execute(sql: "UPDATE resource SET updated_at = ? WHERE key = ?", arguments: ["2026-01-05T08:00:0\(second)Z", code])
            }
        }
    }

    /// The datasets a read will map.
    static func datasets(_ read: SourceRead) throws -> [String] {
        guard let document = read.document else { return [] }
        return try JSONValue(parsing: String(decoding: document, as: UTF8.self))["dataset"]?.arrayValue?.compactMap { $0["identifier"]?.stringValue }
            ?? []
    }

    @Test func aLaterRunReadsOnlyWhatTheSiteChangedAndStillSeesWithdrawals() async throws {
        let county = try await CKANTests.ledger()
        let published = ["103003/000003", "103003/000004", "103003/000005"]
        for (code, name) in zip(published, ["宗地公示信息", "房屋公示信息", "地名公示信息"]) {
            try await CKANTests.publishOpen(code, name, in: county)
        }
        try await Self.age(published, in: county)
        let city = try await Fixtures.seededLedger()
        let app = buildApplication(
            ledger: county, compliance: try ComplianceService(ledger: county, catalog: Fixtures.catalog), publicCatalog: true,
            host: "127.0.0.1", port: 0, logger: Logger(label: "county"))
        try await app.test(.live) { client in
            let site = "http://127.0.0.1:\(try #require(client.port))"
            let source = try await city.harvests.addSource(
                HarvestSource(
                    name: "county", location: site, kind: .ckan, profile: HarvestProfile(system: "TZ-SYS-001", classification: "301001")),
                by: .commandLine)
            let service = HarvestService(ledger: city)
            let first = try await service.run("county", by: .commandLine)
            #expect(first.count(.accepted) == 3 && first.since == nil && first.cursor == "2026-01-05T08:00:02")

            // Nothing changed: the site's listing says so, and no dataset is read again.
            var known = try await city.harvests.records(source: source.id)
            #expect(known["103003-000004"]?.sourceModified == "2026-01-05T08:00:01")
            let quiet = try await CKANSource(site).read(holding: known, since: first.cursor)
            #expect(try Self.datasets(quiet).isEmpty && quiet.unchanged.count == 3 && quiet.since == first.cursor)
            let second = try await service.run("county", by: .commandLine)
            #expect(second.count(.unchanged) == 3 && second.count(.updated) == 0 && second.since == first.cursor)
            #expect(second.report.contains { $0.title == "房屋公示信息" && $0.code?.hasPrefix("301001/") == true })

            // An edit in the county: that dataset alone is read, and updated in the city.
            let house = try await county.records.fetch(CatalogResource.self, key: "103003/000004")
            var edited = house.record
            edited.summary = "（县级更新）房屋公示"
            let saved = try await county.records.update(CatalogResource.self, id: house.id, with: edited, expectedVersion: nil, by: .commandLine)
            let changed = try await CKANSource(site).read(holding: known, since: second.cursor)
            #expect(try Self.datasets(changed) == ["103003-000004"] && changed.unchanged.count == 2)
            #expect(changed.cursor.map { $0 > "2026-01-05T08:00:02" } == true)
            // Many to read, and they are read by pages from the earliest of their times (the site's own cursor).
            let paged = try await CKANSource(site, maxSingles: 0).read(holding: known, since: second.cursor)
            #expect(try Self.datasets(paged) == ["103003-000004"] && paged.unchanged.count == 2)
            let third = try await service.run("county", by: .commandLine)
            #expect(third.count(.updated) == 1 && third.count(.unchanged) == 2)
            let copy = try #require(third.report.first { $0.result == .updated }?.code)
            let taken = try await city.records.fetch(CatalogResource.self, key: copy).record
            #expect(taken.summary == "（县级更新）房屋公示")
            // Provenance: which instance, which version of the dataset there, and which run wrote it when.
            #expect(taken.origin?.source == "county" && taken.origin?.version == String(saved.version))
            #expect(taken.origin?.modified == saved.updatedAt.replacingOccurrences(of: "Z", with: ""))
            let provenance = try await city.harvests.provenance(resource: copy)
            #expect(provenance?.location == site && provenance?.run == third.id && provenance?.writtenAt == third.startedAt)

            // A dataset the county no longer shares without condition leaves its public listing: withdrawn in the city.
            // One published now but dated before the cursor (it was not public then) is read by itself, and taken in.
            let place = try await county.records.fetch(CatalogResource.self, key: "103003/000005")
            var hidden = place.record
            (hidden.shareType, hidden.shareCondition) = ("有条件共享", "仅限政务用途")
            _ = try await county.records.update(CatalogResource.self, id: place.id, with: hidden, expectedVersion: nil, by: .commandLine)
            try await CKANTests.publishOpen("103003/000006", "门牌公示信息", in: county)
            try await Self.age(["103003/000006"], in: county)
            known = try await city.harvests.records(source: source.id)
            let late = try await CKANSource(site).read(holding: known, since: third.cursor)
            #expect(try Self.datasets(late) == ["103003-000006"] && late.unchanged.count == 2)
            #expect(try Self.datasets(try await CKANSource(site, maxSingles: 0).read(holding: known, since: third.cursor)) == ["103003-000006"])
            let fourth = try await service.run("county", by: .commandLine)
            #expect(fourth.count(.withdrawn) == 1 && fourth.count(.accepted) == 1 && fourth.count(.unchanged) == 2)
            #expect(fourth.report.first { $0.result == .withdrawn }?.identifier == "103003-000005")
        }
    }
}
