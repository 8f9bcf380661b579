import Foundation

/// A small seeded generator (SplitMix64): the same seed gives the same cases, so a failure can be replayed.
public struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Mutations of valid input as a hostile or careless user makes them: bytes flipped, cells swapped for extreme
/// values, quotes and separators inserted, parts cut off or repeated.
public struct Mutator {
    var random: SeededRandom
    public init(random: SeededRandom) { self.random = random }

    /// Values that break careless parsers: overflowing numbers, impossible dates, formulas, NUL, a BOM, long text.
    public static let extremes = [
        "", "-1", "0", "99999999999999999999", "-9223372036854775809", "1e308", "NaN", "9999-12-31",
        "0000-00-00", "=CMD()", "'", "\"", "\u{0}", "\u{FEFF}", String(repeating: "长", count: 3000),
        "是", "否", "2026-02-30", "1.999", "¥-0.01", "_x000D_", "<a>", "\r", "\n\n", ",,,"
    ]

    /// One of `values`.
    public mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &random)] }

    /// `input` with a few bytes flipped, inserted, removed, extreme values inserted, or the rest cut off.
    public mutating func bytes(_ input: [UInt8]) -> [UInt8] {
        var data = input
        for _ in 0..<Int.random(in: 1...8, using: &random) where !data.isEmpty {
            let at = Int.random(in: 0..<data.count, using: &random)
            switch Int.random(in: 0..<5, using: &random) {
            case 0: data[at] = UInt8.random(in: 0...255, using: &random)
            case 1: data.insert(pick(Array("\",\n\r{}[]:'".utf8)), at: at)
            case 2: data.remove(at: at)
            case 3: data.insert(contentsOf: Array(pick(Self.extremes).utf8), at: at)
            default: data = Array(data.prefix(at))
            }
        }
        return data
    }

    /// A CSV text with some cells replaced by extreme values.
    public mutating func csv(_ text: String) -> String {
        var lines = text.components(separatedBy: "\r\n")
        for _ in 0..<Int.random(in: 1...4, using: &random) where lines.count > 1 {
            let index = Int.random(in: 1..<lines.count, using: &random)
            var cells = lines[index].components(separatedBy: ",")
            if !cells.isEmpty { cells[Int.random(in: 0..<cells.count, using: &random)] = pick(Self.extremes) }
            lines[index] = cells.joined(separator: ",")
        }
        return lines.joined(separator: "\r\n")
    }
}
