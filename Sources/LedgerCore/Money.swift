/// An amount of money in yuan, held as whole fen (分) — never floating point.
public struct Money: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The amount in fen (1 yuan = 100 fen).
    public let fen: Int64

    /// Creates an amount from whole fen.
    public init(fen: Int64) { self.fen = fen }

    /// Creates an amount from whole yuan.
    public init(yuan: Int64) { self.fen = yuan * 100 }

    /// Parses a yuan amount such as `1234567.8`, `1,234,567.89`, `¥ 120000` or `-30000.00`.
    /// Returns `nil` for more than two decimals, exponents or anything that is not a plain decimal.
    public init?(yuanText: String) {
        var text = Substring(yuanText.trimmingCharacters(in: .whitespaces))
        for prefix in ["¥", "￥", "RMB"] where text.hasPrefix(prefix) {
            text = text.dropFirst(prefix.count).drop(while: { $0 == " " })
        }
        if text.hasSuffix("元") { text = text.dropLast() }
        var negative = false
        if text.first == "-" { negative = true; text = text.dropFirst() }
        let cleaned = text.filter { $0 != "," && $0 != "，" }
        let parts = cleaned.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].count <= 15,
              parts[0].allSatisfy(\.isASCIIDigitCharacter), let whole = Int64(parts[0]) else { return nil }
        var cents: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard (1...2).contains(fraction.count), fraction.allSatisfy(\.isASCIIDigitCharacter) else { return nil }
            cents = Int64(fraction.count == 1 ? fraction + "0" : String(fraction))!
        }
        fen = (whole * 100 + cents) * (negative ? -1 : 1)
    }

    /// The amount as a yuan decimal with two places, e.g. `1234567.80`.
    public var description: String {
        let sign = fen < 0 ? "-" : ""
        let magnitude = fen.magnitude
        let cents = magnitude % 100
        return "\(sign)\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.fen < rhs.fen }

    /// `part / whole` exceeds `percent` %, computed exactly in integers.
    public static func exceeds(_ part: Money, percent: Int64, of whole: Money) -> Bool {
        part.fen.magnitude * 100 > whole.fen.magnitude * UInt64(percent)
    }
}

extension Money: Codable {
    /// Decodes from a decimal string (`"1200000.00"`); a JSON number is accepted only when it is whole yuan.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let whole = try? container.decode(Int64.self) {
            self.init(yuan: whole)
            return
        }
        let text = try container.decode(String.self)
        guard let money = Money(yuanText: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is not a yuan amount with at most two decimals")
        }
        self = money
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
