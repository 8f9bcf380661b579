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

    init() { bytes.reserveCapacity(1_024) }

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
        if hasField { bytes.append(UInt8(ascii: ",")) }
        hasField = true
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }  // the product's keys are ASCII names: nothing to escape
        bytes += "\":".utf8
        value.write(to: &self)
    }

    /// The field `key` with `value`, or no field when it is `nil` (as `encodeIfPresent` leaves it out).
    public mutating func field<T: CanonicalJSONWritable>(_ key: StaticString, _ value: T?) {
        if let value { field(key, value) }
    }

    /// A string value.
    public mutating func string(_ value: String) { JSONValue.writeString(value, to: &bytes) }

    /// A whole-number value.
    public mutating func integer(_ value: Int64) { bytes += String(value).utf8 }
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
        for (index, item) in enumerated() {
            if index > 0 { json.bytes.append(UInt8(ascii: ",")) }
            item.write(to: &json)
        }
        json.bytes.append(UInt8(ascii: "]"))
    }
}

extension Dictionary: CanonicalJSONWritable where Key == String, Value: CanonicalJSONWritable {
    /// Keys in UTF-8 order, as sorted JSON has them.
    public func write(to json: inout CanonicalWriter) {
        json.bytes.append(UInt8(ascii: "{"))
        for (index, field) in sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }).enumerated() {
            if index > 0 { json.bytes.append(UInt8(ascii: ",")) }
            json.string(field.key)
            json.bytes.append(UInt8(ascii: ":"))
            field.value.write(to: &json)
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
