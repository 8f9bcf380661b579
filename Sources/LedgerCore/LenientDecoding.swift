/// Decoding with defaults: fields a person may leave out of a JSON body or a CSV file (lists, yes/no flags,
/// nested groups, the workflow state) take their empty value instead of failing the whole record.

extension KeyedDecodingContainer {
    /// The value for `key`, or `fallback` when the key is absent or null.
    func decode<T: Decodable>(_ key: Key, default fallback: @autoclosure () -> T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback()
    }
}
