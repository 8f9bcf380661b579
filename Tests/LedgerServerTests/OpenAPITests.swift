import Foundation
import Hummingbird
import LedgerServer
import LedgerStore
import LedgerTestSupport
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

    @Test func everyAPIRouteIsDescribedAndEveryDescribedRouteIsServed() async throws {
        let ledger = try await Fixtures.seededLedger()
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
}
