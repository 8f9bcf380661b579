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

/// Two units, each with a project, a system and a resource: the data officer belongs to the first.
enum TwoUnits {
    static let own = Fixtures.uscc(1)
    static let other = Fixtures.uscc(2)

    /// On the page suites' store (`TestStore.pages`); its connections stay open until the tests end.
    static func ledger() async throws -> Ledger { try await make().ledger }

    /// On the page suites' store, to be closed by the caller.
    static func make() async throws -> TestLedger {
        let ledger = try await TestLedger.make(on: .pages)
        _ = try await ledger.records.create(Fixtures.unit(1), by: .commandLine)
        _ = try await ledger.records.create(Fixtures.unit(2, name: "滕州市卫生健康局"), by: .commandLine)
        _ = try await ledger.records.create(Fixtures.project(code: "P-OWN", unit: own), by: .commandLine)
        _ = try await ledger.records.create(Fixtures.project(code: "P-OTHER", unit: other), by: .commandLine)
        _ = try await ledger.records.create(Fixtures.system(code: "S-OWN", unit: own, projects: ["P-OWN"]), by: .commandLine)
        _ = try await ledger.records.create(Fixtures.system(code: "S-OTHER", unit: other, projects: ["P-OTHER"]), by: .commandLine)
        _ = try await ledger.records.create(Fixtures.resource(code: "103003/000001", system: "S-OWN"), by: .commandLine)
        _ = try await ledger.records.create(Fixtures.resource(code: "103003/000002", system: "S-OTHER"), by: .commandLine)
        return ledger
    }

    static func json(_ value: some Encodable) -> String { String(decoding: try! JSONEncoder().encode(value), as: UTF8.self) }
}

/// One write route with the roles that may use it (`officer` is the data officer of the first unit).
struct RouteCase: CustomTestStringConvertible, Sendable {
    var method: HTTPRequest.Method
    var path: String
    var body: String?
    var allowed: Set<String>
    var contentType: String?
    var testDescription: String { "\(method) \(path)" }
}

@Suite("Permissions: every role × every write route × own / other unit")
struct PermissionTests {
    static let roles: [(String, Role, String?)] = [
        ("officer", .dataOfficer, TwoUnits.own), ("reviewer", .reviewer, nil),
        ("finance", .finance, nil), ("admin", .admin, nil)
    ]

    static var routes: [RouteCase] {
        var ownSystem = Fixtures.system(code: "S-OWN", unit: TwoUnits.own, projects: ["P-OWN"])
        ownSystem.summary = "改"
        var moved = ownSystem
        moved.unitUSCC = TwoUnits.other
        var otherSystem = Fixtures.system(code: "S-OTHER", unit: TwoUnits.other, projects: ["P-OTHER"])
        otherSystem.summary = "改"
        var ownUnit = Fixtures.unit(1)
        ownUnit.dataOfficer = "王敏"
        var otherUnit = Fixtures.unit(2, name: "滕州市卫生健康局")
        otherUnit.dataOfficer = "李娜"
        let plan =
            #"{"reason": 1, "plan": {"suspension": "a", "policy": "b", "steps": "c", "timeline": "d", "resourceRelease": "e", "dataMigration": "f"}}"#
        let own: Set<String> = ["officer", "admin"]
        let admin: Set<String> = ["admin"]
        let review: Set<String> = ["reviewer", "admin"]
        return [
            RouteCase(method: .post, path: "/api/v1/units", body: TwoUnits.json(Fixtures.unit(3, name: "新单位")), allowed: admin),
            RouteCase(method: .put, path: "/api/v1/units/\(TwoUnits.own)", body: TwoUnits.json(ownUnit), allowed: own),
            RouteCase(method: .put, path: "/api/v1/units/\(TwoUnits.other)", body: TwoUnits.json(otherUnit), allowed: admin),
            RouteCase(method: .delete, path: "/api/v1/units/\(TwoUnits.other)", allowed: admin),
            RouteCase(
                method: .post, path: "/api/v1/projects", body: TwoUnits.json(Fixtures.project(code: "P-NEW", unit: TwoUnits.own)), allowed: own),
            RouteCase(
                method: .post, path: "/api/v1/projects", body: TwoUnits.json(Fixtures.project(code: "P-NEW2", unit: TwoUnits.other)), allowed: admin),
            RouteCase(method: .delete, path: "/api/v1/projects/P-OTHER", allowed: admin),
            RouteCase(method: .put, path: "/api/v1/systems/S-OWN", body: TwoUnits.json(ownSystem), allowed: own),
            RouteCase(method: .put, path: "/api/v1/systems/S-OWN", body: TwoUnits.json(moved), allowed: admin),
            RouteCase(method: .put, path: "/api/v1/systems/S-OTHER", body: TwoUnits.json(otherSystem), allowed: admin),
            RouteCase(method: .delete, path: "/api/v1/systems/S-OTHER", allowed: admin),
            RouteCase(
                method: .post, path: "/api/v1/systems/S-OWN/resources", body: TwoUnits.json(Fixtures.resource(code: "103003/000003")), allowed: own),
            RouteCase(
                method: .post, path: "/api/v1/systems/S-OTHER/resources", body: TwoUnits.json(Fixtures.resource(code: "103003/000004")),
                allowed: admin),
            RouteCase(
                method: .put, path: "/api/v1/resources/103003%2F000002",
                body: TwoUnits.json(Fixtures.resource(code: "103003/000002", system: "S-OTHER", name: "改名")), allowed: admin),
            RouteCase(method: .delete, path: "/api/v1/resources/103003%2F000001", allowed: own),
            RouteCase(method: .post, path: "/api/v1/resources/103003%2F000001/submit", allowed: own),
            RouteCase(method: .post, path: "/api/v1/resources/103003%2F000002/submit", allowed: admin),
            RouteCase(method: .post, path: "/api/v1/resources/103003%2F000002/approve", allowed: review),
            RouteCase(method: .post, path: "/api/v1/probe-runs", allowed: review),
            RouteCase(method: .post, path: "/api/v1/funding", body: #"{"year": 2027}"#, allowed: ["finance", "admin"]),
            RouteCase(method: .post, path: "/api/v1/funding/1/replay", allowed: ["finance", "admin"]),
            RouteCase(
                method: .post, path: "/api/v1/systems/S-OWN/waivers",
                body: #"{"check": "cloud", "reason": "r", "approver": "a", "expiresOn": "2027-01-01"}"#, allowed: admin),
            RouteCase(method: .post, path: "/api/v1/systems/S-OWN/reviews", allowed: review),
            RouteCase(
                method: .post, path: "/api/v1/reviews/1/decision",
                body: #"{"outcome": "通过", "opinion": "o", "reviewer": "r", "decidedOn": "2026-11-27"}"#, allowed: review),
            RouteCase(method: .post, path: "/api/v1/systems/S-OWN/deregistrations", body: plan, allowed: own),
            RouteCase(method: .post, path: "/api/v1/systems/S-OTHER/deregistrations", body: plan, allowed: admin),
            RouteCase(
                method: .post, path: "/api/v1/deregistrations/1/review",
                body: #"{"approved": false, "opinion": "o", "reviewer": "r", "reviewedOn": "2026-11-27"}"#, allowed: review),
            // The forms of the web pages (a bearer token needs no CSRF token; sessions are tested in LoginTests).
            RouteCase(method: .post, path: "/funding", body: "year=2027", allowed: ["finance", "admin"]),
            RouteCase(method: .post, path: "/review/resources/2/approve", body: "", allowed: review),
            RouteCase(method: .post, path: "/systems/S-OWN/probe", body: "", allowed: review),
            RouteCase(method: .post, path: "/systems/S-OWN/review", body: "outcome=%E9%80%9A%E8%BF%87&opinion=o", allowed: review),
            RouteCase(
                method: .post, path: "/units/new",
                body: "uscc=\(Fixtures.uscc(3))&name=x&kind=%E8%A1%8C%E6%94%BF%E6%9C%BA%E5%85%B3&region=%E5%B8%82%E7%9B%B4", allowed: admin),
            RouteCase(method: .post, path: "/units/\(TwoUnits.own)/edit", body: "name=x", allowed: own),
            RouteCase(method: .post, path: "/units/\(TwoUnits.other)/edit", body: "name=x", allowed: admin),
            RouteCase(method: .post, path: "/projects/new", body: "code=P-N&unitUSCC=\(TwoUnits.own)", allowed: own),
            RouteCase(method: .post, path: "/projects/new", body: "code=P-N&unitUSCC=\(TwoUnits.other)", allowed: admin),
            RouteCase(method: .post, path: "/projects/P-OTHER/edit", body: "name=x", allowed: admin),
            RouteCase(method: .post, path: "/systems/new", body: "code=S-N&unitUSCC=\(TwoUnits.own)", allowed: own),
            RouteCase(method: .post, path: "/systems/new", body: "code=S-N&unitUSCC=\(TwoUnits.other)", allowed: admin),
            RouteCase(method: .post, path: "/systems/S-OWN/edit", body: "name=x", allowed: own),
            RouteCase(method: .post, path: "/systems/S-OTHER/edit", body: "name=x", allowed: admin),
            RouteCase(method: .post, path: "/admin/users", body: "username=clerk&role=finance&password=correct+horse+battery", allowed: admin),
            RouteCase(method: .post, path: "/admin/users/finance/disable", body: "", allowed: admin),
            RouteCase(
                method: .post, path: "/admin/waivers",
                body: "systemCode=S-OWN&check=cloud&reason=r&approver=a&expiresOn=2027-01-01", allowed: admin),
            RouteCase(
                method: .post, path: "/import", body: Multipart.body(files: [("units.csv", Data("统一社会信用代码,单位名称\n".utf8))]),
                allowed: own, contentType: Multipart.contentType)
        ]
    }

    @Test(arguments: routes)
    func eachRoleGetsExactlyItsRights(_ route: RouteCase) async throws {
        for (name, role, unit) in Self.roles {
            let opened = try await TwoUnits.make()
            defer { opened.close() }
            let ledger = opened.ledger
            let compliance = try ComplianceService(ledger: ledger, catalog: Fixtures.catalog)
            let app = Application(router: buildRouter(ledger: ledger, compliance: compliance))
            let before = try await ledger.audit.entries(limit: 10_000).count
            try await signedIn(ledger, app, .router, role: role, unit: unit) { client in
                let form: HTTPFields = route.path.hasPrefix("/api/") ? [:] : [.contentType: route.contentType ?? "application/x-www-form-urlencoded"]
                let response = try await client.execute(
                    uri: route.path, method: route.method, headers: form,
                    body: route.body.map { ByteBuffer(string: $0) })
                if route.allowed.contains(name) {
                    #expect(
                        response.status != .forbidden && response.status != .unauthorized,
                        "\(name) should be allowed \(route.method) \(route.path): \(String(buffer: response.body))")
                } else {
                    #expect(response.status == .forbidden, "\(name) must be refused \(route.method) \(route.path), got \(response.status)")
                }
            }
            if !route.allowed.contains(name) {
                // A refused write leaves no trace but the account and token the test created for the role.
                let written = try await ledger.audit.entries(limit: 10_000).dropLast(before)
                    .filter { $0.entity != "account" && $0.entity != "api_token" }
                #expect(written.isEmpty, "\(name) \(route.method) \(route.path) wrote \(written.map(\.entity))")
            }
        }
    }

    @Test func everyRoleReadsAndNobodyReadsWithoutCredentials() async throws {
        let ledger = try await TwoUnits.ledger()
        let compliance = try ComplianceService(ledger: ledger, catalog: Fixtures.catalog)
        let app = Application(router: buildRouter(ledger: ledger, compliance: compliance))
        let reads = [
            "/api/v1/units", "/api/v1/systems/S-OTHER", "/api/v1/resources/103003%2F000002", "/api/v1/deadlines",
            "/api/v1/funding", "/api/v1/systems/S-OTHER/reviews", "/api/v1/deregistrations", "/api/v1/me",
            "/funding", "/admin", "/systems/S-OTHER", "/unit?unit=\(TwoUnits.other)"
        ]
        for (_, role, unit) in Self.roles {
            try await signedIn(ledger, app, .router, role: role, unit: unit) { client in
                for uri in reads {
                    let status = try await client.execute(uri: uri, method: .get).status
                    #expect(status == .ok, "\(role) GET \(uri)")
                }
            }
        }
        try await app.test(.router) { client in
            for uri in reads {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(uri.hasPrefix("/api/") ? response.status == .unauthorized : response.status == .seeOther, "anonymous GET \(uri)")
                #expect(!String(buffer: response.body).contains("S-OTHER"), "anonymous GET \(uri)")
            }
        }
    }
}
