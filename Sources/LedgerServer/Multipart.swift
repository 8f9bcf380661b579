import Foundation
import Hummingbird
import LedgerCore

/// A `multipart/form-data` body (a form with file inputs): each part's field name, file name and bytes.
struct MultipartForm {
    struct Part {
        var name: String
        /// The uploaded file's name (without any folder), or `nil` for a plain field.
        var filename: String?
        var data: [UInt8]
    }

    var parts: [Part] = []

    /// The largest body accepted.
    static let maxBytes = 64 << 20

    /// The form of `request`, or `nil` when it is not multipart. The body is collected into `request`, so later
    /// readers (the route after the CSRF check) see it again.
    static func read(_ request: inout Request) async throws -> MultipartForm? {
        guard let type = request.headers[.contentType], type.hasPrefix("multipart/form-data"),
            let boundary = type.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) })
                .first(where: { $0.hasPrefix("boundary=") })?.dropFirst("boundary=".count)
        else { return nil }
        let buffer: ByteBuffer
        do { buffer = try await request.collectBody(upTo: Self.maxBytes) } catch {
            throw LedgerError(.tooLarge, "上传内容超过 \(Self.maxBytes >> 20) MB，请拆分文件后分批导入")
        }
        return MultipartForm(
            body: Array(buffer.readableBytesView), boundary: String(boundary).trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
    }

    init(body: [UInt8], boundary: String) {
        let delimiter = Array("--\(boundary)".utf8)
        var start = Self.find(delimiter, in: body, from: 0)
        while let open = start {
            var cursor = open + delimiter.count
            if body[cursor...].starts(with: Array("--".utf8)) { break }  // the closing delimiter
            if body[cursor...].starts(with: [13, 10]) { cursor += 2 }
            guard let headerEnd = Self.find([13, 10, 13, 10], in: body, from: cursor),
                let next = Self.find([13, 10] + delimiter, in: body, from: headerEnd + 4)
            else { break }
            let headers = String(decoding: body[cursor..<headerEnd], as: UTF8.self)
            if let part = Self.part(headers: headers, data: Array(body[(headerEnd + 4)..<next])) { parts.append(part) }
            start = next + 2
        }
    }

    /// The value of plain field `name`.
    subscript(_ name: String) -> String? {
        parts.first { $0.name == name && $0.filename == nil }.map { String(decoding: $0.data, as: UTF8.self) }
    }

    /// The uploaded files (inputs left empty are skipped).
    var files: [Part] { parts.filter { $0.filename?.isEmpty == false } }

    static func part(headers: String, data: [UInt8]) -> Part? {
        guard let disposition = headers.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition:") }) else {
            return nil
        }
        func parameter(_ key: String) -> String? {
            guard let range = disposition.range(of: "\(key)=\"") else { return nil }
            let rest = disposition[range.upperBound...]
            return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
        }
        guard let name = parameter("name") else { return nil }
        let filename = parameter("filename").map { raw in
            String(raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? "").trimmingCharacters(in: CharacterSet(charactersIn: ". "))
        }
        return Part(name: name, filename: filename, data: data)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var index = start
        let first = needle[0]
        while index <= haystack.count - needle.count {
            if haystack[index] == first && haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
