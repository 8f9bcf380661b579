import Foundation
import Hummingbird
import HummingbirdCore
import LedgerCore
import LedgerStore
import Logging
import NIOCore

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
