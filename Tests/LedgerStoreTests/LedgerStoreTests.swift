import Foundation
import GRDB
import LedgerCore
import LedgerTestSupport
import Testing

@testable import LedgerStore

@Suite("Store: CRUD, references, concurrency, on each store")
struct LedgerStoreTests {
    @Test(arguments: TestStore.available) func recordsRoundTripWithItems(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        defer { ledger.close() }
        let resource = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001")
        #expect(resource.record == Fixtures.resource())
        #expect(resource.version == 1)
        #expect(resource.record.items.map(\.name) == ["不动产权证号", "登记日期"])
        let system = try await ledger.records.fetch(InfoSystem.self, id: 1)
        #expect(system.record.projectCodes == ["TZXM-2025-001"])
    }

    @Test(arguments: TestStore.available) func updatesBumpTheVersionAndStaleVersionsConflict(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        defer { ledger.close() }
        var system = try await ledger.records.fetch(InfoSystem.self, key: "TZ-SYS-001")
        system.record.summary = "新的简介"
        let updated = try await ledger.records.update(InfoSystem.self, id: system.id, with: system.record, expectedVersion: 1, by: .commandLine)
        #expect(updated.version == 2)
        system.record.summary = "另一人的修改"
        await #expect(throws: LedgerError.versionConflict(expected: 1, actual: 2)) {
            try await ledger.records.update(InfoSystem.self, id: system.id, with: system.record, expectedVersion: 1, by: .commandLine)
        }
        #expect(try await ledger.records.fetch(InfoSystem.self, key: "TZ-SYS-001").record.summary == "新的简介")
    }

    @Test(arguments: TestStore.available) func naturalKeysArePermanentAndUnique(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        defer { ledger.close() }
        var resource = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001")
        resource.record.code = "103003/000009"
        let error = await #expect(throws: LedgerError.self) {
            try await ledger.records.update(CatalogResource.self, id: resource.id, with: resource.record, expectedVersion: nil, by: .commandLine)
        }
        #expect(error?.details.map(\.rule) == ["key.permanent"])
        let duplicate = await #expect(throws: LedgerError.self) { try await ledger.records.create(Fixtures.resource(), by: .commandLine) }
        #expect(duplicate?.details.map(\.rule) == ["key.unique"])
    }

    @Test(arguments: TestStore.available) func referencesMustExist(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store)
        defer { ledger.close() }
        let error = await #expect(throws: LedgerError.self) { try await ledger.records.create(Fixtures.system(), by: .commandLine) }
        #expect(error?.kind == .validation)
        #expect(error?.details.first { $0.rule == "reference.exists" }?.field == "unitUSCC")
    }

    @Test(arguments: TestStore.available) func deletionIsRefusedWhileOthersReferTheRow(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        defer { ledger.close() }
        let system = try await ledger.records.fetch(InfoSystem.self, key: "TZ-SYS-001")
        let error = await #expect(throws: LedgerError.self) {
            try await ledger.records.delete(InfoSystem.self, id: system.id, expectedVersion: nil, by: .commandLine)
        }
        #expect(error?.kind == .conflict)
        let resource = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001")
        try await ledger.records.delete(CatalogResource.self, id: resource.id, expectedVersion: 1, by: .commandLine)
        try await ledger.records.delete(InfoSystem.self, id: system.id, expectedVersion: 1, by: .commandLine)
        #expect(try await ledger.records.counts()["data_item"] == 0)
    }

    @Test(arguments: TestStore.available) func createdResourcesStartAsDraftsAndMoveThroughTheWorkflow(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        defer { ledger.close() }
        let resource = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001")
        #expect(resource.record.state == .draft)
        let submitted = try await ledger.records.transition(resourceID: resource.id, .submit, reason: nil, expectedVersion: 1, by: .commandLine)
        let returned = try await ledger.records.transition(
            resourceID: resource.id, .return, reason: "共享条件不明确", expectedVersion: nil,
            by: .commandLine)
        #expect(submitted.record.state == .pendingReview)
        #expect(returned.record.state == .returned)
        #expect(returned.record.returnReason == "共享条件不明确")
        #expect(returned.version == 3)
    }

    @Test(arguments: TestStore.available) func editsKeepTheWorkflowStateAndOfflineResourcesAreFrozen(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        defer { ledger.close() }
        let id = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001").id
        for action: CatalogTransition in [.submit, .approve] {
            _ = try await ledger.records.transition(resourceID: id, action, reason: nil, expectedVersion: nil, by: .commandLine)
        }
        var edited = Fixtures.resource()
        edited.state = .draft
        edited.summary = "更新后的摘要"
        let stored = try await ledger.records.update(CatalogResource.self, id: id, with: edited, expectedVersion: nil, by: .commandLine)
        #expect(stored.record.state == .published)
        for action: CatalogTransition in [.takeOffline, .confirmOffline] {
            _ = try await ledger.records.transition(resourceID: id, action, reason: nil, expectedVersion: nil, by: .commandLine)
        }
        await #expect(throws: LedgerError.self) {
            try await ledger.records.update(CatalogResource.self, id: id, with: edited, expectedVersion: nil, by: .commandLine)
        }
    }

    @Test(arguments: TestStore.available) func listsPageAndFilter(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        defer { ledger.close() }
        for n in 2...5 {
            _ = try await ledger.records.create(Fixtures.resource(code: "103003/00000\(n)", name: "抵押登记信息\(n)"), by: .commandLine)
        }
        let page = try await ledger.records.list(
            CatalogResource.self, filters: ["shareType": "有条件共享"],
            page: PageRequest(limit: 2, offset: 2))
        #expect(page.total == 5)
        #expect(page.items.map(\.record.code) == ["103003/000003", "103003/000004"])
        let named = try await ledger.records.list(CatalogResource.self, nameContains: "抵押")
        #expect(named.total == 4)
        await #expect(throws: LedgerError.self) { try await ledger.records.list(GovUnit.self, filters: ["shareType": "x"]) }
    }

    @Test func fileDatabasesUseWriteAheadLogging() async throws {
        let folder = try Fixtures.temporaryDirectory()
        let path = folder.appendingPathComponent("ledger.sqlite").path
        do {
            let ledger = Ledger(database: try AppDatabase.open(path: path), codes: Fixtures.codes)
            _ = try await ledger.records.create(Fixtures.unit(), by: .commandLine)
        }
        let reopened = try AppDatabase.open(path: path)
        let mode = try await reopened.writer.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        #expect(try await Ledger(database: reopened, codes: Fixtures.codes).records.counts()["unit"] == 1)
    }
}

@Suite("Store: Chinese full-text search")
struct SearchTests {
    @Test(arguments: TestStore.available) func findsChineseSubstrings(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        defer { ledger.close() }
        var other = Fixtures.resource(code: "103003/000002", name: "抵押登记信息")
        other.summary = "抵押权设立、变更、注销信息"
        other.items = [DataItem(name: "抵押权人", type: "C", length: 100)]
        _ = try await ledger.records.create(other, by: .commandLine)
        let hits = try await ledger.search.find(SearchQuery(text: "不动产"))
        #expect(hits.items.map(\.code).contains("103003/000001"))
        #expect(hits.items.map(\.kind).contains("system"))
        #expect(!hits.items.map(\.code).contains("103003/000002"))
    }

    @Test(arguments: TestStore.available) func shortWordsAndItemNamesAreFound(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        defer { ledger.close() }
        #expect(try await ledger.search.find(SearchQuery(text: "抵押 登记", kind: .resource)).total == 0)
        #expect(try await ledger.search.find(SearchQuery(text: "登记", kind: .resource)).total == 1)
        #expect(try await ledger.search.find(SearchQuery(text: "不动产权证号")).items.first?.code == "103003/000001")
    }

    @Test(arguments: TestStore.available) func filtersNarrowResults(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        defer { ledger.close() }
        #expect(try await ledger.search.find(SearchQuery(text: "不动产", shareType: "无条件共享")).total == 0)
        #expect(try await ledger.search.find(SearchQuery(text: "不动产", shareType: "有条件共享")).total == 1)
        #expect(try await ledger.search.find(SearchQuery(text: "不动产", status: "运行")).items.map(\.kind) == ["system"])
        #expect(try await ledger.search.find(SearchQuery(text: "不动产", unit: Fixtures.uscc(2))).total == 0)
    }

    @Test(arguments: TestStore.available) func searchTextFollowsEdits(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        defer { ledger.close() }
        var resource = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001")
        resource.record.name = "房屋交易信息"
        resource.record.summary = "房屋买卖合同备案"
        resource.record.items = [DataItem(name: "合同编号", type: "C", length: 32)]
        _ = try await ledger.records.update(CatalogResource.self, id: resource.id, with: resource.record, expectedVersion: nil, by: .commandLine)
        #expect(try await ledger.search.find(SearchQuery(text: "房屋交易")).total == 1)
        #expect(try await ledger.search.find(SearchQuery(text: "不动产登记信息", kind: .resource)).total == 0)
        // The bigram index forgot the old name's pairs and knows the new ones.
        #expect(try await ledger.search.find(SearchQuery(text: "动产", kind: .resource)).total == 0)
        #expect(try await ledger.search.find(SearchQuery(text: "交易", kind: .resource)).total == 1)
        // The name index follows the rename: 交易 is now in the name, ranked before a resource with it only in its text.
        var other = Fixtures.resource(code: "103003/000002", name: "合同备案信息")
        other.summary = "房屋交易合同备案"
        _ = try await ledger.records.create(other, by: .commandLine)
        #expect(try await ledger.search.find(SearchQuery(text: "交易", kind: .resource)).items.map(\.code) == ["103003/000001", "103003/000002"])
        #expect(try await ledger.search.find(SearchQuery(text: "不动产", kind: .resource)).items.map(\.code) == ["103003/000002"])
        let otherID = try await ledger.records.fetch(CatalogResource.self, key: other.code).id
        try await ledger.records.delete(CatalogResource.self, id: otherID, expectedVersion: nil, by: .commandLine)
        try await ledger.records.delete(CatalogResource.self, id: resource.id, expectedVersion: nil, by: .commandLine)
        #expect(try await ledger.search.find(SearchQuery(text: "交易", kind: .resource)).total == 0)
        #expect(try await ledger.search.find(SearchQuery(text: "房屋交易", kind: .resource)).total == 0)
    }

    @Test(arguments: TestStore.available) func wordsOfOneOrTwoCharactersUseTheBigramIndex(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        defer { ledger.close() }
        var other = Fixtures.resource(code: "103003/000002", name: "抵押权信息")
        other.summary = "Mortgage（抵押）登记-2025"
        other.items = []
        _ = try await ledger.records.create(other, by: .commandLine)
        func codes(_ text: String) async throws -> [String] {
            try await ledger.search.find(SearchQuery(text: text, kind: .resource)).items.map(\.code)
        }
        #expect(try await codes("押") == ["103003/000002"])  // one character, inside a word
        #expect(try await codes("息") == ["103003/000001", "103003/000002"])  // one character ending a word
        #expect(try await codes("权信") == ["103003/000002"])
        #expect(try await codes("号") == ["103003/000001"])  // in a data item name
        #expect(try await codes("mo") == ["103003/000002"])  // ASCII folds case
        #expect(try await codes("GA") == ["103003/000002"])
        #expect(try await codes("）登") == ["103003/000002"])  // punctuation: scanned
        #expect(try await codes("-2") == ["103003/000002"])
        #expect(try await codes("押登") == [])  // not across punctuation
        #expect(try await codes("登记 抵押") == ["103003/000002"])  // two short words, both required
        #expect(try await codes("登记 权证") == ["103003/000001"])
    }

    @Test(arguments: TestStore.available) func nameMatchesComeFirstAndPagesCrossTheSegments(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        defer { ledger.close() }
        // The seeded 不动产登记信息 has 登记 in its name; these two only in their summary or items, one in its name.
        for (number, name) in [(2, "抵押权信息"), (3, "查封登记台账"), (4, "宗地信息")] {
            var resource = Fixtures.resource(code: "103003/00000\(number)", name: name)
            resource.summary = "不动产登记相关数据"
            _ = try await ledger.records.create(resource, by: .commandLine)
        }
        let all = try await ledger.search.find(SearchQuery(text: "登记", kind: .resource))
        #expect(all.total == 4)
        #expect(all.items.map(\.code) == ["103003/000001", "103003/000003", "103003/000002", "103003/000004"])
        for offset in 0..<4 {
            let page = try await ledger.search.find(SearchQuery(text: "登记", kind: .resource, page: PageRequest(limit: 1, offset: offset)))
            #expect(page.items.map(\.code) == [all.items[offset].code])
            #expect(page.total == 4)
        }
        let threeCharacters = try await ledger.search.find(SearchQuery(text: "不动产", kind: .resource))
        #expect(threeCharacters.items.map(\.code) == ["103003/000001", "103003/000002", "103003/000003", "103003/000004"])
        let filtered = try await ledger.search.find(
            SearchQuery(
                text: "登记", kind: .resource, shareType: "有条件共享",
                page: PageRequest(limit: 2, offset: 1)))
        #expect(filtered.total == 4 && filtered.items.map(\.code) == ["103003/000003", "103003/000002"])
        #expect(all.totalCapped == nil)
        // Counting stops at the cap; pages past it are still found, in the same order.
        let capped = try await ledger.search.find(SearchQuery(text: "登记", kind: .resource), countingUpTo: 2)
        #expect(capped.total == 2 && capped.totalCapped == true && capped.items.count == 4)
        for offset in 0..<4 {
            let page = try await ledger.search.find(
                SearchQuery(text: "登记", kind: .resource, page: PageRequest(limit: 1, offset: offset)),
                countingUpTo: 1)
            #expect(page.items.map(\.code) == [all.items[offset].code])
        }
        let query = SearchQuery(text: "登记", kind: .resource, page: PageRequest(limit: 1, offset: 4))
        let beyond = try await ledger.search.find(query, countingUpTo: 1)
        #expect(beyond.items.isEmpty)
        // Both kinds, systems first: pages cross from one kind to the other, counted or not.
        let both = try await ledger.search.find(SearchQuery(text: "不动产"))
        #expect(both.items.map(\.kind) == ["system"] + Array(repeating: "resource", count: 4))
        for (offset, cap) in zip(0..<5, [1, 10, 1, 10, 1]) {
            let page = try await ledger.search.find(SearchQuery(text: "不动产", page: PageRequest(limit: 1, offset: offset)), countingUpTo: cap)
            #expect(page.items.map(\.code) == [both.items[offset].code])
        }
    }

    /// The same ledger on both stores answers every kind of query with the same hits in the same order and the same
    /// totals: words of one, two and more characters, Latin in either case, punctuation, several words, filters, pages.
    @Test(.enabled(if: TestPostgres.url != nil)) func bothStoresFindTheSame() async throws {
        let ledgers = [try await TestLedger.make(on: .sqlite, seeded: true), try await TestLedger.make(on: .postgres, seeded: true)]
        defer { for ledger in ledgers { ledger.close() } }
        let parts = ["不动产", "抵押", "Mortgage", "登记", "权", "（查封）", "GIS-2025", "宗地", "户籍", "交易_合同", "100%"]
        for ledger in ledgers {
            for number in 2...40 {
                var resource = Fixtures.resource(
                    code: String(format: "103003/%06d", number), name: parts[number % parts.count] + parts[(number * 7) % parts.count])
                resource.summary = parts[(number * 3) % parts.count] + " " + parts[(number * 5) % parts.count].lowercased()
                resource.items = [DataItem(name: parts[(number * 2) % parts.count] + "编号", type: "C", length: 32)]
                resource.shareType = number.isMultiple(of: 3) ? "无条件共享" : "有条件共享"
                _ = try await ledger.records.create(resource, by: .commandLine)
            }
        }
        let texts = [
            "不动产", "抵押", "权", "登", "记", "mortgage", "MORT", "gis-2025", "（查", "）", "交易_", "_", "100%", "%", "编号",
            "抵押 登记", "权 宗地", "不动产 mortgage", "信息", "户籍 查封", "无此词"
        ]
        var answered = 0
        for text in texts {
            for query in [
                SearchQuery(text: text), SearchQuery(text: text, kind: .resource, page: PageRequest(limit: 7, offset: 3)),
                SearchQuery(text: text, shareType: "无条件共享"), SearchQuery(text: text, page: PageRequest(limit: 5, offset: 1))
            ] {
                let (sqlite, postgres) = (
                    try await ledgers[0].search.find(query, countingUpTo: 12), try await ledgers[1].search.find(query, countingUpTo: 12)
                )
                #expect(sqlite.items.map(\.code) == postgres.items.map(\.code), "\(text) \(query.page)")
                #expect(sqlite.total == postgres.total && sqlite.totalCapped == postgres.totalCapped, "\(text)")
                if !sqlite.items.isEmpty { answered += 1 }
            }
        }
        #expect(answered >= 50)  // most queries find something: the agreement is about hits, not about nothing
    }

    @Test func migrationSixIndexesAnExistingLedger() async throws {
        // A database written before the bigram index (schema v5) is searchable by short words once opened.
        let queue = try DatabaseQueue()
        try AppDatabase.migrator.migrate(queue, upTo: "v5: accounts and audit")
        try await queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO unit (id, key, name, region, body, version, updated_at) VALUES (1, 'U', '单位', '市直', '{}', 1, 'now');
                    INSERT INTO system (id, key, name, unit_key, status, body, version, updated_at)
                        VALUES (7, 'T', '综合服务平台', 'U', '运行', '{}', 1, 'now');
                    INSERT INTO system_fts (rowid, text) VALUES (7, 'T 综合服务平台 办理登记业务');
                    INSERT INTO system (id, key, name, unit_key, status, body, version, updated_at)
                        VALUES (9, 'S', '不动产登记平台', 'U', '运行', '{}', 1, 'now');
                    INSERT INTO system_fts (rowid, text) VALUES (9, 'S 不动产登记平台 支撑登记业务');
                    """)
        }
        let ledger = Ledger(database: try AppDatabase(queue), codes: Fixtures.codes)
        // v6 adds the bigram index, v7 the name index: the name match comes first though registered later.
        #expect(try await ledger.search.find(SearchQuery(text: "登记", kind: .system)).items.map(\.code) == ["S", "T"])
        #expect(try await ledger.search.find(SearchQuery(text: "登记业务", kind: .system)).items.map(\.code) == ["T", "S"])
        #expect(try await ledger.search.find(SearchQuery(text: "支撑登记", kind: .system)).items.map(\.code) == ["S"])
        #expect(try await ledger.search.find(SearchQuery(text: "动产登", kind: .system)).items.map(\.code) == ["S"])
    }
}
