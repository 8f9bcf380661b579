import Foundation
import Hummingbird
import HummingbirdCore
import Synchronization

/// The server's requests counted by method, route and status, with their durations by route, in Prometheus's text
/// format (`GET /metrics`, for the admin's monitoring). Routes are the patterns the router matched (`/api/v1/systems/:id`),
/// so the series stay few whatever the addresses asked; a path no route serves counts under `NotFound`.
final class RequestMetrics: Sendable {
    /// Upper bounds of the duration histogram's buckets, in seconds.
    static let buckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    private struct Series: Hashable {
        var method: String
        var route: String
        var status: Int
    }

    private struct Durations {
        var buckets = [Int](repeating: 0, count: RequestMetrics.buckets.count)
        var count = 0
        var sum = 0.0
    }

    private struct State {
        var requests: [Series: Int] = [:]
        var durations: [String: Durations] = [:]
    }

    private let state = Mutex(State())

    /// Counts one answered request.
    func record(method: String, route: String, status: Int, seconds: Double) {
        state.withLock { state in
            state.requests[Series(method: method, route: route, status: status), default: 0] += 1
            var durations = state.durations[route] ?? Durations()
            for (index, bound) in Self.buckets.enumerated() where seconds <= bound { durations.buckets[index] += 1 }
            durations.count += 1
            durations.sum += seconds
            state.durations[route] = durations
        }
    }

    /// Every series in Prometheus's text exposition format, in a stable order.
    func text() -> String {
        let state = state.withLock { $0 }
        var lines = [
            "# HELP ybz_http_requests_total Requests answered, by method, route and status.",
            "# TYPE ybz_http_requests_total counter"
        ]
        for (series, count) in state.requests.sorted(by: {
            ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status)
        }) {
            lines.append(
                "ybz_http_requests_total{method=\"\(series.method)\",route=\"\(Self.escaped(series.route))\",status=\"\(series.status)\"} \(count)")
        }
        lines += [
            "# HELP ybz_http_request_duration_seconds Time to answer a request, by route.",
            "# TYPE ybz_http_request_duration_seconds histogram"
        ]
        for (route, durations) in state.durations.sorted(by: { $0.key < $1.key }) {
            let label = "route=\"\(Self.escaped(route))\""
            for (bound, count) in zip(Self.buckets, durations.buckets) {
                lines.append("ybz_http_request_duration_seconds_bucket{\(label),le=\"\(bound)\"} \(count)")
            }
            lines.append("ybz_http_request_duration_seconds_bucket{\(label),le=\"+Inf\"} \(durations.count)")
            lines.append("ybz_http_request_duration_seconds_sum{\(label)} \(durations.sum)")
            lines.append("ybz_http_request_duration_seconds_count{\(label)} \(durations.count)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A label value as the format writes it: backslash, quote and newline escaped.
    static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

/// Counts every request into `RequestMetrics` with the status it was answered with, errors included.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: RequestMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        func record(_ status: Int) {
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            metrics.record(method: request.method.rawValue, route: context.endpointPath ?? "unmatched", status: status, seconds: seconds)
        }
        do {
            let response = try await next(request, context)
            record(Int(response.status.code))
            return response
        } catch let error as any HTTPResponseError {
            record(Int(error.status.code))
            throw error
        } catch {
            record(500)
            throw error
        }
    }
}
