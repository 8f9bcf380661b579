import Compliance
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import LedgerCore

/// Refuses a request whose declared body is over the route's limit with 413 before any of it is read, and adds the
/// security headers to every answer. Bodies without a declared length are bounded where they are collected (each
/// `collect(upTo:)`), and going past that bound is answered 413 by `JSONErrorMiddleware`.
struct ResponseGuards<Context: RequestContext>: RouterMiddleware {
    /// The largest body of a JSON API request or a plain form (16 MiB).
    static var jsonLimit: Int { 16 << 20 }

    /// The largest body a path accepts: uploads to the import page get `MultipartForm.maxBytes`, all else `jsonLimit`.
    static func bodyLimit(for path: String) -> Int {
        path == "/import" ? MultipartForm.maxBytes : jsonLimit
    }

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        let limit = Self.bodyLimit(for: request.uri.path)
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            response = try Self.tooLarge(limit: limit, api: request.uri.path.hasPrefix("/api/"),
                                         requestId: context.id)
        } else {
            response = try await next(request, context)
        }
        SecurityHeaders.add(to: &response.headers)
        return response
    }

    static func tooLarge(limit: Int, api: Bool, requestId: String) throws -> Response {
        let message = "请求内容超过上限（\(limit >> 20) MB）"
        guard api else {
            return WebPage.response(WebPage.error(message: message, details: [], requestId: requestId), status: .contentTooLarge)
        }
        return try JSON.response(ErrorBody(error: .init(code: LedgerError.Kind.tooLarge.rawValue, message: message,
                                                        requestId: requestId, details: [])),
                                 status: .contentTooLarge)
    }

}

/// The headers every answer carries: a Content-Security-Policy that the pages satisfy, no sniffing, no framing, and
/// no full referrer to other sites.
enum SecurityHeaders {
    /// The pages carry no script and no external asset; their only styles are the two inline sheets, allowed by hash.
    static let contentSecurityPolicy: String = {
        let hashes = [WebPage.style, ReviewPage.style].map { "'sha256-\(Data(SHA256.hash(data: Data($0.utf8))).base64EncodedString())'" }
        return "default-src 'none'; style-src \(hashes.joined(separator: " ")); img-src 'self' data:; form-action 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'"
    }()

    static func add(to headers: inout HTTPFields) {
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
    }
}
