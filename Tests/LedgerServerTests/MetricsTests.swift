import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerStore
import LedgerTestSupport
import Logging
import Services
import Testing

@testable import LedgerServer

/// `/metrics` (issue 18): requests counted by the route pattern they matched and the status they were answered with,
/// errors included, and their durations, in Prometheus's text format, to a signed-in reader (or an API token) only.
@Suite("Server: metrics")
struct MetricsTests {
    @Test(arguments: TestStore.available) func requestsAreCountedByRouteAndStatusWithTheirDurations(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
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

    /// Probe verdicts counted by platform and outcome; jobs timed, failures counted, each job's series there from zero.
    @Test func workIsCountedByPlatformAndTimedByJob() async throws {
        let metrics = WorkMetrics()
        func verdict(_ platform: Platform, _ outcome: VerdictOutcome) -> Verdict {
            Verdict(platform: platform, probe: "p", systemCode: "S", target: "T", outcome: outcome, reason: "", checkedAt: Date(), specHash: "")
        }
        metrics.record([verdict(.aishandong, .pass), verdict(.aishandong, .pass), verdict(.citybrain, .fail)])
        #expect(try await metrics.time(.fundingEvaluation) { 7 } == 7)
        await #expect(throws: LedgerError.self) { try await metrics.time(.importFiles) { throw LedgerError(.badRequest, "坏文件") } }
        let lines = Set(metrics.text().split(separator: "\n").map(String.init))
        #expect(lines.contains(#"ybz_probe_verdicts_total{platform="aishandong",outcome="pass"} 2"#))
        #expect(lines.contains(#"ybz_probe_verdicts_total{platform="citybrain",outcome="fail"} 1"#))
        #expect(lines.contains(#"ybz_job_duration_seconds_count{job="funding_evaluation"} 1"#))
        #expect(lines.contains(#"ybz_job_duration_seconds_bucket{job="funding_evaluation",le="+Inf"} 1"#))
        #expect(lines.contains(#"ybz_job_duration_seconds_count{job="import"} 1"#) && lines.contains(#"ybz_job_failures_total{job="import"} 1"#))
        #expect(lines.contains(#"ybz_job_duration_seconds_count{job="harvest_run"} 0"#))
        #expect(lines.contains(#"ybz_job_failures_total{job="funding_evaluation"} 0"#))
    }

    /// An evaluation run through the API shows on `/metrics` with its duration.
    @Test(arguments: TestStore.available) func anEvaluationThroughTheAPIIsTimed(store: TestStore) async throws {
        let test = try await TestLedger.make(on: store, seeded: true)
        defer { test.close() }
        let ledger = test.ledger
        let token = try await Fixtures.token(ledger, role: .finance)
        let compliance = try ComplianceService(ledger: ledger, catalog: Fixtures.catalog)
        let app = buildApplication(ledger: ledger, compliance: compliance, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            let headers: HTTPFields = [.authorization: token]
            let count = { () async throws -> Int in
                let text = String(buffer: try await client.execute(uri: "/metrics", method: .get, headers: headers).body)
                let line = text.split(separator: "\n").first { $0.hasPrefix(#"ybz_job_duration_seconds_count{job="funding_evaluation"} "#) }
                return Int(try #require(line?.split(separator: " ").last)) ?? -1
            }
            let before = try await count()
            let created = try await client.execute(
                uri: "/api/v1/funding", method: .post, headers: headers, body: ByteBuffer(string: #"{"year": 2027, "asOf": "2026-10-31"}"#))
            #expect(created.status == .created)
            #expect(try await count() > before)  // other tests may evaluate meanwhile: the process counts them all
        }
    }

    @Test func labelValuesAreEscaped() {
        #expect(DurationHistogram.escaped("a\"b\\c\nd") == #"a\"b\\c\nd"#)
    }
}
