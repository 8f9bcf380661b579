import Compliance
import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerServer
import LedgerStore
import LedgerTestSupport
import Logging
import Services
import Testing

@Suite("Compliance API over a live socket")
struct ComplianceAPITests {
    /// The seeded ledger with the system accepted in 2022 (free period over) and its app 政务服务类.
    static func ledger(on store: TestStore) async throws -> TestLedger {
        let test = try await TestLedger.make(on: store, seeded: true)
        let ledger = test.ledger
        let stored = try await ledger.records.fetch(Project.self, key: "TZXM-2025-001")
        var project = stored.record
        project.milestones.approved = CivilDate("2021-03-01")
        project.milestones.contractSigned = CivilDate("2021-05-10")
        project.milestones.procurementFiled = CivilDate("2021-05-12")
        project.milestones.completionAccepted = CivilDate("2022-06-30")
        _ = try await ledger.records.update(Project.self, id: stored.id, with: project, expectedVersion: nil, by: .commandLine)
        return test
    }

    static func app(_ ledger: Ledger) throws -> some ApplicationProtocol {
        let compliance = try ComplianceService(ledger: ledger, catalog: Fixtures.catalog)
        return buildApplication(ledger: ledger, compliance: compliance, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
    }

    @Test(arguments: TestStore.available) func fundingIsDecidedStoredExportedAndReplayed(store: TestStore) async throws {
        let test = try await Self.ledger(on: store)
        defer { test.close() }
        let ledger = test.ledger
        try await signedIn(ledger, try Self.app(ledger), .live) { client in
            let created = try await client.execute(
                uri: "/api/v1/funding", method: .post,
                body: ByteBuffer(string: #"{"year": 2027, "asOf": "2026-10-31"}"#))
            #expect(created.status == .created)
            let batch = try CanonicalJSON.decoder.decode(FundingBatch.self, from: Data(created.body.readableBytesView))
            let decision = try #require(batch.decisions.first)
            #expect(decision.systemCode == "TZ-SYS-001")
            #expect(decision.construction.status == .ineligible)  // acceptance never filed (Art. 19)
            #expect(decision.construction.blockers.contains { $0.check == "accepted" && $0.article == "Art. 19" })
            #expect(decision.operations.status == .ineligible)
            #expect(decision.inputs.asOf == CivilDate("2026-10-31"))

            let csv = try await client.execute(uri: "/api/v1/funding/\(batch.id)?format=csv", method: .get)
            #expect(csv.headers[.contentDisposition]?.contains("funding-2027-\(batch.id).csv") == true)
            let bytes = Array(csv.body.readableBytesView)
            #expect(bytes.prefix(3) == [0xEF, 0xBB, 0xBF])
            #expect(String(decoding: bytes, as: UTF8.self).contains("TZ-SYS-001,滕州市不动产登记信息管理平台"))

            let replay = try await client.execute(uri: "/api/v1/funding/\(batch.id)/replay", method: .post)
            let report = try JSONDecoder().decode(ReplayReport.self, from: Data(replay.body.readableBytesView))
            #expect(report.batch == batch.id && report.matching == 1 && report.differing.isEmpty)

            let missing = try await client.execute(uri: "/api/v1/funding/999", method: .get)
            #expect(missing.status == .notFound)
        }
    }

    /// A batch's decisions come a page at a time, each page saying where the next is: a province's batch is 50,000
    /// decisions, too many for one answer.
    @Test(arguments: TestStore.available) func aBatchIsReadAPageAtATime(store: TestStore) async throws {
        let test = try await Self.ledger(on: store)
        defer { test.close() }
        let ledger = test.ledger
        for code in ["TZ-SYS-002", "TZ-SYS-003"] { _ = try await ledger.records.create(Fixtures.system(code: code), by: .commandLine) }
        try await signedIn(ledger, try Self.app(ledger), .live) { client in
            let created = try await client.execute(
                uri: "/api/v1/funding", method: .post, body: ByteBuffer(string: #"{"year": 2027, "asOf": "2026-10-31"}"#))
            let id = try CanonicalJSON.decoder.decode(FundingBatch.self, from: Data(created.body.readableBytesView)).id
            var uri: String? = "/api/v1/funding/\(id)?limit=2"
            var pages: [[String]] = []
            while let next = uri {
                let page = try CanonicalJSON.decoder.decode(
                    FundingBatch.self, from: Data(try await client.execute(uri: next, method: .get).body.readableBytesView))
                pages.append(page.decisions.map(\.systemCode))
                #expect(page.counts["operations"]?.values.reduce(0, +) == 3)  // the counts are the whole batch's
                uri = page.next
            }
            #expect(pages == [["TZ-SYS-001", "TZ-SYS-002"], ["TZ-SYS-003"]])
            #expect(try await client.execute(uri: "/api/v1/funding/\(id)?limit=0", method: .get).status == .badRequest)
            let csv = String(buffer: try await client.execute(uri: "/api/v1/funding/\(id)?format=csv", method: .get).body)
            #expect(csv.components(separatedBy: "批次,财政年度").count == 2)  // the header once
            #expect(["TZ-SYS-001", "TZ-SYS-002", "TZ-SYS-003"].allSatisfy { csv.contains(",\($0),") })
        }
    }

    @Test(arguments: TestStore.available) func waiversReviewsAndDeregistration(store: TestStore) async throws {
        let test = try await Self.ledger(on: store)
        defer { test.close() }
        let ledger = test.ledger
        try await signedIn(ledger, try Self.app(ledger), .live) { client in
            let badWaiver = try await client.execute(
                uri: "/api/v1/systems/TZ-SYS-001/waivers", method: .post,
                body: ByteBuffer(string: #"{"check": "xinchuang", "reason": " ", "approver": "李某", "expiresOn": "2027-06-30"}"#))
            #expect(badWaiver.status == .unprocessableContent)
            let waiver = try await client.execute(
                uri: "/api/v1/systems/TZ-SYS-001/waivers", method: .post,
                body: ByteBuffer(
                    string: #"{"check": "xinchuang", "reason": "替代产品未上市", "approver": "李某", "expiresOn": "2027-06-3"#
                        + #"0"}"#))
            #expect(waiver.status == .created)

            // As of today: a waiver counts from the day it was granted (it was granted today).
            let review = try await client.execute(
                uri: "/api/v1/systems/TZ-SYS-001/reviews", method: .post,
                body: ByteBuffer(string: #"{"asOf": "\#(CivilDate(Date()))"}"#))
            #expect(review.status == .created)
            let stored = try CanonicalJSON.decoder.decode(StoredReview.self, from: Data(review.body.readableBytesView))
            #expect(stored.report.items.count == 5)
            #expect(stored.report.recommendation == .reject)
            #expect(stored.report.checks.first { $0.check == .xinchuang }?.waiver?.approver == "李某")
            let decided = try await client.execute(
                uri: "/api/v1/reviews/\(stored.id)/decision", method: .post,
                body: ByteBuffer(string: #"{"outcome": "不通过", "opinion": "材料不全", "reviewer": "王某", "decidedOn": "2026-11-02"}"#))
            #expect(decided.status == .ok)
            let again = try await client.execute(
                uri: "/api/v1/reviews/\(stored.id)/decision", method: .post,
                body: ByteBuffer(string: #"{"outcome": "通过", "opinion": "改判", "reviewer": "赵某", "decidedOn": "2026-11-03"}"#))
            #expect(again.status == .conflict)
            let page = try await client.execute(uri: "/api/v1/reviews/\(stored.id)?format=html", method: .get)
            let html = String(decoding: page.body.readableBytesView, as: UTF8.self)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(html.contains("@page { size: A4"))
            #expect(html.contains("审查结论</th><td><strong>不通过</strong>"))
            #expect(!html.contains("http://") && !html.contains("https://"))

            let plan =
                #"{"suspension": "业务并入一网通办", "policy": "Art. 23(2)", "steps": "停止受理、迁移", "timeline": "2026年12月", "#
                + #""resourceRelease": "释放政务云资源", "dataMigration": "全量备份并迁移"}"#
            let incomplete = try await client.execute(
                uri: "/api/v1/systems/TZ-SYS-001/deregistrations", method: .post,
                body: ByteBuffer(
                    string: #"{"reason": 2, "appliedOn": "2026-11-02", "plan": \#(plan.replacingOccurrences(of: "全量备份并迁移", with: ""))"#
                        + "}")
            )
            #expect(incomplete.status == .unprocessableContent)
            #expect(String(decoding: incomplete.body.readableBytesView, as: UTF8.self).contains("plan.dataMigration"))
            let applied = try await client.execute(
                uri: "/api/v1/systems/TZ-SYS-001/deregistrations", method: .post,
                body: ByteBuffer(string: #"{"reason": 2, "appliedOn": "2026-11-02", "plan": \#(plan)}"#))
            #expect(applied.status == .created)
            let deadlines = try await client.execute(uri: "/api/v1/deadlines?asOf=2026-11-20&overdue=true", method: .get)
            let overdue = try CanonicalJSON.decoder.decode([Deadline].self, from: Data(deadlines.body.readableBytesView))
            // 10 working days from Monday 2026-11-02 is Monday 2026-11-16.
            #expect(overdue.contains { $0.kind == "deregistration-review" && $0.dueOn == CivilDate("2026-11-16") && $0.daysLeft == -4 })
            #expect(overdue.contains { $0.kind == "acceptance-filing" && $0.article == "Art. 19" })
            // A due date in a year the working-day calendar does not cover is listed as 无法计算 with why, never dropped.
            var old = Fixtures.project(code: "TZXM-2018-009", unit: Fixtures.uscc(1))
            old.milestones.contractSigned = CivilDate("2018-05-10")
            _ = try await ledger.records.create(old, by: .commandLine)
            let withOld = try await client.execute(uri: "/api/v1/deadlines?asOf=2026-11-20&overdue=true", method: .get)
            let attention = try CanonicalJSON.decoder.decode([Deadline].self, from: Data(withOld.body.readableBytesView))
            let unknown = try #require(attention.first { $0.projectCode == "TZXM-2018-009" })
            #expect(unknown.status == .unknown && unknown.note?.contains("2018") == true && unknown.dueOn == nil)
            let reviewed = try await client.execute(
                uri: "/api/v1/deregistrations/1/review", method: .post,
                body: ByteBuffer(string: #"{"approved": true, "opinion": "同意注销", "reviewer": "张某", "reviewedOn": "2026-11-12"}"#))
            #expect(reviewed.status == .ok)
        }
        #expect(try await ledger.records.fetch(InfoSystem.self, key: "TZ-SYS-001").record.status == .deregistered)
    }
}
