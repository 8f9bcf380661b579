import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Interchange
import LedgerCore
import LedgerTestSupport
import Testing

@testable import LedgerServer
@testable import LedgerStore

/// Forms people can fill: numbers that are no numbers said so, rows added and removed, codes picked from their lists.
@Suite("Form controls")
struct FormControlsTests {
    static func encoded(_ text: String) -> String { queryValue(text) }

    static func fields(_ pairs: [(String, String)]) -> String { pairs.map { "\(encoded($0.0))=\(encoded($0.1))" }.joined(separator: "&") }

    static let resourceFields: [(String, String)] = [
        ("name", "抵押登记信息"), ("summary", "抵押登记"), ("format", "数据库"), ("shareType", "无条件共享"),
        (
            "shareMethod",
            ""
                + "接口"
        ),
        ("updateCycle", "每日")
    ]

    @Test func theCatalogEditorSaysWhatIsNoNumberAddsAndRemovesRowsAndNumbersNewCodes() async throws {
        let (ledger, app) = try await WebTests.app()
        try await app.test(.router) { client in
            let officer = try await BrowserSession.open(client, "officer")
            let (_, blank, _) = try await officer.get("/systems/S-OWN/resources/new")
            #expect(blank.contains("<option value=\"101001\">101001 基础信息资源/人口/人口基本信息</option>"))
            #expect(blank.contains("name=\"_more\"") && blank.contains("type=\"date\""))
            // “二十” as a length is refused as no number, at its row; nothing is written.
            let wrongLength =
                Self.resourceFields + [
                    ("classification", "103003"), ("items[0].name", "抵押权人"), ("items[0].type", "C"),
                    (
                        "items[0].lengt"
                            + "h", "二十"
                    )
                ]
            let (refused, _) = try await officer.post("/systems/S-OWN/resources/new", Self.fields(wrongLength))
            #expect(refused == .unprocessableContent)
            let page = try await officer.postPage("/systems/S-OWN/resources/new", Self.fields(wrongLength))
            #expect(visibleText(page).contains("第1项的长度“二十”不是数字"))
            // Another row on request, keeping what was typed.
            let more = try await officer.postPage(
                "/systems/S-OWN/resources/new",
                Self.fields(wrongLength.dropLast() + [("items[0].length", "20"), ("items[1].name", ""), ("_more", "1")]))
            #expect(more.contains("value=\"抵押权人\"") && more.contains("name=\"items[2].name\"") && !more.contains("name=\"items[3].name\""))
            // A blank sequence number takes the next free one under the classification.
            let (created, location) = try await officer.post(
                "/systems/S-OWN/resources/new", Self.fields(wrongLength.dropLast() + [("items[0].length", "20"), ("items[1].name", "")]))
            #expect(created == .seeOther && location?.contains("103003%2F000003") == true)
            let stored = try await ledger.records.fetch(CatalogResource.self, key: "103003/000003")
            #expect(stored.record.items.map(\.length) == [20])
            // A row marked 删除 goes.
            let edit =
                Self.resourceFields + [
                    ("_version", String(stored.version)), ("items[0].name", "抵押权人"), ("items[0].type", "C"), ("items[0].length", "20"),
                    ("items[1].name", "抵押金额"), ("items[1].type", "N"), ("items[1].length", "18"), ("items[0].remove", "1")
                ]
            let (saved, _) = try await officer.post("/resources/103003%2F000003/edit", Self.fields(edit))
            #expect(saved == .seeOther)
        }
        #expect(try await ledger.records.fetch(CatalogResource.self, key: "103003/000003").record.items.map(\.name) == ["抵押金额"])
    }

    @Test func listsAreTickedDatesArePickedAndChangeFilingsAreRows() async throws {
        let (ledger, app) = try await WebTests.app()
        try await app.test(.router) { client in
            let officer = try await BrowserSession.open(client, "officer")
            let (_, form, _) = try await officer.get("/systems/S-OWN/edit")
            #expect(form.contains("type=\"checkbox\" name=\"appCategories\"") && form.contains("value=\"政务服务类\" checked"))
            var cells = try RecordText.cells(of: try await ledger.records.fetch(InfoSystem.self, key: "S-OWN").record)
            cells["appCategories"] = nil
            let body = Self.fields(
                cells.map { ($0.key, $0.value) } + [("_version", "1"), ("appCategories", "政务服务类"), ("appCategories", "辅助决策类")])
            let (saved, _) = try await officer.post("/systems/S-OWN/edit", body)
            #expect(saved == .seeOther)
            let (_, project, _) = try await officer.get("/projects/P-OWN/edit")
            #expect(project.contains("name=\"changes[0].date\"") && project.contains("type=\"date\" name=\"milestones."))
            var projectCells = try RecordText.cells(of: try await ledger.records.fetch(Project.self, key: "P-OWN").record)
            projectCells["changes"] = nil
            let filing = [
                ("changes[0].date", "2026-05-01"), ("changes[0].description", "增加抵押模块"), ("changes[0].amountDelta", "50,000"),
                ("changes[0].filed", "true"), ("changes[1].date", ""), ("changes[1].description", "")
            ]
            let (filed, _) = try await officer.post(
                "/projects/P-OWN/edit", Self.fields(projectCells.map { ($0.key, $0.value) } + [("_version", "1")] + filing))
            #expect(filed == .seeOther)
            let (badAmount, _) = try await officer.post(
                "/projects/P-OWN/edit",
                Self.fields(
                    projectCells.map { ($0.key, $0.value) } + [
                        ("_version", "2"), ("changes[0].date", "2026-05-01"),
                        (
                            "changes[0].amountDelta",
                            ""
                                + "五万"
                        )
                    ]
                ))
            #expect(badAmount == .unprocessableContent)
        }
        #expect(try await ledger.records.fetch(InfoSystem.self, key: "S-OWN").record.appCategories == ["政务服务类", "辅助决策类"])
        let changes = try await ledger.records.fetch(Project.self, key: "P-OWN").record.changes
        #expect(changes.count == 1 && changes.first?.amountDelta == Money(yuan: 50_000) && changes.first?.filed == true)
        #expect(changes.first?.reReviewed == false && changes.first?.description == "增加抵押模块")
    }
}

extension BrowserSession {
    /// The page a form post answers with (a refused form comes back with its messages).
    func postPage(_ uri: String, _ fields: String) async throws -> String {
        let response = try await client.execute(
            uri: uri, method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "_csrf=\(csrf)&\(fields)"))
        return String(buffer: response.body)
    }
}
