import Foundation

/// The one JSON form the product stores and hashes: sorted keys, unescaped slashes, ISO 8601 instants. Equal values
/// give equal bytes, so stored bodies, audit hashes and evaluation inputs compare byte for byte.
/// `encode(_:)` writes it; `encoder` is Foundation's encoder configured the same way, the reference it matches.
public enum CanonicalJSON {
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
