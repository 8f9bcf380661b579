import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

@testable import LedgerStore

/// The records on each store (issue 18): what SQLite answers, PostgreSQL answers alike, and two servers of one ledger
/// (two connection pools on one SQLite file, or on one PostgreSQL database) share the records without losing a write.
@Suite("Store: records on each store, shared by servers")
struct RecordStoreTests {
    static let admin = Actor(username: "admin", role: .admin)

    /// A write on one server is read on the other at once; of two edits of one version, one is a conflict; of two
    /// registrations of one key at once, one is refused as taken; 2 × 20 writers lose no acknowledged write, each audited
    /// once in one intact chain.
    @Test(arguments: TestStore.available) func twoServersShareTheRecords(store: TestStore) async throws {
        let servers = try await TestLedger.servers(on: store, count: 2)
        defer { for server in servers { server.close() } }
        let (a, b) = (servers[0], servers[1])
        _ = try await a.records.create(Fixtures.unit(), by: Self.admin)
        let system = try await a.records.create(Fixtures.system(), by: Self.admin)
        #expect(try await b.records.fetch(InfoSystem.self, key: "TZ-SYS-001").record == system.record)

        // Both edit version 1 at once: one is written, the other is told the version moved on.
        let edits = try await withThrowingTaskGroup(of: String.self) { group in
            for (server, summary) in [(a, "甲的修改"), (b, "乙的修改")] {
                group.addTask {
                    var record = system.record
                    record.summary = summary
                    do {
                        return try await server.records.update(InfoSystem.self, id: system.id, with: record, expectedVersion: 1, by: Self.admin)
                            .record.summary ?? ""
                    } catch let error as LedgerError where error == .versionConflict(expected: 1, actual: 2) { return "conflict" }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(edits.filter { $0 == "conflict" }.count == 1)
        #expect(try await a.records.fetch(InfoSystem.self, id: system.id).record.summary == edits.first { $0 != "conflict" })

        // Both register one code at once: one is made, the other refused as taken.
        let registrations = try await withThrowingTaskGroup(of: String.self) { group in
            for server in [a, b] {
                group.addTask {
                    do {
                        return try await server.records.create(Fixtures.system(code: "TZ-SYS-002"), by: Self.admin).record.code
                    } catch let error as LedgerError { return error.details.map(\.rule).joined() }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }.sorted()
        }
        #expect(registrations == ["TZ-SYS-002", "key.unique"])

        // 2 × 20 writers, each registering three systems: every acknowledged one is there, on either server.
        let acknowledged = try await withThrowingTaskGroup(of: [String].self) { group in
            for (index, server) in servers.enumerated() {
                for writer in 0..<20 {
                    group.addTask {
                        var written: [String] = []
                        for n in 0..<3 {
                            let code = "TZ-W\(index)-\(writer)-\(n)"
                            _ = try await server.records.create(Fixtures.system(code: code), by: Actor(username: "writer\(writer)", role: .admin))
                            written.append(code)
                        }
                        return written
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let written = try await b.records.list(InfoSystem.self, page: PageRequest(limit: 500)).items.map(\.record.code)
        #expect(Set(written).isSuperset(of: acknowledged))
        #expect(written.count == 2 + 120)
        #expect(try await a.records.counts()["system"] == 122)
        let entries = try await a.audit.entries(entity: "system", key: nil, limit: 1_000)
        #expect(entries.filter { $0.action == "create" }.count == 122)
        #expect(entries.filter { $0.action == "update" }.count == 1)
        #expect(try await b.audit.verify().isIntact)
    }

    /// Lists in byte order of key and name (Chinese and Latin mixed), filters, facets, name search, the greatest key
    /// under a prefix with `%` and `_` taken literally, counts and a system's export come out the same on either store.
    @Test(arguments: TestStore.available) func listsFacetsKeysAndExportsAgree(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        defer { ledger.close() }
        let records = ledger.records
        var untyped = Fixtures.resource(code: "103003/000003", name: "Zoning 规划")
        untyped.formatType = nil
        let mortgages = Fixtures.resource(code: "103003/000002", name: "抵押登记信息")
        for resource in [mortgages, untyped, Fixtures.resource(code: "103003/000004", name: "a 地籍")] {
            _ = try await records.create(resource, by: Self.admin)
        }
        let byName = try await records.list(CatalogResource.self, page: PageRequest(sort: .name)).items.map(\.record.name)
        #expect(byName == ["Zoning 规划", "a 地籍", "不动产登记信息", "抵押登记信息"])
        let byKeyDescending = try await records.list(CatalogResource.self, page: PageRequest(sort: .keyDescending)).items.map(\.record.code)
        #expect(byKeyDescending == ["103003/000004", "103003/000003", "103003/000002", "103003/000001"])
        var filter = ListFilter(["system": "TZ-SYS-001"])
        filter.noneOf["formatType"] = ["MySQL"]
        #expect(
            try await records.list(CatalogResource.self, filter: filter, nameContains: nil, page: PageRequest()).items.map(\.record.code) == [
                "103003/000003"
            ])
        #expect(try await records.list(CatalogResource.self, nameContains: "登记").total == 2)
        let facets = try await records.facets(CatalogResource.self, filters: [:], facets: ["formatType", "state"])
        #expect(facets == ["formatType": ["MySQL": 3, "": 1], "state": ["待提交": 4]])
        _ = try await records.create(Fixtures.system(code: "TZ-SYS_9"), by: Self.admin)
        #expect(try await records.highestKey(CatalogResource.self, prefix: "103003/") == "103003/000004")
        #expect(try await records.highestKey(InfoSystem.self, prefix: "TZ-SYS-") == "TZ-SYS-001")
        #expect(try await records.highestKey(InfoSystem.self, prefix: "TZ-SYS_") == "TZ-SYS_9")
        #expect(try await records.highestKey(InfoSystem.self, prefix: "TZ%") == nil)
        #expect(try await records.highestKey(CatalogResource.self, prefix: "9") == nil)
        #expect(try await records.counts() == ["unit": 1, "project": 1, "system": 2, "resource": 4, "data_item": 8])

        let exported = try await records.scan(.system("TZ-SYS-001")) { scan in
            var lines: [String] = []
            try scan.forEach(GovUnit.self, withItems: false) { lines.append("unit \($0.uscc)") }
            try scan.forEach(Project.self, withItems: false) { lines.append("project \($0.code)") }
            try scan.forEach(CatalogResource.self, withItems: true) { lines.append("resource \($0.code) \($0.items.count)") }
            try scan.forEachDataItem { code, seq, item in if code == "103003/000002" { lines.append("item \(seq) \(item.name)") } }
            return lines
        }
        #expect(
            exported == [
                "unit \(Fixtures.uscc(1))", "project TZXM-2025-001", "resource 103003/000001 2", "resource 103003/000002 2",
                "resource 103003/000003 2", "resource 103003/000004 2", "item 1 不动产权证号", "item 2 登记日期"
            ])
        await #expect(throws: LedgerError.notFound(InfoSystem.label, "TZ-SYS-404")) { try await records.scan(.system("TZ-SYS-404")) { _ in 0 } }
    }
}
