import Foundation

/// A value that writes its canonical JSON itself, without `Encoder`: the types a province's funding batch writes
/// millions of times (decisions, their checks and evidence, the resources of an input). Each writes its keys in the
/// order sorted JSON has them and leaves out `nil`s, as its synthesized `Encodable` does under `CanonicalJSON.encoder`;
/// tests hold every decision the oracle cases make to Foundation's bytes.
public protocol CanonicalJSONWritable: Encodable {
    /// Writes the value as canonical JSON.
    func write(to json: inout CanonicalWriter)
}

/// Canonical JSON being written: objects field by field in the caller's (sorted) order, arrays item by item.
public struct CanonicalWriter {
    /// The text so far, UTF-8.
    public fileprivate(set) var bytes: [UInt8] = []
    /// Whether the object being written has a field already (the next one needs a comma).
    private var hasField = false

    public init() { bytes.reserveCapacity(1_024) }

    /// An object whose fields `body` writes, in sorted key order.
    public mutating func object(_ body: (inout CanonicalWriter) -> Void) {
        let outer = hasField
        hasField = false
        bytes.append(UInt8(ascii: "{"))
        body(&self)
        bytes.append(UInt8(ascii: "}"))
        hasField = outer
    }

    /// The field `key` with `value`.
    public mutating func field<T: CanonicalJSONWritable>(_ key: StaticString, _ value: T) {
        self.key(key)
        value.write(to: &self)
    }

    /// `"key":`, after a comma when the object has a field already.
    private mutating func key(_ key: StaticString) {
        if hasField { bytes.append(UInt8(ascii: ",")) }
        hasField = true
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }  // the product's keys are ASCII names: nothing to escape
        bytes += "\":".utf8
    }

    /// The field `key` with a value written already (canonical JSON: a stored text, an encoded value).
    public mutating func field(_ key: StaticString, encoded value: some Sequence<UInt8>) {
        self.key(key)
        bytes.append(contentsOf: value)
    }

    /// The field `key` with `value`, or no field when it is `nil` (as `encodeIfPresent` leaves it out).
    public mutating func field<T: CanonicalJSONWritable>(_ key: StaticString, _ value: T?) {
        if let value { field(key, value) }
    }

    /// A string value.
    public mutating func string(_ value: String) { JSONValue.writeString(value, to: &bytes) }

    /// A whole-number value.
    public mutating func integer(_ value: Int64) { bytes += String(value).utf8 }

    /// `items` in the UTF-8 byte order of their keys, as sorted JSON orders keys: each key's bytes are taken once rather
    /// than at every comparison (sorting a system's resource codes at each comparison was a thirtieth of a funding batch).
    static func inKeyOrder<Item>(_ items: some Sequence<Item>, key: (Item) -> String) -> [Item] {
        items.map { (item: $0, bytes: Array(key($0).utf8)) }.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }.map(\.item)
    }

    /// `keys` in UTF-8 byte order: `inKeyOrder` on strings alone, which generic callers (a dictionary of any values)
    /// reach without making the sort generic too.
    static func inKeyOrder(_ keys: [String]) -> [String] { inKeyOrder(keys) { $0 } }
}

extension CanonicalJSON {
    /// `value` as canonical JSON, written by the value itself.
    static func written(_ value: some CanonicalJSONWritable) -> [UInt8] {
        var json = CanonicalWriter()
        value.write(to: &json)
        return json.bytes
    }
}

extension String: CanonicalJSONWritable {
    public func write(to json: inout CanonicalWriter) { json.string(self) }
}

extension Int: CanonicalJSONWritable {
    public func write(to json: inout CanonicalWriter) { json.integer(Int64(self)) }
}

extension Int64: CanonicalJSONWritable {
    public func write(to json: inout CanonicalWriter) { json.integer(self) }
}

extension Bool: CanonicalJSONWritable {
    public func write(to json: inout CanonicalWriter) { json.bytes += (self ? "true" : "false").utf8 }
}

extension Array: CanonicalJSONWritable where Element: CanonicalJSONWritable {
    public func write(to json: inout CanonicalWriter) {
        json.bytes.append(UInt8(ascii: "["))
        var first = true
        for item in self {
            if !first { json.bytes.append(UInt8(ascii: ",")) }
            first = false
            item.write(to: &json)
        }
        json.bytes.append(UInt8(ascii: "]"))
    }
}

extension Dictionary: CanonicalJSONWritable where Key == String, Value: CanonicalJSONWritable {
    /// Keys in UTF-8 order, as sorted JSON has them.
    public func write(to json: inout CanonicalWriter) {
        json.bytes.append(UInt8(ascii: "{"))
        var first = true
        for key in CanonicalWriter.inKeyOrder(Array(keys)) {
            if !first { json.bytes.append(UInt8(ascii: ",")) }
            first = false
            json.string(key)
            json.bytes.append(UInt8(ascii: ":"))
            self[key].map { $0.write(to: &json) }  // one of the dictionary's own keys: always there
        }
        json.bytes.append(UInt8(ascii: "}"))
    }
}

extension CivilDate: CanonicalJSONWritable {
    public func write(to json: inout CanonicalWriter) { json.string(description) }
}

extension Money: CanonicalJSONWritable {
    public func write(to json: inout CanonicalWriter) { json.string(description) }
}

extension RawRepresentable where RawValue == String, Self: CanonicalJSONWritable {
    /// An enumeration by its raw value, as its synthesized `Encodable` writes it.
    public func write(to json: inout CanonicalWriter) { json.string(rawValue) }
}

extension CatalogState: CanonicalJSONWritable {}
