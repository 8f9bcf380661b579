import Compliance
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import LedgerCore
import Presentation

/// Adds the security headers to every answer, errors included (it is the outermost middleware): a
/// Content-Security-Policy that the pages satisfy, no sniffing, no framing, and no full referrer to other sites.
struct SecurityHeaders<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = securityPolicy
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        return response
    }
}

/// The Content-Security-Policy, computed once (a static stored property cannot live in the generic middleware): the
/// pages carry no script and no external asset; their styles are the server's own sheet and the printed review's
/// inline sheet, allowed by its hash.
private let securityPolicy: String = {
    let review = "'sha256-\(Data(SHA256.hash(data: Data(ReviewPage.style.utf8))).base64EncodedString())'"
    return "default-src 'none'; style-src 'self' \(review); img-src 'self' data:; form-action 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'"
}()

/// Refuses a request whose declared body is over the route's limit with 413 before any of it is read (rendered by
/// `ErrorMiddleware` like every other error). A body without a declared length is bounded where it is collected
/// (each `collect(upTo:)`), and going past that bound is answered 413 too.
struct BodyLimit<Context: RequestContext>: RouterMiddleware {
    /// The largest body of a JSON API request or a plain form (16 MiB).
    static var jsonLimit: Int { 16 << 20 }

    /// The largest body a path accepts: uploads to the import page get `MultipartForm.maxBytes`, all else `jsonLimit`.
    static func bodyLimit(for path: String) -> Int {
        path == "/import" ? MultipartForm.maxBytes : jsonLimit
    }

    func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let limit = Self.bodyLimit(for: request.uri.path)
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw LedgerError(.tooLarge, "请求内容超过上限（\(limit >> 20) MB）")
        }
        return try await next(request, context)
    }
}
