/// The 统一社会信用代码 (unified social credit code) of GB 32100-2015: 18 characters whose last is a
/// check character computed from the first 17.
public enum USCC {
    /// The 31 characters a code may use (I, O, Z, S, V are excluded).
    public static let charset = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    /// The weight of each of the first 17 positions: 3^(i-1) mod 31.
    public static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// Why a code is not valid.
    public enum Problem: Equatable, Sendable {
        case length(Int)
        case character(position: Int, character: Character)
        case checkCharacter(expected: Character, found: Character)

        /// A Chinese explanation naming the position and characters involved.
        public var message: String {
            switch self {
            case .length(let n):
                return "统一社会信用代码应为18位，实际为\(n)位"
            case .character(let position, let character):
                return "第\(position)位字符“\(character)”不在GB 32100-2015允许的字符集中（不含I、O、Z、S、V）"
            case .checkCharacter(let expected, let found):
                return "第18位校验码应为“\(expected)”，实际为“\(found)”（GB 32100-2015）"
            }
        }
    }

    /// The check character for the first 17 characters, or `nil` when one is outside the charset.
    public static func checkCharacter(for first17: some Collection<Character>) -> Character? {
        var sum = 0
        for (index, character) in first17.prefix(17).enumerated() {
            guard let value = charset.firstIndex(of: character) else { return nil }
            sum += value * weights[index]
        }
        return charset[(31 - sum % 31) % 31]
    }

    /// Checks a code; lower-case letters are accepted as their upper-case form.
    public static func validate(_ code: String) -> Problem? {
        let characters = Array(code.uppercased())
        guard characters.count == 18 else { return .length(characters.count) }
        for (index, character) in characters.enumerated() where !charset.contains(character) {
            return .character(position: index + 1, character: character)
        }
        let expected = checkCharacter(for: characters.prefix(17))!
        return expected == characters[17] ? nil : .checkCharacter(expected: expected, found: characters[17])
    }

    /// The administrative division code (positions 3-8), e.g. `370481` for 滕州市.
    public static func divisionCode(of code: String) -> String {
        String(Array(code).dropFirst(2).prefix(6))
    }
}
