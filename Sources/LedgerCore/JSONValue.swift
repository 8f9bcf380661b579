import Foundation

/// A JSON tree: import rows built from CSV cells, probe response bodies, exported records read by path.
/// Cheaper on Linux than bridging `[String: Any]` through `JSONSerialization`.
public indirect enum JSONValue: Codable, Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // `try?`: each JSON type is tried in turn; a value of none of them is an object, decoded below.
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {  // each type in turn
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {  // each type in turn
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {  // each type in turn
            self = .double(value)
        } else if let value = try? container.decode(String.self) {  // each type in turn
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {  // each type in turn
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The text of a string value.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The number of an integer value.
    public var intValue: Int64? {
        if case .int(let number) = self { return number }
        return nil
    }

    /// The elements of an array value.
    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The fields of an object value.
    public var objectValue: [String: JSONValue]? {
        if case .object(let fields) = self { return fields }
        return nil
    }

    /// The field `key` of an object value.
    public subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    /// The element at `index` of an array value.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// The value at a dotted path (`security.mlpsLevel`), or `nil`.
    public func value(at path: String) -> JSONValue? {
        if case .object(let fields) = self, !path.utf8.contains(UInt8(ascii: ".")) { return fields[path] }
        var current: JSONValue? = self
        for part in path.split(separator: ".") {
            guard case .object(let fields)? = current else { return nil }
            current = fields[String(part)]
        }
        return current
    }

    /// Sets the value at a dotted path, creating objects on the way.
    public mutating func set(_ value: JSONValue, at path: Substring) {
        guard case .object(var fields) = self else { return }
        self = .null  // release the enum's reference so that `fields` is mutated in place
        if let dot = path.firstIndex(of: ".") {
            let head = String(path[..<dot])
            var child = fields[head] ?? .object([:])
            child.set(value, at: path[path.index(after: dot)...])
            fields[head] = child
        } else {
            fields[String(path)] = value
        }
        self = .object(fields)
    }

    /// Compact JSON text.
    public var data: Data {
        var bytes: [UInt8] = []
        write(to: &bytes, sorted: false)
        return Data(bytes)
    }

    /// Compact JSON text with object keys in order, as `CanonicalJSON` writes it (for audit values).
    public var canonicalText: String {
        var bytes: [UInt8] = []
        write(to: &bytes, sorted: true)
        return String(decoding: bytes, as: UTF8.self)
    }

    private func write(to bytes: inout [UInt8], sorted: Bool) {
        switch self {
        case .null: bytes += "null".utf8
        case .bool(let value): bytes += (value ? "true" : "false").utf8
        case .int(let value): bytes += String(value).utf8
        case .double(let value): bytes += String(value).utf8
        case .string(let value): JSONValue.writeString(value, to: &bytes)
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                value.write(to: &bytes, sorted: sorted)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let fields):
            bytes.append(UInt8(ascii: "{"))
            let ordered = sorted ? CanonicalWriter.inKeyOrder(fields) { $0.key } : Array(fields)
            for (index, (key, value)) in ordered.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                JSONValue.writeString(key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                value.write(to: &bytes, sorted: sorted)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A JSON string as Foundation's encoder writes it: quotes, backslashes and control characters escaped,
    /// everything else (slashes included) as UTF-8.
    static func writeString(_ value: String, to bytes: inout [UInt8]) {
        var value = value
        value.withUTF8 { utf8 in
            bytes.append(UInt8(ascii: "\""))
            guard utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
                bytes.append(contentsOf: utf8)  // nothing to escape: one copy
                bytes.append(UInt8(ascii: "\""))
                return
            }
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
                case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
                case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
                case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
                case 0x08: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
                case 0x0C: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
                case 0..<0x20: bytes += Array("\\u00".utf8) + [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
                default: bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }
}
