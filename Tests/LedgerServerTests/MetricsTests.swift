import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerStore
import LedgerTestSupport
import Testing

@testable import LedgerServer

/// `/metrics` (issue 18): requests counted by the route pattern they matched and the status they were answered with,
/// errors included, and their durations, in Prometheus's text format, to a signed-in reader (or an API token) only.
@Suite("Server: metrics")
struct MetricsTests {
    @Test func requestsAreCountedByRouteAndStatusWithTheirDurations() async throws {
        let ledger = try await Fixtures.seededLedger()
        let token = try await Fixtures.token(ledger, role: .finance)
        try await testApp(ledger).test(.router) { client in
            let headers: HTTPFields = [.authorization: token]
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
            for _ in 0..<2 { #expect(try await client.execute(uri: "/api/v1/systems", method: .get, headers: headers).status == .ok) }
            #expect(try await client.execute(uri: "/api/v1/systems/NO-SUCH", method: .get, headers: headers).status == .notFound)
            #expect(try await client.execute(uri: "/nowhere/at/all", method: .get, headers: headers).status == .notFound)
            let answer = try await client.execute(uri: "/metrics", method: .get, headers: headers)
            #expect(answer.status == .ok && answer.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = String(buffer: answer.body)
            let lines = Set(text.split(separator: "\n").map(String.init))
            #expect(lines.contains(#"ybz_http_requests_total{method="GET",route="/api/v1/systems",status="200"} 2"#), "\(text)")
            #expect(
                lines.contains { $0.hasPrefix(#"ybz_http_requests_total{method="GET",route="/api/v1/systems/"#) && $0.hasSuffix(#"status="404"} 1"#) }
            )
            #expect(lines.contains(#"ybz_http_requests_total{method="GET",route="NotFound",status="404"} 1"#))
            #expect(lines.contains(#"ybz_http_requests_total{method="GET",route="/metrics",status="401"} 1"#))
            #expect(lines.contains(#"ybz_http_request_duration_seconds_bucket{route="/api/v1/systems",le="+Inf"} 2"#))
            #expect(lines.contains(#"ybz_http_request_duration_seconds_count{route="/api/v1/systems"} 2"#))
            #expect(lines.contains("# TYPE ybz_http_request_duration_seconds histogram"))
        }
    }

    @Test func labelValuesAreEscaped() {
        #expect(RequestMetrics.escaped("a\"b\\c\nd") == #"a\"b\\c\nd"#)
    }
}
