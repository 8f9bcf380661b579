import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerServer
import LedgerStore
import LedgerTestSupport
import Testing

@Suite("Browser login, session cookie and CSRF")
struct LoginTests {
    func form(_ fields: String) -> (HTTPFields, ByteBuffer) {
        ([.contentType: "application/x-www-form-urlencoded"], ByteBuffer(string: fields))
    }

    @Test(arguments: TestStore.available) func aSessionNeedsItsCSRFTokenForEveryWrite(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        _ = try await ledger.accounts.createAccount(
            username: "officer", displayName: "王敏", role: .dataOfficer, unitUSCC: Fixtures.uscc(1),
            password: "correct horse battery", cost: 4, by: .commandLine)
        try await testApp(ledger).test(.live) { client in
            let anonymous = try await client.execute(uri: "/", method: .get)
            #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/login")
            let page = try await client.execute(uri: "/login", method: .get)
            #expect(String(buffer: page.body).contains("<form method=\"post\" action=\"/login\">"))

            let (headers, wrong) = form("username=officer&password=nope")
            #expect(try await client.execute(uri: "/login", method: .post, headers: headers, body: wrong).status == .unauthorized)
            let (_, right) = form("username=officer&password=correct+horse+battery")
            let login = try await client.execute(uri: "/login", method: .post, headers: headers, body: right)
            #expect(login.status == .seeOther)
            let cookie = try #require(login.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
            let session = String(cookie.split(separator: ";")[0])

            let home = try await client.execute(uri: "/", method: .get, headers: [.cookie: session])
            let html = String(buffer: home.body)
            #expect(home.status == .ok && html.contains("<small>数据专员</small>"))
            let csrf = try #require(html.components(separatedBy: "name=\"_csrf\" value=\"").dropFirst().first?.prefix(64))

            var unit = Fixtures.unit(1)
            unit.dataOfficer = "王敏"
            let body = ByteBuffer(bytes: try JSONEncoder().encode(unit))
            let forged = try await client.execute(
                uri: "/api/v1/units/\(Fixtures.uscc(1))", method: .put,
                headers: [.cookie: session, .contentType: "application/json"], body: body)
            #expect(forged.status == .forbidden)
            var withToken: HTTPFields = [.cookie: session, .contentType: "application/json"]
            withToken[.init("X-CSRF-Token")!] = String(csrf)
            let edited = try await client.execute(uri: "/api/v1/units/\(Fixtures.uscc(1))", method: .put, headers: withToken, body: body)
            #expect(edited.status == .ok)
            #expect(try await ledger.audit.entries(entity: "unit", key: Fixtures.uscc(1)).first?.actor == "officer")

            let (formHeaders, logoutForm) = form("_csrf=\(csrf)")
            var logoutHeaders = formHeaders
            logoutHeaders[.cookie] = session
            #expect(try await client.execute(uri: "/logout", method: .post, headers: logoutHeaders, body: logoutForm).status == .seeOther)
            #expect(try await client.execute(uri: "/", method: .get, headers: [.cookie: session]).status == .seeOther)
        }
    }

    @Test(arguments: TestStore.available) func repeatedFailuresAreThrottled(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        _ = try await ledger.accounts.createAccount(
            username: "finance", displayName: "财政", role: .finance, unitUSCC: nil,
            password: "correct horse battery", cost: 4, by: .commandLine)
        try await testApp(ledger).test(.router) { client in
            let (headers, wrong) = form("username=finance&password=guess")
            for _ in 1...5 { #expect(try await client.execute(uri: "/login", method: .post, headers: headers, body: wrong).status == .unauthorized) }
            let (_, right) = form("username=finance&password=correct+horse+battery")
            let blocked = try await client.execute(uri: "/login", method: .post, headers: headers, body: right)
            #expect(blocked.status == .tooManyRequests)
            #expect(String(buffer: blocked.body).contains("登录失败次数过多"))
        }
    }
}
