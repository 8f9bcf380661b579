import LedgerCore

/// A `package_search` query (`q` and `fq`) in the forms of Solr that CKAN clients write: `field:value` terms (a value
/// in quotes may hold spaces), words, `AND` (or nothing) between terms that must all hold, `OR` between values of one
/// field (`tags:每月 OR tags:每周`, `organization:(a OR b)`), and negation (`-field:value`, `NOT field:value`,
/// `!field:value`). `name:` is a dataset to look for by its code and `title:`, `text:` and `notes:` words; `*:*` and
/// `+` add nothing. What it cannot mean exactly (`OR` across fields or words, negated words) is refused, saying why.
struct CKANQuery: Equatable {
    /// Values of one field: the dataset's field is one of `values`, or none of them when `negated`.
    struct Term: Equatable {
        var field: String
        var values: [String]
        var negated: Bool
    }

    var terms: [Term] = []
    var words: [String] = []

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

    static func refused(_ why: String) -> LedgerError {
        LedgerError(
            .validation, "无法识别的检索式：\(why)（可用 字段:值、\"带空格的值\"、AND、同一字段的 OR、-字段:值）")
    }
}
