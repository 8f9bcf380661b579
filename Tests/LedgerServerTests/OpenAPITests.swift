import Foundation
import Hummingbird
import LedgerCore
import LedgerServer
import LedgerStore
import LedgerTestSupport
import Logging
import Services
import Testing
import Yams

@Suite("OpenAPI description")
struct OpenAPITests {
    static let specURL = Fixtures.catalog.url.deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml")

    /// `GET /systems/{id}` for every operation of docs/openapi.yaml.
    static func documented() throws -> Set<String> {
        let text = try String(contentsOf: specURL, encoding: .utf8)
        guard let spec = try Yams.load(yaml: text) as? [String: Any], let paths = spec["paths"] as? [String: Any] else {
            Issue.record("docs/openapi.yaml has no paths")
            return []
        }
        var operations = Set<String>()
        for (path, item) in paths {
            for method in (item as? [String: Any] ?? [:]).keys where ["get", "post", "put", "delete", "patch"].contains(method) {
                operations.insert("\(method.uppercased()) \(path)")
            }
        }
        return operations
    }

    @Test(arguments: TestStore.available) func everyAPIRouteIsDescribedAndEveryDescribedRouteIsServed(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        let compliance = try ComplianceService(ledger: ledger, catalog: Fixtures.catalog)
        let router = buildRouter(ledger: ledger, compliance: compliance)
        let served = Set(
            router.routes.map { "\($0.method) \($0.path)" }.filter { $0.contains(" /api/v1/") }
                .map { $0.replacingOccurrences(of: " /api/v1", with: " ") })
        let documented = try Self.documented()
        #expect(served.subtracting(documented).sorted() == [], "served but not in docs/openapi.yaml")
        #expect(documented.subtracting(served).sorted() == [], "in docs/openapi.yaml but not served")
        #expect(served.count > 40)
    }

    /// Every read the description lists answers, for the seeded ledger with a funding batch, a review and a probe run,
    /// JSON of the shape (object or list) its 200 response names.
    @Test(arguments: TestStore.available) func everyReadAnswersTheShapeItsDescriptionSays(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        let compliance = try ComplianceService(ledger: ledger, catalog: Fixtures.catalog)
        let batch = try await compliance.funding(fiscalYear: 2027, asOf: CivilDate("2026-10-31")!, by: .commandLine)
        let review = try await compliance.review(systemCode: "TZ-SYS-001", asOf: CivilDate("2026-10-31")!, by: .commandLine)
        let run = try await ledger.probeHistory.recordRun(
            startedAt: Date(), finishedAt: Date(), asOf: CivilDate("2026-10-31")!, trigger: "test", specHashes: [:], canaries: [],
            verdicts: [], flipThresholds: [:])
        let values = [
            "{id}": "TZ-SYS-001", "{batch}": String(batch.id), "{review}": String(review.id), "{code}": "TZ-SYS-001"
        ]
        let text = try String(contentsOf: Self.specURL, encoding: .utf8)
        let spec = try #require(try Yams.load(yaml: text) as? [String: Any])
        let paths = try #require(spec["paths"] as? [String: Any])
        let schemas = try #require((spec["components"] as? [String: Any])?["schemas"] as? [String: Any])
        // Each read with its address for the seeded ledger and the shape its description names.
        var reads: [(path: String, uri: String, expected: String?)] = []
        for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
            guard let get = (item as? [String: Any])?["get"] as? [String: Any],
                let ok = (get["responses"] as? [String: Any])?["200"] as? [String: Any],
                let schema = ((ok["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any]
            else { continue }
            var uri = "/api/v1" + path
            let record = ["/units/": Fixtures.uscc(1), "/projects/": "TZXM-2025-001", "/resources/": "103003%2F000001"]
            for (prefix, key) in record where path.hasPrefix(prefix) { uri = uri.replacingOccurrences(of: "{id}", with: key) }
            for (name, value) in values { uri = uri.replacingOccurrences(of: name, with: value) }
            if path.hasPrefix("/probe-runs/") { uri = "/api/v1/probe-runs/\(run)" }
            if path == "/search" { uri += "?q=%E4%B8%8D%E5%8A%A8%E4%BA%A7" }
            let name = (schema["$ref"] as? String)?.components(separatedBy: "/").last ?? ""
            // A schema made of others (`allOf`) is an object.
            let named = schemas[name] as? [String: Any]
            let type = (named?["type"] as? String) ?? (named?["allOf"] != nil ? "object" : nil) ?? (schema["type"] as? String)
            reads.append((path, uri, type))
        }
        let token = try await Fixtures.token(ledger)
        let app = buildApplication(ledger: ledger, compliance: compliance, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await app.test(.live) { [reads] client in
            for (path, uri, expected) in reads {
                let answer = try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"])
                #expect(answer.status == .ok, "GET \(uri)")
                let body = try JSONDecoder().decode(JSONValue.self, from: Data(answer.body.readableBytesView))
                let actual: String? =
                    switch body {
                    case .array: "array"
                    case .object: "object"
                    default: nil
                    }
                #expect(actual == expected, "GET \(path) answers \(actual ?? "?") where docs/openapi.yaml says \(expected ?? "?")")
            }
            #expect(reads.count > 20)
        }
    }
}
