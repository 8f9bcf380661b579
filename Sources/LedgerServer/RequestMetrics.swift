import Foundation
import Hummingbird
import HummingbirdCore
import Services
import Synchronization

/// The server's requests counted by method, route and status, with their durations by route, in Prometheus's text
/// format (`GET /metrics`, for the admin's monitoring). Routes are the patterns the router matched (`/api/v1/systems/:id`),
/// so the series stay few whatever the addresses asked; a path no route serves counts under `NotFound`.
final class RequestMetrics: Sendable {
    private struct Series: Hashable {
        var method: String
        var route: String
        var status: Int
    }

    private struct State {
        var requests: [Series: Int] = [:]
        var durations: [String: DurationHistogram] = [:]
    }

    private let state = Mutex(State())

    /// Counts one answered request.
    func record(method: String, route: String, status: Int, seconds: Double) {
        state.withLock { state in
            state.requests[Series(method: method, route: route, status: status), default: 0] += 1
            state.durations[route, default: DurationHistogram()].record(seconds: seconds)
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
            let route = DurationHistogram.escaped(series.route)
            lines.append("ybz_http_requests_total{method=\"\(series.method)\",route=\"\(route)\",status=\"\(series.status)\"} \(count)")
        }
        lines += [
            "# HELP ybz_http_request_duration_seconds Time to answer a request, by route.",
            "# TYPE ybz_http_request_duration_seconds histogram"
        ]
        for (route, durations) in state.durations.sorted(by: { $0.key < $1.key }) {
            lines += durations.lines("ybz_http_request_duration_seconds", labels: "route=\"\(DurationHistogram.escaped(route))\"")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Counts every request into `RequestMetrics` with the status it was answered with, errors included.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: RequestMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        func record(_ status: Int) {
            metrics.record(
                method: request.method.rawValue, route: context.endpointPath ?? "unmatched", status: status,
                seconds: (ContinuousClock.now - start) / .seconds(1))
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
