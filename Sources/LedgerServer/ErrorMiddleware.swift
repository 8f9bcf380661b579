import Foundation
import Hummingbird
import HummingbirdCore
import LedgerCore
import LedgerStore
import Logging
import NIOCore

/// The JSON error body of every failed request:
/// `{"error": {"code", "message", "requestId", "details": [{field, value, rule, message, article}]}}`.
struct ErrorBody: Encodable {
    struct Content: Encodable {
        var code: String
        var message: String
        var requestId: String
        var details: [ValidationIssue]
    }

    var error: Content
}

extension LedgerError.Kind {
    /// The HTTP status of each kind of error.
    var status: HTTPResponse.Status {
        switch self {
        case .badRequest: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .validation: .unprocessableContent
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .tooLarge: .contentTooLarge
        case .busy: .serviceUnavailable
        }
    }
}

/// Turns every error into the JSON error body (API) or an error page (pages); an unexpected error is logged with
/// the request id and answered 500 without internals.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let (status, code, message, details) = describe(error)
            if status == .internalServerError {
                context.logger.error(
                    "unexpected error",
                    metadata: [
                        "error": "\(String(reflecting: error))",
                        "path": "\(request.uri.path)"
                    ])
            }
            var response: Response
            if request.uri.path.hasPrefix("/api/") || request.uri.path == "/healthz" {
                let body = ErrorBody(error: .init(code: code, message: message, requestId: context.id, details: details))
                response = try JSON.response(body, status: status)
            } else {
                response = WebPage.response(WebPage.error(message: message, details: details, requestId: context.id), status: status)
            }
            if status == .serviceUnavailable { response.headers[.retryAfter] = "5" }
            return response
        }
    }

    private func describe(_ error: any Error) -> (HTTPResponse.Status, String, String, [ValidationIssue]) {
        if let stored = LedgerError.fromStore(error) { return describe(stored) }
        switch error {
        case is NIOTooManyBytesError:
            // Collected past a route's own bound (1 MiB for forms and actions, 16 MiB for JSON): docs/limits.md.
            return describe(LedgerError(.tooLarge, "请求内容超过该操作允许的上限"))
        case let error as LedgerError:
            return (error.kind.status, error.kind.rawValue, error.message, error.details)
        case let error as DecodingError:
            let issue = DecodingProblem.issue(for: error)
            return (.badRequest, "bad_request", "请求体不是有效的JSON或字段类型不符：\(issue.message)", [issue])
        case let error as HTTPError:
            let message = error.status == .notFound ? "没有这个地址" : (error.body ?? error.status.reasonPhrase)
            return (error.status, error.status == .notFound ? "not_found" : "http_\(error.status.code)", message, [])
        default:
            return (.internalServerError, "internal_error", "服务器内部错误，请联系管理员并提供请求编号", [])
        }
    }
}
