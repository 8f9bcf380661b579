import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerServer
import LedgerStore
import LedgerTestSupport
import Testing

/// Hostile requests: each is refused with a status below 500 that names the place, and the server keeps serving.
@Suite("Hardening: HTTP")
struct HardeningAPITests {
    static func project(_ amount: String) -> ByteBuffer {
        ByteBuffer(
            string: """
                {"code":"TZXM-2025-077","name":"超大项目","unitUSCC":"\(Fixtures.uscc(1))","category":"建设类",\
                "fundingSource":"财政预算",
                 "approvedAmount":\(amount)}
                """)
    }

    @Test(arguments: TestStore.available) func anAmountPastInt64OrTheLimitIsRefusedAndTheServerStaysUp(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        let token = try await Fixtures.token(ledger)
        try await testApp(ledger).test(.router) { client in
            let headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
            for amount in ["100000000000000000", "\"100000000000000000\"", "1e30", "-92233720368547758080", "\"1000000000000.00\""] {
                let response = try await client.execute(uri: "/api/v1/projects", method: .post, headers: headers, body: Self.project(amount))
                #expect(response.status == .badRequest, "\(amount)")
                let error = try json(ErrorEnvelope.self, response.body)
                #expect(error.error.details.first?.field == "approvedAmount", "\(amount)")
            }
            let change = ByteBuffer(
                string: """
                    {"code":"TZXM-2025-078","name":"变更项目","unitUSCC":"\(Fixtures.uscc(1))","category":"建设类",\
                    "fundingSource":"财政预算",
                     "changes":[{"date":"2025-05-01","description":"追加","amountDelta":100000000000000000,"filed":true,"reReviewed":false}]}
                    """)
            let refused = try await client.execute(uri: "/api/v1/projects", method: .post, headers: headers, body: change)
            let refusedError = try json(ErrorEnvelope.self, refused.body)
            #expect(refused.status == .badRequest && refusedError.error.details.first?.field == "changes[0].amountDelta")
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }

    @Test(arguments: TestStore.available) func bodiesOverTheLimitAre413AndLongFieldsAre422(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        let token = try await Fixtures.token(ledger)
        try await testApp(ledger).test(.router) { client in
            let headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
            let huge = ByteBuffer(repeating: UInt8(ascii: " "), count: 17 << 20)
            let tooLarge = try await client.execute(uri: "/api/v1/units", method: .post, headers: headers, body: huge)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(try json(ErrorEnvelope.self, tooLarge.body).error.message.contains("超过上限"))
            let name = String(repeating: "名", count: 5000)
            let unit = ByteBuffer(string: #"{"uscc":"\#(Fixtures.uscc(2))","name":"\#(name)","kind":"行政机关","region":"市直"}"#)
            let long = try await client.execute(uri: "/api/v1/units", method: .post, headers: headers, body: unit)
            #expect(long.status == .unprocessableContent)
            #expect(try json(ErrorEnvelope.self, long.body).error.details.contains { $0.field == "name" && $0.rule == "field.max-length" })
        }
    }

    @Test(arguments: TestStore.available) func aVersionThatIsNotANumberIsRefusedNotIgnored(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        let token = try await Fixtures.token(ledger)
        try await testApp(ledger).test(.router) { client in
            let headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
            let body = ByteBuffer(
                string: #"{"uscc":"\#(Fixtures.uscc(1))","name":"新名称","kind":"行政机关","region":"市直","# + #""version":"1"}"#)
            let response = try await client.execute(uri: "/api/v1/units/\(Fixtures.uscc(1))", method: .put, headers: headers, body: body)
            #expect(response.status == .badRequest)
            #expect(try json(ErrorEnvelope.self, response.body).error.details.first?.rule == "version.format")
            #expect(try await ledger.records.fetch(GovUnit.self, key: Fixtures.uscc(1)).record.name != "新名称")
        }
    }

    @Test(arguments: TestStore.available) func malformedJSONIsNamedByLineAndColumn(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        let token = try await Fixtures.token(ledger)
        try await testApp(ledger).test(.router) { client in
            let headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
            let response = try await client.execute(
                uri: "/api/v1/units", method: .post, headers: headers,
                body: ByteBuffer(string: "{\n  \"uscc\": \"x\",\n  \"name\": oops\n}"))
            #expect(response.status == .badRequest)
            let error = try json(ErrorEnvelope.self, response.body).error
            #expect(error.message.contains("不是有效的JSON") && error.message.contains("第3行"), "\(error.message)")
        }
    }

    @Test(arguments: TestStore.available) func aNulInASearchIsAnsweredWithoutAServerError(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        let token = try await Fixtures.token(ledger)
        try await testApp(ledger).test(.router) { client in
            let headers: HTTPFields = [.authorization: "Bearer \(token)"]
            for uri in [
                "/api/v1/search?q=%00", "/api/v1/search?q=%E4%B8%8D%E5%8A%A8%00%E4%BA%A7", "/api/action/package_search?q=%00abc",
                "/api/v1/search?q=abc&offset=9223372036854775807&limit=9223372036854775807"
            ] {
                let response = try await client.execute(uri: uri, method: .get, headers: headers)
                #expect(response.status.code < 500, "\(uri)")
            }
        }
    }

    @Test(arguments: TestStore.available) func everyAnswerCarriesTheSecurityHeadersAndThePagesSatisfyTheirPolicy(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        try await testApp(ledger).test(.router) { client in
            for uri in ["/login", "/healthz", "/api/v1/stats"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true, "\(uri)")
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin")
            }
            // The login page's only style is the server's own sheet, which the policy allows; it has no script and
            // no inline style.
            let login = try await client.execute(uri: "/login", method: .get)
            let html = String(buffer: login.body)
            let policy = login.headers[.contentSecurityPolicy] ?? ""
            #expect(html.contains("href=\"/assets/app.css\"") && !html.contains("<style") && !html.contains("<script"))
            #expect(policy.contains("style-src 'self'") && !policy.contains("unsafe-inline"))
        }
    }
}
