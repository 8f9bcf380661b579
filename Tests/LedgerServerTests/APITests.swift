import Foundation
import Hummingbird
import HummingbirdTesting
import Interchange
import LedgerCore
import LedgerServer
import LedgerStore
import LedgerTestSupport
import Logging
import Testing

/// The JSON error body.
struct ErrorEnvelope: Decodable {
    struct Detail: Decodable {
        var field: String
        var value: String
        var rule: String
        var article: String?
    }
    struct Content: Decodable {
        var code: String
        var message: String
        var requestId: String
        var details: [Detail]
    }
    var error: Content
}

func json<T: Decodable>(_ type: T.Type, _ buffer: ByteBuffer) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
}

func body(_ value: some Encodable) throws -> ByteBuffer {
    ByteBuffer(bytes: try JSONEncoder().encode(value))
}

func testApp(_ ledger: Ledger) -> some ApplicationProtocol {
    buildApplication(ledger: ledger, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
}

struct StoredSystem: Decodable {
    var id: Int64
    var version: Int
    var code: String
    var summary: String?
}

@Suite("HTTP API")
struct APITests {
    @Test(arguments: TestStore.available) func healthAnswersWithoutDataAndStatsNeedAToken(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        let app = testApp(ledger)
        try await app.test(.router) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(String(buffer: health.body) == #"{"status":"ok"}"#)
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok && String(buffer: ready.body) == #"{"status":"ready"}"#)
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .seeOther && page.headers[.location] == "/login")
            for uri in [
                "/api/v1/stats", "/api/v1/systems", "/api/v1/resources/103003%2F000001", "/api/v1/search?q=abc",
                "/api/v1/codelists", "/api/v1/probe-runs", "/api/v1/me"
            ] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .unauthorized, "\(uri)")
                #expect(!String(buffer: response.body).contains("TZ-SYS-001"), "\(uri)")
            }
            let forged = try await client.execute(uri: "/api/v1/stats", method: .get, headers: [.authorization: "Bearer ybz_forged"])
            #expect(forged.status == .unauthorized)
        }
        try await signedIn(ledger, app, .router) { client in
            let response = try await client.execute(uri: "/api/v1/stats", method: .get)
            #expect(response.status == .ok)
            let stats = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
            #expect((stats?["counts"] as? [String: Int])?["resource"] == 1)
        }
    }

    @Test(arguments: TestStore.available) func registersAUnitAndRefusesABadUSCCWithDetails(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store)
        defer { test.close() }
        let ledger = test.ledger
        let app = testApp(ledger)
        try await signedIn(ledger, app, .router) { client in
            do {
                let response = try await client.execute(uri: "/api/v1/units", method: .post, body: try body(Fixtures.unit()))
                #expect(response.status == .created)
                #expect(response.headers[.eTag] == "\"1\"")
            }
            var bad = Fixtures.unit(2)
            bad.uscc = "11370481000000002Z"
            do {
                let response = try await client.execute(uri: "/api/v1/units", method: .post, body: try body(bad))
                #expect(response.status == .unprocessableContent)
                let envelope = try json(ErrorEnvelope.self, response.body)
                #expect(envelope.error.code == "validation_failed")
                #expect(envelope.error.details.first?.field == "uscc")
                #expect(envelope.error.details.first?.rule == "uscc.check")
                #expect(envelope.error.details.first?.article == "GB 32100-2015")
                #expect(!envelope.error.requestId.isEmpty)
            }
        }
    }

    @Test(arguments: TestStore.available) func malformedBodiesAndUnknownRowsGiveJSONErrors(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        let app = testApp(ledger)
        try await signedIn(ledger, app, .router) { client in
            do {
                let response = try await client.execute(uri: "/api/v1/units", method: .post, body: ByteBuffer(string: "{not json"))
                #expect(response.status == .badRequest)
                #expect(try json(ErrorEnvelope.self, response.body).error.code == "bad_request")
            }
            do {
                let response = try await client.execute(
                    uri: "/api/v1/systems", method: .post,
                    body: ByteBuffer(string: #"{"code":"X","name":"Y","unitUSCC":"Z","status":"运营"}"#))
                #expect(response.status == .badRequest)
                #expect(try json(ErrorEnvelope.self, response.body).error.details.first?.field == "status")
            }
            do {
                let response = try await client.execute(uri: "/api/v1/systems/NOPE", method: .get)
                #expect(response.status == .notFound)
                #expect(try json(ErrorEnvelope.self, response.body).error.code == "not_found")
            }
            do {
                let response = try await client.execute(uri: "/api/v1/nothing", method: .get)
                #expect(response.status == .notFound)
                #expect(try json(ErrorEnvelope.self, response.body).error.code == "not_found")
            }
            do {
                let response = try await client.execute(uri: "/api/v1/systems?limit=many", method: .get)
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test(arguments: TestStore.available) func staleVersionsConflict(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        let app = testApp(ledger)
        var system = Fixtures.system(projects: ["TZXM-2025-001"])
        system.summary = "第一次修改"
        let first = system
        system.summary = "基于旧版本的修改"
        let stale = system
        try await signedIn(ledger, app, .router) { client in
            do {
                let response = try await client.execute(
                    uri: "/api/v1/systems/TZ-SYS-001", method: .put, headers: [.ifMatch: "\"1\""],
                    body: try body(first))
                #expect(response.status == .ok)
                #expect(try json(StoredSystem.self, response.body).version == 2)
            }
            do {
                let response = try await client.execute(
                    uri: "/api/v1/systems/TZ-SYS-001", method: .put, headers: [.ifMatch: "\"1\""],
                    body: try body(stale))
                #expect(response.status == .conflict)
                #expect(try json(ErrorEnvelope.self, response.body).error.details.first?.rule == "version.current")
            }
            do {
                let response = try await client.execute(uri: "/api/v1/systems/1", method: .get)
                #expect(try json(StoredSystem.self, response.body).summary == "第一次修改")
            }
        }
    }

    @Test(arguments: TestStore.available) func catalogOfASystemAndItsWorkflow(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        let app = testApp(ledger)
        var draft = Fixtures.resource(code: "101001/000001", system: "ignored", name: "人口基本信息")
        draft.state = .published
        let resource = draft
        try await signedIn(ledger, app, .router) { client in
            let response = try await client.execute(
                uri: "/api/v1/systems/TZ-SYS-001/resources", method: .post,
                body: try body(resource))
            #expect(response.status == .created)
            let created = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as! [String: Any]
            #expect(created["state"] as? String == "待提交")
            #expect(created["systemCode"] as? String == "TZ-SYS-001")
            let id = created["id"] as! Int
            do {
                let response = try await client.execute(uri: "/api/v1/systems/TZ-SYS-001/resources", method: .get)
                #expect(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) is [String: Any])
                let page = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as! [String: Any]
                #expect(page["total"] as? Int == 2)
            }
            do {
                let response = try await client.execute(uri: "/api/v1/resources/\(id)/approve", method: .post)
                #expect(response.status == .conflict)
            }
            do {
                let response = try await client.execute(uri: "/api/v1/resources/\(id)/submit", method: .post)
                #expect(response.status == .ok)
            }
            do {
                let response = try await client.execute(uri: "/api/v1/resources/\(id)/return", method: .post, body: ByteBuffer(string: "{}"))
                #expect(response.status == .unprocessableContent)
                #expect(try json(ErrorEnvelope.self, response.body).error.details.first?.rule == "return.reason-required")
            }
            do {
                let response = try await client.execute(
                    uri: "/api/v1/resources/\(id)/return", method: .post,
                    body: ByteBuffer(string: #"{"reason":"缺少共享条件依据"}"#))
                let returned = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as! [String: Any]
                #expect(returned["state"] as? String == "已退回")
                #expect(returned["returnReason"] as? String == "缺少共享条件依据")
            }
        }
    }

    @Test(arguments: TestStore.available) func searchFindsChineseSubstrings(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        let app = testApp(ledger)
        try await signedIn(ledger, app, .router) { client in
            let query = "q=%E4%B8%8D%E5%8A%A8%E4%BA%A7&kind=resource"  // q=不动产
            do {
                let response = try await client.execute(uri: "/api/v1/search?\(query)", method: .get)
                #expect(response.status == .ok)
                let page = try json(Page<SearchHit>.Decoded.self, response.body)
                #expect(page.items.map(\.name) == ["不动产登记信息"])
            }
            do {
                // Two words as an HTML form sends them (space as "+"): 登记 and 权证 (in a data item name).
                let response = try await client.execute(uri: "/api/v1/search?q=%E7%99%BB%E8%AE%B0+%E6%9D%83%E8%AF%81", method: .get)
                #expect(try json(Page<SearchHit>.Decoded.self, response.body).items.map(\.name) == ["不动产登记信息"])
                let plus = try await client.execute(uri: "/api/v1/search?q=%2B", method: .get)  // an encoded "+" stays one
                #expect(try json(Page<SearchHit>.Decoded.self, plus.body).total == 0)
            }
            do {
                let response = try await client.execute(uri: "/api/v1/search?q=x&kind=table", method: .get)
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test(arguments: TestStore.available) func deletingAReferencedUnitConflicts(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        let app = testApp(ledger)
        try await signedIn(ledger, app, .router) { client in
            do {
                let response = try await client.execute(uri: "/api/v1/units/\(Fixtures.uscc(1))", method: .delete)
                #expect(response.status == .conflict)
            }
        }
    }
}

extension Page where Item == SearchHit {
    /// The decodable shape of a search page, for tests.
    struct Decoded: Decodable {
        var items: [SearchHit]
        var total: Int
    }
}

@Suite("HTTP API over a real socket")
struct LiveServerTests {
    @Test(arguments: TestStore.available) func servesTheDemoLedgerOverLoopback(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store)
        defer { test.close() }
        let ledger = test.ledger
        #expect(try await Importer(ledger: ledger, actor: .commandLine).run(files: [Fixtures.catalog.demoURL], dryRun: false).committed)
        try await signedIn(ledger, testApp(ledger), .live) { client in
            do {
                let response = try await client.execute(uri: "/", method: .get)
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("一本账"))
            }
            do {
                let response = try await client.execute(uri: "/api/v1/systems?limit=5&offset=5", method: .get)
                let page = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as! [String: Any]
                #expect(page["total"] as? Int == 40)
                #expect((page["items"] as? [Any])?.count == 5)
            }
            do {
                let response = try await client.execute(uri: "/api/v1/units", method: .post, body: try body(Fixtures.unit(99, name: "滕州市测试局")))
                #expect(response.status == .created)
            }
        }
        #expect(try await ledger.records.counts()["unit"] == 46)
    }
}

/// A test client that sends a bearer token with every request.
struct SignedInClient {
    let client: any TestClientProtocol
    let token: String
    var port: Int? { client.port }

    func execute(uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil) async throws -> TestResponse {
        var headers = headers
        headers[.authorization] = "Bearer \(token)"
        return try await client.execute(uri: uri, method: method, headers: headers, body: body)
    }
}

/// Runs `body` against `app` signed in as a new account of `role` on `ledger`.
func signedIn(
    _ ledger: Ledger, _ app: some ApplicationProtocol, _ setup: TestingSetup, role: Role = .admin, unit: String? = nil,
    _ body: @escaping @Sendable (SignedInClient) async throws -> Void
) async throws {
    let token = try await Fixtures.token(ledger, role: role, unit: unit)
    try await app.test(setup) { client in try await body(SignedInClient(client: client, token: token)) }
}
