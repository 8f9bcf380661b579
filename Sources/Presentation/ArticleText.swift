import Foundation

/// Articles of the regulation as people write them: the code cites `Art. 22(7), 18(3)`, pages and printed reports say
/// 第二十二条第（七）项、第十八条第（三）项. Text that cites no article (a guideline's number) is left as it is.
public enum ArticleText {
    /// The Chinese citation of `article`.
    public static func chinese(_ article: String) -> String {
        guard article.hasPrefix("Art. ") else { return article }
        let parts = article.dropFirst(5).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let cited = parts.map { part -> String? in
            let pieces = part.split(separator: "(", maxSplits: 1)
            guard let number = Int(pieces[0]), let article = numeral(number) else { return nil }
            guard pieces.count == 2 else { return "第\(article)条" }
            guard let item = Int(pieces[1].dropLast()), pieces[1].hasSuffix(")"), let itemText = numeral(item) else { return nil }
            return "第\(article)条第（\(itemText)）项"
        }
        guard !cited.contains(where: { $0 == nil }) else { return article }
        return cited.compactMap { $0 }.joined(separator: "、")
    }

    /// `text` with every citation in it (`（Art. 22(1), 27）`) written in Chinese (`（第二十二条第（一）项、第二十七条）`).
    public static func inText(_ text: String) -> String {
        guard text.contains("Art. ") else { return text }
        return text.replacing(citation) { chinese(String($0.output)) }
    }

    nonisolated(unsafe) private static let citation = /Art\. [0-9]+(?:\([0-9]+\))?(?:, [0-9]+(?:\([0-9]+\))?)*/

    /// 1 … 99 in Chinese numerals (十一, 二十二); `nil` outside.
    static func numeral(_ number: Int) -> String? {
        let digits = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"]
        switch number {
        case 1...9: return digits[number]
        case 10...99: return (number / 10 == 1 ? "" : digits[number / 10]) + "十" + digits[number % 10]
        default: return nil
        }
    }
}
