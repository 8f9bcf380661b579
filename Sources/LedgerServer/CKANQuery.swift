import Foundation
import LedgerCore
import LedgerStore

/// A `package_search` query (`q` and `fq`) in the forms of Solr that CKAN clients write: `field:value` terms (a value
/// in quotes may hold spaces), words, `AND` (or nothing) between terms that must all hold, `OR` between values of one
/// field (`tags:每月 OR tags:每周`, `organization:(a OR b)`), and negation (`-field:value`, `NOT field:value`,
/// `!field:value`). `name:` is a dataset to look for by its code and `title:`, `text:` and `notes:` words; `*:*` and
/// `+` add nothing. `metadata_modified:[2026-12-01T00:00:00Z TO *]` keeps datasets changed in a span (`{ }` leaves
/// an end out; `*` is open; `NOW` is now): how a harvester asks for what changed since its last run. What it cannot
/// mean exactly (`OR` across fields or words, negated words) is refused, saying why.
struct CKANQuery: Equatable {
    /// Values of one field: the dataset's field is one of `values`, or none of them when `negated`.
    struct Term: Equatable {
        var field: String
        var values: [String]
        var negated: Bool
    }

    var terms: [Term] = []
    var words: [String] = []
    /// When the datasets kept were last changed.
    var modified: TimeBounds?

    init(parsing query: String) throws {
        var tokens = Self.tokens(query)[...]
        var alternative = false
        while let token = tokens.popFirst() {
            if ["AND", "&&", "*:*", "+"].contains(token) { continue }
            if token == "OR" || token == "||" {
                alternative = true
                continue
            }
            var text = token
            var negated = false
            if text == "NOT" || text == "!" || text == "-" {
                negated = true
                guard let next = tokens.popFirst() else { throw Self.refused("否定（\(text)）后缺少条件") }
                text = next
            } else if let first = text.first, "-!".contains(first), text.count > 1 {
                negated = true
                text.removeFirst()
            }
            if text.first == "+" { text.removeFirst() }
            guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else {
                guard !negated, !alternative else { throw Self.refused("词语不能用 OR 或否定（\(text)）：词语须全部出现") }
                words.append(text)
                continue
            }
            let field = String(text[..<colon]).lowercased()
            var values = [String(text[text.index(after: colon)...])]
            if let opening = values[0].first, opening == "[" || opening == "{" {
                guard field == "metadata_modified" else { throw Self.refused("区间只能用于 metadata_modified") }
                guard !negated, !alternative, modified == nil else { throw Self.refused("metadata_modified 区间不能否定、用 OR 或重复") }
                modified = try Self.bounds(values[0], then: &tokens)
                continue
            }
            if values == [""], tokens.first == "(" {
                tokens.removeFirst()
                values = []
                while let value = tokens.popFirst(), value != ")" {
                    guard value != "AND", value != "&&" else { throw Self.refused("括号内只能用 OR 连接同一字段的值") }
                    if value != "OR", value != "||" { values.append(value) }
                }
            }
            values = values.filter { !$0.isEmpty }
            guard !values.isEmpty else { throw Self.refused("字段 \(field) 缺少值") }
            switch field {
            case "name", "title", "text", "notes":
                guard !negated, !alternative, values.count == 1 else {
                    throw Self.refused("\(field): 不能用 OR 或否定：词语须全部出现")
                }
                words.append(field == "name" ? CKANRoutes.resourceCode(values[0]) : values[0])
            default:
                if alternative {
                    guard let last = terms.last, last.field == field, !last.negated, !negated else {
                        throw Self.refused("OR 只能连接同一字段的值（如 tags:每月 OR tags:每周）")
                    }
                    terms[terms.count - 1].values += values
                } else {
                    terms.append(Term(field: field, values: values, negated: negated))
                }
            }
            alternative = false
        }
        if alternative { throw Self.refused("OR 后缺少条件") }
    }

    /// The query's tokens: runs of characters between spaces, quotes grouping (and removed), parentheses on their own.
    static func tokens(_ query: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var quoted = false
        func end() {
            if !current.isEmpty { tokens.append(current) }
            current = ""
        }
        for character in query {
            if character == "\"" {
                quoted.toggle()
            } else if !quoted, character.isWhitespace {
                end()
            } else if !quoted, character == "(" || character == ")" {
                end()
                tokens.append(String(character))
            } else {
                current.append(character)
            }
        }
        end()
        return tokens
    }

    /// The span `[a TO b]` that starts with token `first` and ends with a later token of `tokens` (`]` or `}`).
    static func bounds(_ first: String, then tokens: inout ArraySlice<String>) throws -> TimeBounds {
        var parts = [first]
        while let last = parts.last, !(last.hasSuffix("]") || last.hasSuffix("}")), parts.count < 3 {
            guard let next = tokens.popFirst() else { break }
            parts.append(next)
        }
        guard parts.count == 3, parts[1] == "TO", let opening = parts[0].first, let closing = parts[2].last, "]}".contains(closing) else {
            throw refused("区间应写作 metadata_modified:[起 TO 止]（起止为时间、* 或 NOW）")
        }
        return TimeBounds(
            lower: try timestamp(String(parts[0].dropFirst())), upper: try timestamp(String(parts[2].dropLast())),
            includesLower: opening == "[", includesUpper: closing == "]")
    }

    /// A bound as the store writes times (`2026-12-01T08:00:00Z`): from `2026-12-01`, `2026-12-01T08:00:00` with or
    /// without a fraction (dropped) and `Z`, or `NOW`; `nil` for `*`.
    static func timestamp(_ text: String) throws -> String? {
        if text == "*" { return nil }
        if text == "NOW" { return Date().formatted(.iso8601) }
        let parts = text.split(separator: "T", maxSplits: 1, omittingEmptySubsequences: false)
        guard let date = CivilDate(String(parts[0])) else { throw refused("无法识别的时间 \(text)（如 2026-12-01T08:00:00Z）") }
        guard parts.count == 2 else { return "\(date)T00:00:00Z" }
        var time = parts[1]
        if time.hasSuffix("Z") { time.removeLast() }
        if let dot = time.firstIndex(of: ".") {
            guard time[time.index(after: dot)...].allSatisfy(\.isASCII), time[time.index(after: dot)...].allSatisfy(\.isNumber) else {
                throw refused("无法识别的时间 \(text)")
            }
            time = time[..<dot]
        }
        let fields = time.split(separator: ":", omittingEmptySubsequences: false).map { $0.count == 2 && $0.allSatisfy(\.isASCII) ? Int($0) : nil }
        guard fields.count == 3, let hour = fields[0], let minute = fields[1], let second = fields[2], hour < 24, minute < 60, second < 60
        else { throw refused("无法识别的时间 \(text)（如 2026-12-01T08:00:00Z）") }
        return "\(date)T" + [hour, minute, second].map { $0 < 10 ? "0\($0)" : "\($0)" }.joined(separator: ":") + "Z"
    }

    static func refused(_ why: String) -> LedgerError {
        LedgerError(
            .validation, "无法识别的检索式：\(why)（可用 字段:值、\"带空格的值\"、AND、同一字段的 OR、-字段:值）")
    }
}
