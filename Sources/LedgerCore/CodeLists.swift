import Foundation
import Yams

/// One value of a code list, with the other spellings accepted on import.
public struct CodeEntry: Codable, Sendable, Hashable {
    public var name: String
    public var aliases: [String]?
    /// 共享类型 / 开放类型: the matching condition field must be filled.
    public var requiresCondition: Bool?
    /// 共享方式: exchanged through the sharing platform.
    public var platform: Bool?
    /// 更新周期: the longest gap in days between updates, where the cycle has one.
    public var days: Int?
    /// 应用类别: platforms the category must be connected to (Art. 22(7)).
    public var platforms: [String]?
    /// 格式: the file or service types and the share methods allowed for the format.
    public var types: [String]?
    public var shareMethods: [String]?
}

/// A 信息项 data type (`C` 字符型 …).
public struct DataTypeEntry: Codable, Sendable, Hashable {
    public var code: String
    public var name: String
    public var needsLength: Bool?
}

/// A node of the resource classification tree: 类, 项 or 目.
public struct ClassificationNode: Codable, Sendable, Hashable {
    public var code: String
    public var name: String
    public var items: [ClassificationNode]?
    public var subjects: [ClassificationNode]?
}

/// The code lists of `catalog/codelists.yaml`: every enumerated value the ledger accepts.
public struct CodeLists: Codable, Sendable {
    public var version: String
    public var classification: [ClassificationNode]
    public var formats: [CodeEntry]
    public var dataTypes: [DataTypeEntry]
    public var shareTypes: [CodeEntry]
    public var shareMethods: [CodeEntry]
    public var openTypes: [CodeEntry]
    public var updateCycles: [CodeEntry]
    public var appCategories: [CodeEntry]
    public var networks: [CodeEntry]
    public var unitKinds: [CodeEntry]
    public var regions: [CodeEntry]
    public var materials: [CodeEntry]
    public var cryptoResults: [CodeEntry]
    public var xinchuangStatuses: [CodeEntry]
    /// Abbreviations and the words the ledger uses for them (社保 → 社会保障, 社会保险), for the search box.
    public var searchSynonyms: [String: [String]]?

    /// `text` and the same text with one abbreviation replaced by each of its words, at most `limit` in all.
    public func searchVariants(of text: String, limit: Int = 6) -> [String] {
        var variants = [text]
        for (abbreviation, words) in (searchSynonyms ?? [:]).sorted(by: { $0.key < $1.key }) where text.contains(abbreviation) {
            for word in words where variants.count < limit && !text.contains(word) {
                variants.append(text.replacingOccurrences(of: abbreviation, with: word))
            }
        }
        return variants
    }

    /// Reads and checks a code list file.
    public static func load(from url: URL) throws -> CodeLists {
        let text = try String(contentsOf: url, encoding: .utf8)
        do {
            return try YAMLDecoder().decode(CodeLists.self, from: text)
        } catch {
            throw LedgerError(.badRequest, "代码表文件 \(url.path) 无法读取：\(error)")
        }
    }

    /// The canonical entry for a value: exact name, alias, or either after `Normalize.text`.
    public func entry(_ value: String, in list: [CodeEntry]) -> CodeEntry? {
        let key = Normalize.text(value)
        return list.first { $0.name == key || ($0.aliases ?? []).contains(key) }
    }

    /// The data type for `C`, `字符型`, or `字符型C`.
    public func dataType(_ value: String) -> DataTypeEntry? {
        if let exact = dataTypes.first(where: { $0.code == value }) { return exact }
        let key = Normalize.text(value).uppercased()
        return dataTypes.first { $0.code == key || $0.name == key || "\($0.name)\($0.code)" == key }
    }

    /// Every six-digit classification code (类, 项, 目) with its path of names (`基础信息资源/人口/人口基本信息`), in
    /// code order: the codes a resource code may start with.
    public var classificationSubjects: [(code: String, path: String)] {
        classification.flatMap { category in
            (category.items ?? []).flatMap { item in
                (item.subjects ?? []).map { subject in
                    (category.code + item.code + subject.code, "\(category.name)/\(item.name)/\(subject.name)")
                }
            }
        }
    }

    /// The names of `classification` path (类, 项, 目) for a six-digit classification code, or `nil`.
    public func classificationPath(of code: some StringProtocol) -> [String]? {
        let digits = Array(code)
        guard digits.count == 6 else { return nil }
        guard let category = classification.first(where: { $0.code == String(digits[0]) }),
            let item = category.items?.first(where: { $0.code == String(digits[1...2]) }),
            let subject = item.subjects?.first(where: { $0.code == String(digits[3...5]) })
        else { return nil }
        return [category.name, item.name, subject.name]
    }
}

/// Cleaning of text typed into spreadsheets: surrounding white space (including the full-width space and a
/// stray byte-order mark), and trailing punctuation. Works on Unicode scalars: it runs for every cell of an import.
public enum Normalize {
    /// Trims white space (ASCII, no-break, U+2000-U+200B, U+3000, U+FEFF) and trailing punctuation (。，；、： and ASCII).
    public static func text(_ value: String) -> String {
        let scalars = value.unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return value }
        if !isSpace(first) && !isSpace(last) && !isTrailingPunctuation(last) { return value }
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, isSpace(scalars[start]) { start = scalars.index(after: start) }
        while start < end {
            let previous = scalars.index(before: end)
            guard isSpace(scalars[previous]) || isTrailingPunctuation(scalars[previous]) else { break }
            end = previous
        }
        return String(scalars[start..<end])
    }

    private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x2000...0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: true
        default: false
        }
    }

    private static func isTrailingPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "。", "．", ".", "，", ",", "；", ";", "、", "：", ":": true
        default: false
        }
    }

    /// `nil` for a value that is empty after trimming.
    public static func optional(_ value: String?) -> String? {
        guard let value else { return nil }
        let trimmed = text(value)
        return trimmed.isEmpty ? nil : trimmed
    }
}
