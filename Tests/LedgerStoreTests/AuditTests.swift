import Foundation
import GRDB
import Interchange
import LedgerCore
import LedgerTestSupport
import Testing

@testable import LedgerStore

@Suite("Audit trail")
struct AuditTests {
    static let officer = Actor(username: "wangmin", role: .dataOfficer, unitUSCC: Fixtures.uscc(1), requestId: "req-1")

    @Test func dataItemsImportedFromCSVAreAuditedAsTheResourcesItems() async throws {
        let ledger = try await Fixtures.seededLedger()
        let folder = try Fixtures.temporaryDirectory()
        let url = folder.appendingPathComponent("data-items.csv")
        try Data("信息资源代码,信息项名称,数据类型,数据长度\n103003/000001,不动产权证号,C,64\n103003/000001,宗地面积,N,12\n".utf8).write(to: url)
        let before = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001").version
        let report = try await Importer(ledger: ledger, actor: Self.officer).run(files: [url], dryRun: false)
        #expect(report.committed)
        let entry = try #require(try await ledger.audit.entries(entity: "resource", key: "103003/000001").first)
        #expect(entry.actor == "wangmin" && entry.action == "update" && entry.changes.map(\.field) == ["items"])
        #expect(entry.changes[0].old?.contains("登记日期") == true && entry.changes[0].new?.contains("宗地面积") == true)
        #expect(try await ledger.records.fetch(CatalogResource.self, key: "103003/000001").version == before + 1)
        let again = try await Importer(ledger: ledger, actor: .commandLine).run(files: [url], dryRun: false)  // the same items: no entry
        let entries = try await ledger.audit.entries(entity: "resource", key: "103003/000001")
        #expect(again.committed && entries.count == 2)
        #expect(try await ledger.audit.verify().isIntact)
    }

    @Test func changesAreRecordedFieldByFieldWithWhoAndWhen() async throws {
        let ledger = try await Fixtures.seededLedger()
        let stored = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001")
        var resource = stored.record
        resource.shareType = "不予共享"
        resource.shareCondition = "《中华人民共和国个人信息保护法》第二十八条"
        resource.shareMethod = nil
        resource.items[0].length = 80
        _ = try await ledger.records.update(CatalogResource.self, id: stored.id, with: resource, expectedVersion: nil, by: Self.officer)
        let entry = try #require(try await ledger.audit.entries(entity: "resource", key: "103003/000001").first)
        #expect(entry.actor == "wangmin" && entry.role == "data-officer" && entry.requestId == "req-1" && entry.action == "update")
        #expect(entry.changes.contains(FieldChange(field: "shareType", old: "有条件共享", new: "不予共享")))
        #expect(entry.changes.contains(FieldChange(field: "shareMethod", old: "接口", new: nil)))
        #expect(
            entry.changes.contains { $0.field == "items" && $0.old?.contains("\"length\":64") == true && $0.new?.contains("\"length\":80") == true })
        #expect(!entry.changes.contains { $0.field == "name" })
        let created = try await ledger.audit.entries(entity: "resource", key: "103003/000001").last
        #expect(created?.action == "create" && created?.actor == "cli")
        #expect(created?.changes.count == 1 && created?.changes[0].field == "*")
        #expect(created?.changes[0].new?.contains(#""shareType":"有条件共享""#) == true)

        let system = try await ledger.records.fetch(InfoSystem.self, key: "TZ-SYS-001")
        _ = try await ledger.records.update(InfoSystem.self, id: system.id, with: system.record, expectedVersion: nil, by: .commandLine)  // no change
        #expect(try await ledger.audit.entries(entity: "system", key: "TZ-SYS-001").count == 1)
        try await ledger.records.delete(CatalogResource.self, id: stored.id, expectedVersion: nil, by: .commandLine)
        let deleted = try #require(try await ledger.audit.entries(entity: "resource", key: "103003/000001").first)
        #expect(deleted.action == "delete" && deleted.changes.contains(FieldChange(field: "shareType", old: "不予共享", new: nil)))
        #expect(try await ledger.audit.verify().isIntact)
    }

    @Test func theProductCannotUpdateOrDeleteAnEntry() async throws {
        let ledger = try await Fixtures.seededLedger()
        await #expect(throws: (any Error).self) {
            try await ledger.sqlite.writer.write { try $0.execute(sql: "UPDATE audit_entry SET actor = 'x' WHERE seq = 1") }
        }
        await #expect(throws: (any Error).self) {
            try await ledger.sqlite.writer.write { try $0.execute(sql: "DELETE FROM audit_entry WHERE seq = 2") }
        }
        #expect(try await ledger.audit.verify().entries == 4)
    }

    /// Someone with the database file drops the triggers and tampers; verification names the entry.
    func tampered(_ sql: String) async throws -> AuditVerification {
        let ledger = try await Fixtures.seededLedger()
        try await ledger.sqlite.writer.write { db in
            try db.execute(sql: "DROP TRIGGER audit_entry_no_update; DROP TRIGGER audit_entry_no_delete;")
            try db.execute(sql: sql)
        }
        return try await ledger.audit.verify()
    }

    @Test func anEditedEntryIsNamed() async throws {
        let result = try await tampered("UPDATE audit_entry SET actor = 'someone-else' WHERE seq = 2")
        #expect(!result.isIntact)
        #expect(result.problems.count == 1)
        #expect(result.problems.first?.hasPrefix("记录 #2（project TZXM-2025-001") == true)
        #expect(result.problems.first?.contains("内容与其哈希不符") == true)
    }

    @Test func aRemovedEntryIsNamed() async throws {
        let result = try await tampered("DELETE FROM audit_entry WHERE seq = 2")
        #expect(result.problems.contains { $0.contains("序号为 3，应为 2") })
        #expect(result.problems.contains { $0.hasPrefix("记录 #3") && $0.contains("链接不符") })
    }

    @Test func reorderedEntriesAreNamed() async throws {
        let result = try await tampered(
            """
            UPDATE audit_entry SET seq = 100 WHERE seq = 2; UPDATE audit_entry SET seq = 2 WHERE seq = 3; UPDATE audit_entry SET seq = 3 WHERE seq\
             = 100;
            """)
        #expect(!result.isIntact)
        #expect(result.problems.contains { $0.hasPrefix("记录 #2") })
    }
}
