/// An amount of money in yuan, held as whole fen (分) — never floating point.
public struct Money: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The amount in fen (1 yuan = 100 fen).
    public let fen: Int64

    /// Creates an amount from whole fen.
    public init(fen: Int64) { self.fen = fen }

    /// Creates an amount from whole yuan; for constants of the code (outside values go through `init?(checkedYuan:)`).
    public init(yuan: Int64) { self.fen = yuan * 100 }

    /// The largest amount the ledger takes, in yuan: 1000亿元. Every amount from outside is checked against it before
    /// any arithmetic, so sums over a system's projects and their changes stay far from `Int64`'s range.
    public static let limitYuan: Int64 = 100_000_000_000

    /// Creates an amount from whole yuan read from outside; `nil` when its magnitude exceeds `limitYuan`.
    public init?(checkedYuan yuan: Int64) {
        guard yuan.magnitude <= Self.limitYuan.magnitude else { return nil }
        self.fen = yuan * 100
    }

    /// Whether the amount is within ±`limitYuan`.
    public var isWithinLimit: Bool { fen.magnitude <= (Self.limitYuan * 100).magnitude }

    /// `self × numerator ÷ denominator`, rounded toward zero, computed in double width so the product cannot
    /// overflow (`annual × paid days ÷ days of the year`, `funds × cap % ÷ 100`). `denominator` must be positive and
    /// `numerator` at most `denominator`·100, so the quotient fits.
    public func scaled(by numerator: Int64, over denominator: Int64) -> Money {
        precondition(denominator > 0 && numerator.magnitude <= denominator.magnitude * 100)
        let product = fen.multipliedFullWidth(by: numerator)
        return Money(fen: denominator.dividingFullWidth(product).quotient)
    }

    /// The sum of `amounts`, or `nil` when it leaves `Int64`'s range.
    public static func total(_ amounts: some Sequence<Money>) -> Money? {
        var fen: Int64 = 0
        for amount in amounts {
            let (sum, overflow) = fen.addingReportingOverflow(amount.fen)
            if overflow { return nil }
            fen = sum
        }
        return Money(fen: fen)
    }

    /// Parses a yuan amount such as `1234567.8`, `1,234,567.89`, `¥ 120000` or `-30000.00`.
    /// Returns `nil` for more than two decimals, exponents or anything that is not a plain decimal.
    public init?(yuanText: String) {
        if let fen = Self.plainFen(yuanText.utf8) {
            self.fen = fen
            return
        }
        var text = Substring(yuanText.trimmingCharacters(in: .whitespaces))
        for prefix in ["¥", "￥", "RMB"] where text.hasPrefix(prefix) {
            text = text.dropFirst(prefix.count).drop(while: { $0 == " " })
        }
        if text.hasSuffix("元") { text = text.dropLast() }
        var negative = false
        if text.first == "-" {
            negative = true
            text = text.dropFirst()
        }
        let cleaned = text.filter { $0 != "," && $0 != "，" }
        let parts = cleaned.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].count <= 15,
            parts[0].allSatisfy(\.isASCIIDigitCharacter), let whole = Int64(parts[0])
        else { return nil }
        var cents: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard (1...2).contains(fraction.count), fraction.allSatisfy(\.isASCIIDigitCharacter) else { return nil }
            cents = Int64(fraction.count == 1 ? fraction + "0" : String(fraction))!
        }
        fen = (whole * 100 + cents) * (negative ? -1 : 1)
    }

    /// The fen of a plain decimal (`-`, 1 to 15 digits, a point and 1 or 2 digits), read byte by byte, as the ledger stores
    /// amounts: a province's evaluation reads hundreds of thousands of them. `nil` for any other text, which the general
    /// reading takes.
    private static func plainFen(_ utf8: String.UTF8View) -> Int64? {
        var whole: Int64 = 0
        var cents: Int64 = 0
        var digits = 0
        var decimals: Int?
        var negative = false
        for (index, byte) in utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "-") where index == 0: negative = true
            case UInt8(ascii: ".") where decimals == nil && digits > 0: decimals = 0
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = Int64(byte - UInt8(ascii: "0"))
                if let places = decimals {
                    guard places < 2 else { return nil }
                    cents = cents * 10 + digit
                    decimals = places + 1
                } else {
                    guard digits < 15 else { return nil }
                    whole = whole * 10 + digit
                    digits += 1
                }
            default: return nil
            }
        }
        guard digits > 0, decimals != 0 else { return nil }
        if decimals == 1 { cents *= 10 }
        return (whole * 100 + cents) * (negative ? -1 : 1)
    }

    /// The amount as a yuan decimal with two places, e.g. `1234567.80`.
    public var description: String {
        let sign = fen < 0 ? "-" : ""
        let magnitude = fen.magnitude
        let cents = magnitude % 100
        return "\(sign)\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    /// The amount with thousands separated, as finance reads it on a page: `1,234,567.80`.
    public var grouped: String {
        let text = description
        let sign = text.hasPrefix("-") ? "-" : ""
        let whole = Array(text.dropFirst(sign.count).prefix { $0 != "." })
        var groups: [String] = []
        var end = whole.count
        while end > 0 {
            groups.insert(String(whole[max(0, end - 3)..<end]), at: 0)
            end -= 3
        }
        return sign + groups.joined(separator: ",") + text.suffix(3)
    }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.fen < rhs.fen }

    /// `part / whole` exceeds `percent` %, computed exactly in integers.
    public static func exceeds(_ part: Money, percent: Int64, of whole: Money) -> Bool {
        part.fen.magnitude * 100 > whole.fen.magnitude * UInt64(percent)
    }
}

extension Money: Codable {
    /// Decodes from a decimal string (`"1200000.00"`); a JSON number is accepted only when it is whole yuan. Either
    /// is refused beyond ±`limitYuan` (a larger JSON number than `Int64` holds is refused as not whole yuan).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Text first, as the ledger stores amounts (a failed attempt costs an error). A JSON number that is not a whole
        // Int64 (1.5, 1e30) falls through to the text decode, which refuses it.
        let text: String
        // A value that is not text is tried as a whole number; one that is neither gets the text decode's error below.
        if let string = try? container.decode(String.self) {  // harmless: not text is tried as a whole number next
            text = string
        } else if let whole = try? container.decode(Int64.self) {  // harmless: else the text decode refuses it
            guard let money = Money(checkedYuan: whole) else { throw Self.outOfRange(container, String(whole)) }
            self = money
            return
        } else {
            text = try container.decode(String.self)
        }
        guard let money = Money(yuanText: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "“\(text)”不是金额（元，最多两位小数，绝对值不超过1000亿元）")
        }
        guard money.isWithinLimit else { throw Self.outOfRange(container, text) }
        self = money
    }

    private static func outOfRange(_ container: any SingleValueDecodingContainer, _ text: String) -> DecodingError {
        .dataCorruptedError(in: container, debugDescription: "金额“\(text)”超出范围（绝对值不超过1000亿元）")
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
