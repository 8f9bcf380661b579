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
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
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

/// JSON encoding and decoding for handlers.
enum JSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601  // instants as stored, not Foundation's seconds since 2001
        return encoder
    }()

    /// A response with `value` as its JSON body.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The request body, at most 16 MiB.
    static func body(of request: Request) async throws -> Data {
        let buffer = try await request.body.collect(upTo: 16 << 20)
        guard buffer.readableBytes > 0 else { throw LedgerError(.badRequest, "请求体为空，应为JSON对象") }
        return Data(buffer.readableBytesView)
    }

    /// Decodes the request body as `T`.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            let place = DecodingProblem.syntaxPlace(in: data)
            throw LedgerError(
                .badRequest, "请求体不是有效的JSON\(place.map { "（\($0)）" } ?? "")",
                details: [ValidationIssue(field: "", value: "", rule: "json.syntax", message: place ?? "JSON格式错误")])
        } catch let error as DecodingError {
            throw error
        } catch {
            throw LedgerError(.badRequest, "请求体不是有效的JSON：\(error.localizedDescription)")
        }
    }
}

/// The version a write expects: `If-Match: "3"` (or `W/"3"`, `3`) or a `version` field in the body.
func expectedVersion(_ request: Request, body: Data?) throws -> Int? {
    if let header = request.headers[.ifMatch] {
        let digits = header.replacingOccurrences(of: "W/", with: "").trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        guard let version = Int(digits) else {
            throw LedgerError(
                .badRequest, "If-Match 应为版本号，如 \"3\"",
                details: [ValidationIssue(field: "If-Match", value: header, rule: "version.format", message: "应为整数版本号")])
        }
        return version
    }
    // `try?`: a body that is no JSON object has no version field; the handler's own decoding refuses it, naming the
    // place of the error.
    guard let body, case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: body) else { return nil }
    switch fields["version"] {
    case nil, .null?: return nil
    case .int(let version)? where (1...Int64(Int32.max)).contains(version): return Int(version)
    case let other?:
        // A string or fraction must not silently turn the conflict check off.
        let given = other.stringValue.map { "文本“\($0)”" } ?? "该值"
        throw LedgerError(
            .badRequest, "version 应为正整数版本号（如 3），不是\(given)",
            details: [
                ValidationIssue(
                    field: "version", value: other.stringValue ?? "", rule: "version.format",
                    message: "应为正整数版本号")
            ])
    }
}

/// The version an edit form was opened at (its hidden `_version` field): a form without one is refused, so that a
/// second editor's save in between is a conflict, never a lost update.
func formVersion(_ form: Form) throws -> Int {
    guard let text = form["_version"], let version = Int(text), version > 0 else {
        throw LedgerError(
            .badRequest, "表单缺少版本号，请重新打开编辑页后再保存",
            details: [
                ValidationIssue(
                    field: "_version", value: form["_version"] ?? "", rule: "version.format",
                    message: "应为正整数版本号")
            ])
    }
    return version
}

extension URI {
    /// The query parameters as an HTML form sends them: `+` is a space, then percent escapes are decoded
    /// (Hummingbird's `queryParameters` keeps `+`, so a search for two words typed into a form found nothing).
    var formParameters: FlatDictionary<Substring, Substring> {
        guard let query else { return FlatDictionary() }
        func decode(_ text: Substring) -> Substring {
            let spaced = text.replacingOccurrences(of: "+", with: " ")
            return Substring(spaced.removingPercentEncoding ?? spaced)
        }
        return FlatDictionary(
            query.split(separator: "&").map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                return (key: decode(parts[0]), value: parts.count > 1 ? decode(parts[1]) : "")
            })
    }
}

/// What `lookup` finds, or `nil` when it does not exist; any other error (a busy or failing database) is thrown, never
/// taken for a missing record.
func unlessNotFound<T>(_ lookup: () async throws -> T) async throws -> T? {
    do {
        return try await lookup()
    } catch let error as LedgerError where error.kind == .notFound {
        return nil
    }
}

/// An integer query parameter, or a 400 naming it.
func intParameter(_ request: Request, _ name: String, default value: Int) throws -> Int {
    guard let text = request.uri.formParameters.get(name) else { return value }
    guard let number = Int(text) else {
        throw LedgerError(
            .badRequest, "参数\(name)应为整数",
            details: [ValidationIssue(field: name, value: text, rule: "query.integer", message: "应为整数")])
    }
    return number
}

/// A file to save (text such as CSV or HTML, or bytes such as a workbook); with a name it downloads as an attachment.
func download(_ text: String, type: String, name: String?) -> Response {
    download(Data(text.utf8), type: type, name: name)
}

func download(_ bytes: Data, type: String, name: String?) -> Response {
    var headers: HTTPFields = [.contentType: type]
    if let name { headers[.contentDisposition] = "attachment; filename=\"\(name)\"" }
    return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
}

/// The address the client reached the server at (`http://host:port`), for links and IRIs in answers.
func baseURL(of request: Request) -> String { "http://\(request.head.authority ?? "localhost")" }
