import Foundation

extension JSONValue {
    /// The tree of JSON `text` (RFC 8259), parsed directly: with `JSONValueDecoder`, a stored record decodes in about two
    /// thirds of the time `JSONDecoder` takes on Linux (an evaluation decodes every system and project of a province). Nesting
    /// deeper than 512 levels, a control character in a string, invalid UTF-8 or anything after the value is an error.
    public init(parsing text: String) throws {
        var text = text
        self = try text.withUTF8 { bytes in
            var parser = JSONTextParser(bytes: bytes)
            let value = try parser.value(depth: 0)
            parser.skipSpace()
            guard parser.index == bytes.count else { throw parser.failure("值之后还有多余的内容") }
            return value
        }
    }
}

/// A parser over JSON text's UTF-8 bytes.
private struct JSONTextParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func value(depth: Int) throws -> JSONValue {
        guard depth < 512 else { throw failure("嵌套超过512层") }
        skipSpace()
        guard index < bytes.count else { throw failure("意外结束") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default: return try number()
        }
    }

    mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    func failure(_ what: String) -> DecodingError {
        DecodingError.dataCorrupted(DecodingError.Context(codingPath: [], debugDescription: "JSON 第\(index + 1)字节：\(what)"))
    }

    private mutating func expect(_ byte: UInt8) throws {
        skipSpace()
        guard index < bytes.count, bytes[index] == byte else { throw failure("应为“\(Character(Unicode.Scalar(byte)))”") }
        index += 1
    }

    private mutating func object(depth: Int) throws -> JSONValue {
        index += 1
        var fields: [String: JSONValue] = [:]
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(fields)
        }
        while true {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("应为字段名") }
            let key = try string()
            try expect(UInt8(ascii: ":"))
            fields[key] = try value(depth: depth + 1)
            skipSpace()
            guard index < bytes.count else { throw failure("意外结束") }
            index += 1
            if bytes[index - 1] == UInt8(ascii: "}") { return .object(fields) }
            guard bytes[index - 1] == UInt8(ascii: ",") else { throw failure("应为“,”或“}”") }
        }
    }

    private mutating func array(depth: Int) throws -> JSONValue {
        index += 1
        var elements: [JSONValue] = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try value(depth: depth + 1))
            skipSpace()
            guard index < bytes.count else { throw failure("意外结束") }
            index += 1
            if bytes[index - 1] == UInt8(ascii: "]") { return .array(elements) }
            guard bytes[index - 1] == UInt8(ascii: ",") else { throw failure("应为“,”或“]”") }
        }
    }

    private mutating func literal(_ word: StaticString, _ value: JSONValue) throws -> JSONValue {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
            word.withUTF8Buffer({ expected in expected.elementsEqual(bytes[index..<index + count]) })
        else { throw failure("无法识别的值") }
        index += count
        return value
    }

    private mutating func number() throws -> JSONValue {
        let start = index
        var integral = true
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"): break
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): integral = false
            default:
                return try numberValue(from: start, integral: integral)
            }
            index += 1
        }
        return try numberValue(from: start, integral: integral)
    }

    private func numberValue(from start: Int, integral: Bool) throws -> JSONValue {
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard text.first != "+" else { throw failure("无法识别的数“\(text)”") }
        if integral, let value = Int64(text) { return .int(value) }
        guard !text.isEmpty, let value = Double(text), value.isFinite else { throw failure("无法识别的数“\(text)”") }
        // A whole number written with a fraction or exponent (`1.0`, `-2.5e3`) is an integer, as `JSONDecoder` reads it.
        if value == value.rounded(), let whole = Int64(exactly: value) { return .int(whole) }
        return .double(value)
    }

    /// A string from its opening quote, unescaped; the common string without escapes is taken as it is.
    private mutating func string() throws -> String {
        index += 1
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                defer { index += 1 }
                return text(UnsafeBufferPointer(rebasing: bytes[start..<index]))
            }
            if byte == UInt8(ascii: "\\") { return try escaped(from: start) }
            guard byte >= 0x20 else { throw failure("字符串中有控制字符") }
            index += 1
        }
        throw failure("字符串未结束")
    }

    private mutating func escaped(from start: Int) throws -> String {
        var buffer = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return buffer.withUnsafeBufferPointer { text($0) }
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw failure("字符串未结束") }
                let code = bytes[index]
                index += 1
                switch code {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(code)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"): buffer.append(contentsOf: try unicodeEscape())
                default: throw failure("无法识别的转义")
                }
            default:
                guard byte >= 0x20 else { throw failure("字符串中有控制字符") }
                buffer.append(byte)
            }
        }
        throw failure("字符串未结束")
    }

    /// The UTF-8 bytes of a `\uXXXX` escape after its `u`, with the low half of a surrogate pair when one follows.
    private mutating func unicodeEscape() throws -> [UInt8] {
        var scalar = try hex4()
        if (0xD800...0xDBFF).contains(scalar) {
            guard index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw failure("代理对不完整")
            }
            index += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw failure("代理对不完整") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let character = Unicode.Scalar(scalar) else { throw failure("无效的 Unicode 转义") }
        return Array(String(character).utf8)
    }

    private mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
            throw failure("无效的 Unicode 转义")
        }
        index += 4
        return value
    }

    /// The string of `utf8`. The parsed text is a `String`, so the bytes between two of its ASCII quotes are valid UTF-8,
    /// and so are those an escape adds: decoding repairs nothing, without the generic check of `String(validating:)`
    /// (a twentieth of a funding batch).
    private func text(_ utf8: UnsafeBufferPointer<UInt8>) -> String { String(decoding: utf8, as: UTF8.self) }
}
