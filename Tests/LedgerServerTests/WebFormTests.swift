import Foundation
import Hummingbird
import HummingbirdTesting
import Interchange
import LedgerCore
import LedgerServer
import LedgerStore
import LedgerTestSupport
import Presentation
import Spreadsheet
import Testing

@Suite("Web forms: ledger, import, history, admin")
struct WebFormTests {
    /// Percent-encodes a form value.
    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    @Test func theOfficerEditsTheSystemLedgerWithMessagesAtTheFields() async throws {
        let (ledger, app) = try await WebTests.app()
        try await app.test(.router) { client in
            let officer = try await BrowserSession.open(client, "officer")
            let (status, form, _) = try await officer.get("/systems/S-OWN/edit")
            #expect(status == .ok && form.contains(">等保级别</label></th>") && form.contains("value=\"政务服务类\""))
            // Every field the form shows, as the browser posts it back.
            var fields = try RecordText.cells(of: try await ledger.records.fetch(InfoSystem.self, key: "S-OWN").record)
            #expect(form.contains("name=\"_version\" value=\"1\""))
            fields["_version"] = "1"
            fields["security.mlpsLevel"] = "三级"
            fields["deployment.govCloud"] = "也许"
            let body = fields.map { "\(Self.encoded($0.key))=\(Self.encoded($0.value))" }.joined(separator: "&")
            let refused = try await client.execute(
                uri: "/systems/S-OWN/edit", method: .post,
                headers: [.cookie: officer.cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "_csrf=\(officer.csrf)&\(body)"))
            let html = String(buffer: refused.body)
            #expect(refused.status == .unprocessableContent)
            #expect(html.contains("value=\"三级\">") && html.contains("<span class=\"error\">等保级别：“三级”不是整数</span>"))
            #expect(html.contains("部署于政务云：“也许”应为“是”或“否”"))
            fields["security.mlpsLevel"] = "3"
            fields["deployment.govCloud"] = "是"
            fields["summary"] = "不动产登记、查询与共享"
            fields["unitUSCC"] = TwoUnits.other  // not editable here: ignored
            let (saved, location) = try await officer.post(
                "/systems/S-OWN/edit",
                fields.map { "\(Self.encoded($0.key))=\(Self.encoded($0.value))" }.joined(separator: "&"))
            #expect(saved == .seeOther && location == "/systems/S-OWN?done=saved&code=S%2DOWN")
            let (missing, _) = try await officer.post("/systems/new", "code=S-NEW&name=x&unitUSCC=\(TwoUnits.own)")
            #expect(missing == .unprocessableContent)  // 应用类别 is required
            let (created, _) = try await officer.post(
                "/systems/new",
                "code=S-NEW&name=%E6%96%B0%E7%B3%BB%E7%BB%9F&unitUSCC=\(TwoUnits.own)&status=%E5%BB%BA%E8%AE%BE%E4%B8%AD"
                    + "&appCategories=\(Self.encoded("政务服务类"))"
            )
            #expect(created == .seeOther)
            let (forbidden, _) = try await officer.post("/systems/new", "code=S-NEW2&name=x&unitUSCC=\(TwoUnits.other)")
            #expect(forbidden == .forbidden)
        }
        let system = try await ledger.records.fetch(InfoSystem.self, key: "S-OWN").record
        #expect(system.summary == "不动产登记、查询与共享" && system.security.mlpsLevel == 3 && system.deployment.govCloud)
        #expect(system.unitUSCC == TwoUnits.own)
        let entry = try #require(try await ledger.audit.entries(entity: "system", key: "S-OWN").first)
        #expect(entry.actor == "officer" && entry.changes.map(\.field).contains("security.mlpsLevel"))
        #expect(try await ledger.records.fetch(InfoSystem.self, key: "S-NEW").record.unitUSCC == TwoUnits.own)
    }

    @Test func theHistoryPageSaysWhoChangedTheShareTypeAndWhen() async throws {
        let (ledger, app) = try await WebTests.app()
        let stored = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001")
        var changed = stored.record
        changed.shareType = "不予共享"
        changed.shareCondition = "《统计法》第九条"
        let officer = try #require(try await ledger.accounts.accounts().first { $0.username == "officer" })
        _ = try await ledger.records.update(CatalogResource.self, id: stored.id, with: changed, expectedVersion: nil, by: officer.actor())
        try await app.test(.router) { client in
            let reviewer = try await BrowserSession.open(client, "reviewer")
            let (status, html, _) = try await reviewer.get("/resources/103003%2F000001/history")
            #expect(status == .ok)
            #expect(html.contains("共享类型：有条件共享 → 不予共享") && !html.contains("shareType"))
            // The person by name, the time in Beijing time (no UTC `Z`), the action in words.
            #expect(html.contains("\(officer.displayName)（数据专员）") && html.contains("共 2 条") && html.contains("修改信息资源"))
            #expect(html.contains(BeijingTime.text(try await ledger.audit.entries(entity: "resource", key: "103003/000001", limit: 1)[0].at)))
            #expect(html.range(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d"#, options: .regularExpression) == nil)
            let (_, system, _) = try await reviewer.get("/systems/S-OWN")
            #expect(system.contains("href=\"/resources/103003%2F000001\"") && system.contains("/systems/S-OWN/history"))
        }
    }

    @Test func theAdminManagesAccountsAndWaiversAndReadsThePolicy() async throws {
        let (ledger, app) = try await WebTests.app()
        try await app.test(.router) { client in
            let admin = try await BrowserSession.open(client, "admin")
            let (short, _) = try await admin.post(
                "/admin/users", "username=clerk&displayName=x&role=data-officer&unitUSCC=\(TwoUnits.own)&password=short")
            #expect(short == .unprocessableContent)
            let (created, _) = try await admin.post(
                "/admin/users",
                "username=clerk&displayName=%E5%BC%A0%E4%B8%89&role=data-officer&unitUSCC=\(TwoUnits.own)&password=correct+horse+battery")
            #expect(created == .seeOther)
            let (disabled, _) = try await admin.post("/admin/users/clerk/disable", "")
            #expect(disabled == .seeOther)
            let (own, _) = try await admin.post("/admin/users/admin/disable", "")
            #expect(own == .conflict)
            let (_, users, _) = try await admin.get("/admin/users")
            #expect(users.contains("clerk") && users.contains("张三") && users.contains("已停用"))
            let (badDate, _) = try await admin.post(
                "/admin/waivers", "systemCode=S-OWN&check=cloud&reason=%E5%BE%85%E8%BF%81%E7%A7%BB&approver=a&expiresOn=2027-13-01")
            #expect(badDate == .unprocessableContent)
            let (noSystem, _) = try await admin.post("/admin/waivers", "systemCode=S-NONE&check=cloud&reason=r&approver=a&expiresOn=2027-06-30")
            #expect(noSystem == .unprocessableContent)
            let (granted, _) = try await admin.post(
                "/admin/waivers", "systemCode=S-OWN&check=cloud&reason=%E5%BE%85%E8%BF%81%E7%A7%BB&approver=%E5%B1%80%E9%95%BF&expiresOn=2027-06-30")
            #expect(granted == .seeOther)
            let (_, waivers, _) = try await admin.get("/admin/waivers")
            #expect(waivers.contains("待迁移") && waivers.contains("2027-06-30"))
            let (_, policy, _) = try await admin.get("/admin/policy")
            #expect(policy.contains("tengzhou-2025") || policy.contains("版本"))
            #expect(policy.contains("SHA-256 <code>") && policy.contains("运维经费上限（建设资金的%）"))
        }
        #expect(try await ledger.accounts.accounts().first { $0.username == "clerk" }?.disabled == true)
        #expect(try await ledger.evaluations.waivers(systemCode: "S-OWN").first?.waiver.approver == "局长")
        #expect(try await ledger.audit.entries(entity: "account", key: "clerk").map(\.action) == ["disable", "create"])
    }

    @Test func anImportIsPreviewedRowByRowAndWrittenOnlyWhenConfirmed() async throws {
        let (ledger, app) = try await WebTests.app()
        let header = "信息资源代码,信息资源名称,来源系统编号,信息资源摘要,信息资源格式,共享类型,共享条件,共享方式,更新周期\r\n"
        let bad =
            header + "103003/000005,宗地信息,S-OWN,宗地,数据库,有条件共享,,接口,每日\r\n"
            + "103003/000006,他人的资源,S-OTHER,他人,数据库,无条件共享,,接口,每日\r\n"
        try await app.test(.router) { client in
            let officer = try await BrowserSession.open(client, "officer")
            let (refused, preview) = try await officer.upload("/import", files: [("资源.csv", Data(bad.utf8))])
            #expect(refused == .unprocessableContent)
            #expect(
                preview.contains("资源.csv:2") && visibleText(preview).contains("资源.csv:2 共享条件")
                    && !visibleText(preview).contains("shareCondition"))
            #expect(preview.contains("资源.csv:3") && preview.contains("title=\"import.own-unit\""))
            #expect(!preview.contains("确认导入"))

            // The same rows fixed, as an Excel workbook with a title row above the header.
            let rows = [
                ["信息资源目录（滕州市自然资源局）"], header.trimmingCharacters(in: .newlines).components(separatedBy: ","),
                ["103003/000005", "宗地信息", "S-OWN", "宗地", "数据库", "有条件共享", "仅限履职使用", "接口", "每日"]
            ]
            let workbook = try XLSXWriter.data(Workbook(sheets: [Sheet(name: "信息资源", rows: rows)]))
            let (checked, good) = try await officer.upload("/import", files: [("目录.xlsx", workbook)])
            #expect(checked == .ok && good.contains("预检通过") && good.contains("目录.xlsx#信息资源"))
            #expect(try await ledger.records.list(CatalogResource.self, filters: ["system": "S-OWN"]).total == 1)  // nothing written yet
            let commit = try #require(
                good.components(separatedBy: "action=\"").dropFirst().first { $0.hasPrefix("/import/") }?
                    .components(separatedBy: "\"").first)
            let reviewer = try await BrowserSession.open(client, "reviewer")
            let (notYours, _) = try await reviewer.post(commit, "")
            #expect(notYours == .forbidden)
            let (done, _) = try await officer.post(commit, "")
            #expect(done == .ok)
            let (again, _) = try await officer.post(commit, "")
            #expect(again == .notFound)  // the upload is gone once imported
        }
        let imported = try await ledger.records.fetch(CatalogResource.self, key: "103003/000005").record
        #expect(imported.name == "宗地信息" && imported.systemCode == "S-OWN")
        #expect(try await ledger.audit.entries(entity: "resource", key: "103003/000005").first?.actor == "officer")
    }

    @Test func financeAndEveryoneGetExcelWorkbooks() async throws {
        let (_, app) = try await WebTests.app()
        try await app.test(.router) { client in
            let finance = try await BrowserSession.open(client, "finance")
            let (_, location) = try await finance.post("/funding", "year=2027&asOf=2026-10-31")
            let id = try #require(location?.components(separatedBy: "batch=").last)
            let response = try await client.execute(uri: "/api/v1/funding/\(id)?format=xlsx", method: .get, headers: [.cookie: finance.cookie])
            #expect(response.headers[.contentType] == XLSXWriter.contentType)
            let sheet = try XLSXReader.read(Data(buffer: response.body), file: "funding.xlsx").sheets[0]
            #expect(sheet.rows[0].first == "批次" && sheet.rows.count == 3)
            #expect(Set(sheet.rows.dropFirst().map { $0[3] }) == ["S-OWN", "S-OTHER"])
            let template = try await client.execute(uri: "/export.xlsx?template=1", method: .get, headers: [.cookie: finance.cookie])
            let book = try XLSXReader.read(Data(buffer: template.body), file: "template.xlsx")
            #expect(book.sheets.map(\.name) == ["建设单位", "项目", "政务信息系统", "信息资源", "信息项", "代码表"])
            #expect(book["信息资源"]?.rows.count == 1 && book["代码表"]?.hidden == false)
            #expect(book["代码表"]?.rows.first?.contains("共享类型") == true)
        }
    }
}

extension Data {
    init(buffer: ByteBuffer) { self.init(buffer.readableBytesView) }
}
