import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerServer
import LedgerStore
import LedgerTestSupport
import Services
import Testing

/// A browser-like session against the router: logs in with the form, keeps the cookie, sends the CSRF token.
struct BrowserSession {
    let client: any TestClientProtocol
    let cookie: String
    let csrf: String

    static func open(_ client: any TestClientProtocol, _ username: String) async throws -> BrowserSession {
        let login = try await client.execute(
            uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "username=\(username)&password=correct+horse+battery"))
        let cookie = String(try #require(login.headers[.setCookie]).split(separator: ";")[0])
        let home = try await client.execute(uri: "/funding", method: .get, headers: [.cookie: cookie])
        let html = String(buffer: home.body)
        let csrf = html.components(separatedBy: "name=\"_csrf\" value=\"").dropFirst().first.map { String($0.prefix(64)) } ?? ""
        return BrowserSession(client: client, cookie: cookie, csrf: csrf)
    }

    func get(_ uri: String) async throws -> (HTTPResponse.Status, String, String?) {
        let response = try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie])
        return (response.status, String(buffer: response.body), response.headers[.location])
    }

    func post(_ uri: String, _ fields: String) async throws -> (HTTPResponse.Status, String?) {
        let response = try await client.execute(
            uri: uri, method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "_csrf=\(csrf)&\(fields)"))
        return (response.status, response.headers[.location])
    }
}

@Suite("Web pages of each role")
struct WebTests {
    static func app() async throws -> (Ledger, some ApplicationProtocol) {
        let ledger = try await TwoUnits.ledger()
        for (name, role, unit) in PermissionTests.roles {
            _ = try await ledger.accounts.createAccount(
                username: name, displayName: role.label, role: role, unitUSCC: unit,
                password: "correct horse battery", cost: 4, by: .commandLine)
        }
        let compliance = try ComplianceService(ledger: ledger, catalog: Fixtures.catalog)
        return (ledger, Application(router: buildRouter(ledger: ledger, compliance: compliance)))
    }

    @Test func eachRoleLandsOnItsOwnPage() async throws {
        let (_, app) = try await Self.app()
        try await app.test(.router) { client in
            for (name, home, heading) in [
                ("officer", "/unit", "滕州市自然资源局 的政务信息系统"), ("reviewer", "/review", "待审核目录"),
                ("finance", "/funding", "运维及建设资金评估"), ("admin", "/admin", "全市概览")
            ] {
                let session = try await BrowserSession.open(client, name)
                let (status, _, location) = try await session.get("/")
                #expect(status == .seeOther && location == home, "\(name)")
                let (pageStatus, html, _) = try await session.get(home)
                #expect(pageStatus == .ok && html.contains(heading), "\(name) \(home)")
                #expect(!html.contains("http://") || html.contains("http://www.w3.org/2000/svg"), "no external assets on \(home)")
            }
        }
    }

    /// The search box is on every page; 社保 finds what the ledger calls 社会保障 (the synonyms in catalog/codelists.yaml),
    /// each kind is a facet with its count, and a system links to its page.
    @Test func theSearchBoxFindsAbbreviationsWithFacets() async throws {
        let (ledger, app) = try await Self.app()
        var system = Fixtures.system(code: "S-SB", unit: TwoUnits.own)
        system.name = "社会保障卡一卡通服务系统"
        _ = try await ledger.records.create(system, by: .commandLine)
        try await app.test(.router) { client in
            let officer = try await BrowserSession.open(client, "officer")
            let (_, unit, _) = try await officer.get("/unit")
            #expect(unit.contains("action=\"/search\"") && unit.contains("name=\"q\""))
            let (status, found, _) = try await officer.get("/search?q=%E7%A4%BE%E4%BF%9D")  // 社保
            #expect(status == .ok)
            #expect(found.contains("href=\"/systems/S-SB\"") && found.contains("社会保障卡一卡通服务系统"))
            #expect(found.contains("同时检索：社会保障") && found.contains("政务信息系统（1）"))
            // A system is said to belong to its unit by name, not by its code.
            #expect(found.contains("<td>滕州市自然资源局</td>") && !found.contains("<td>\(TwoUnits.own)</td>"))
            let (_, none, _) = try await officer.get("/search?q=%E6%B2%A1%E6%9C%89%E8%BF%99%E4%B8%AA")  // 没有这个
            #expect(none.contains("全部（0）") && none.contains("没有找到"))
        }
    }

    @Test func theOfficerSeesItsUnitAndWhatToFix() async throws {
        let (_, app) = try await Self.app()
        try await app.test(.router) { client in
            let officer = try await BrowserSession.open(client, "officer")
            let (_, unit, _) = try await officer.get("/unit")
            #expect(unit.contains("S-OWN") && !unit.contains("S-OTHER"))
            let (_, system, _) = try await officer.get("/systems/S-OWN")
            #expect(system.contains("<span title=\"xinchuang\">") && system.contains("在一本账登记信创情况"))
            #expect(system.contains("变更记录") && system.contains("登记政务信息系统 S-OWN") && !system.contains("create system"))
            let (refused, _) = try await officer.post("/funding", "year=2027")
            #expect(refused == .forbidden)
        }
    }

    @Test func theReviewerApprovesACatalogAndRecordsAReview() async throws {
        let (ledger, app) = try await Self.app()
        let pending = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001")
        _ = try await ledger.records.transition(resourceID: pending.id, .submit, reason: nil, expectedVersion: nil, by: .commandLine)
        try await app.test(.router) { client in
            let reviewer = try await BrowserSession.open(client, "reviewer")
            // The queue leads to the resource's content; the decision is taken there, confirmed, on the version shown.
            let (_, queue, _) = try await reviewer.get("/review")
            #expect(queue.contains("/resources/103003%2F000001") && !queue.contains("/review/resources/\(pending.id)/approve"))
            let (_, shown, _) = try await reviewer.get("/resources/103003%2F000001")
            #expect(shown.contains("/review/resources/\(pending.id)/approve") && visibleText(shown).contains("信息项（"))
            #expect(visibleText(shown).contains("尚未审核过：这是首次提交"))
            let version = try #require(shown.firstMatch(of: /name="_version" value="(\d+)"/).map { String($0.1) })
            let (unconfirmed, _) = try await reviewer.post("/review/resources/\(pending.id)/approve", "_version=\(version)")
            #expect(unconfirmed == .badRequest)
            let (stale, _) = try await reviewer.post("/review/resources/\(pending.id)/approve", "_version=1&confirmed=1")
            #expect(stale == .conflict)
            let (status, location) = try await reviewer.post("/review/resources/\(pending.id)/approve", "_version=\(version)&confirmed=1")
            #expect(status == .seeOther && location == "/review?done=approved&code=103003%2F000001")
            let (_, afterApproval, _) = try await reviewer.get(try #require(location))
            #expect(afterApproval.contains("<p class=\"flash\" role=\"status\">已通过“103003/000001”的审核，目录已发布。</p>"))
            // Only the fixed sentences are shown: an address cannot put its own words on the page.
            let (_, forgedFlash, _) = try await reviewer.get("/review?done=%3Cb%3Ehi&code=%3Cscript%3E")
            #expect(!forgedFlash.contains("class=\"flash\"") && !forgedFlash.contains("<script>"))
            let (_, escaped, _) = try await reviewer.get("/review?done=saved&code=%3Cscript%3E")
            #expect(escaped.contains("已保存“&lt;script&gt;”") && !escaped.contains("<script>"))
            let forged = try await client.execute(
                uri: "/review/resources/\(pending.id)/return", method: .post,
                headers: [.cookie: reviewer.cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "reason=x"))
            #expect(forged.status == .forbidden)  // no CSRF token
            let (_, page, _) = try await reviewer.get("/systems/S-OWN/review")
            #expect(page.contains("（4）") || page.contains("统建平台"))
            let (decided, report) = try await reviewer.post(
                "/systems/S-OWN/review", "outcome=%E4%B8%8D%E9%80%9A%E8%BF%87&opinion=%E6%9D%90%E6%96%99%E4%B8%8D%E5%85%A8")
            #expect(decided == .seeOther)
            let (_, printable, _) = try await reviewer.get(try #require(report))
            #expect(printable.contains("审查结论</th><td><strong>不通过</strong>") && printable.contains("材料不全"))
            // The recorded review is found again from the system's page.
            let (_, systemPage, _) = try await reviewer.get("/systems/S-OWN")
            let link = try #require(report)
            #expect(systemPage.contains("验收前置审查记录（1）") && systemPage.contains("href=\"\(link)\""))
            #expect(systemPage.contains("材料不全"))
        }
        #expect(try await ledger.records.fetch(CatalogResource.self, key: "103003/000001").record.state == .published)
        #expect(try await ledger.audit.entries(entity: "resource", key: "103003/000001").first?.actor == "reviewer")
    }

    @Test func financeRunsTheFundingTableAndFiltersIt() async throws {
        let (_, app) = try await Self.app()
        try await app.test(.router) { client in
            let finance = try await BrowserSession.open(client, "finance")
            let (status, location) = try await finance.post("/funding", "year=2027&asOf=2026-10-31")
            #expect(status == .seeOther)
            let (_, table, _) = try await finance.get(try #require(location))
            #expect(table.contains("S-OWN") && table.contains("S-OTHER") && table.contains("导出 CSV"))
            #expect(table.contains("<details>"))
            let (_, filtered, _) = try await finance.get(try #require(location) + "&status=eligible")
            #expect(!filtered.contains(">S-OWN<"))
        }
    }

    @Test func theOfficerEditsACatalogWithMessagesAtTheFieldsAndSubmitsIt() async throws {
        let (ledger, app) = try await Self.app()
        try await app.test(.router) { client in
            let officer = try await BrowserSession.open(client, "officer")
            let (_, form, _) = try await officer.get("/resources/103003%2F000001/edit")
            #expect(form.contains("aria-label=\"第2项名称\" value=\"登记日期\"") && form.contains("aria-label=\"第3项名称\" value=\"\""))
            #expect(form.contains("name=\"_version\" value=\"1\""))
            let fields =
                "_version=1&name=%E4%B8%8D%E5%8A%A8%E4%BA%A7&summary=s&format=%E6%95%B0%E6%8D%AE%E5%BA%93"
                + "&shareType=%E6%9C%89%E6%9D%A1%E4%BB%B6%E5%85%B1%E4%BA%AB"
                + "&shareMethod=%E6%8E%A5%E5%8F%A3&updateCycle=%E6%AF%8F%E6%97%A5"
                + "&items[0].name=%E8%AF%81%E5%8F%B7&items[0].type=C&items[0].length=&items[1].name="
            let (refused, _) = try await officer.post("/resources/103003%2F000001/edit", fields)
            #expect(refused == .unprocessableContent)
            let page = try await client.execute(
                uri: "/resources/103003%2F000001/edit", method: .post,
                headers: [.cookie: officer.cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "_csrf=\(officer.csrf)&\(fields)"))
            let html = String(buffer: page.body)
            #expect(html.contains(/id="f-shareCondition" size="70" value="">\s*<span class="error">/))
            #expect(html.contains("<td><span class=\"error\">"))  // the item row without its length
            let (saved, location) = try await officer.post(
                "/resources/103003%2F000001/edit",
                fields.replacingOccurrences(of: "items[0].length=", with: "items[0].length=20")
                    + "&shareCondition=%E4%BB%85%E9%99%90%E5%B1%A5%E8%81%8C")
            #expect(saved == .seeOther && location?.hasPrefix("/systems/S-OWN?done=saved") == true)
            // A second editor who opened the form at version 1 is told of the conflict; the first edit stays.
            let (stale, _) = try await officer.post(
                "/resources/103003%2F000001/edit",
                fields.replacingOccurrences(of: "items[0].length=", with: "items[0].length=30")
                    + "&shareCondition=%E4%BB%85%E9%99%90%E5%B1%A5%E8%81%8C")
            #expect(stale == .conflict)
            let (unversioned, _) = try await officer.post(
                "/resources/103003%2F000001/edit",
                fields.replacingOccurrences(of: "_version=1&", with: ""))
            #expect(unversioned == .badRequest)
            let (submitted, _) = try await officer.post("/resources/103003%2F000001/submit", "")
            #expect(submitted == .seeOther)
            let (forbidden, _) = try await officer.post("/resources/103003%2F000002/edit", fields)
            #expect(forbidden == .forbidden)
        }
        let resource = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001").record
        #expect(resource.state == .pendingReview && resource.items.map(\.name) == ["证号"] && resource.items[0].length == 20)
        #expect(try await ledger.audit.entries(entity: "resource", key: "103003/000001").first?.actor == "officer")
    }
}

/// A `multipart/form-data` body as a browser sends a file input.
enum Multipart {
    static let boundary = "----ybzTestBoundary7MA4YWxkTrZu0gW"
    static let contentType = "multipart/form-data; boundary=\(boundary)"

    static func body(fields: [(String, String)] = [], files: [(String, Data)]) -> String {
        String(decoding: data(fields: fields, files: files), as: UTF8.self)
    }

    static func data(fields: [(String, String)] = [], files: [(String, Data)]) -> Data {
        var body = Data()
        for (name, value) in fields {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for (name, content) in files {
            let head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\n"
            body += Data((head + "Content-Type: application/octet-stream\r\n\r\n").utf8)
            body += content + Data("\r\n".utf8)
        }
        return body + Data("--\(boundary)--\r\n".utf8)
    }
}

extension BrowserSession {
    /// Uploads files with the session's CSRF token, as the import form does.
    func upload(_ uri: String, files: [(String, Data)]) async throws -> (HTTPResponse.Status, String) {
        let response = try await client.execute(
            uri: uri, method: .post, headers: [.cookie: cookie, .contentType: Multipart.contentType],
            body: ByteBuffer(bytes: Array(Multipart.data(fields: [("_csrf", csrf)], files: files))))
        return (response.status, String(buffer: response.body))
    }
}
