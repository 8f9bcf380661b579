import Foundation

/// Turns a decoding error into a validation issue naming the field.
public enum DecodingProblem {
    /// The issue for `error`, with the field path of its coding path (`security.mlpsLevel`, `items[2].type`).
    public static func issue(for error: DecodingError) -> ValidationIssue {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
                .replacingOccurrences(of: ".[", with: "[").trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return ValidationIssue(field: field, value: "", rule: "field.required", message: "缺少必填字段\(field)")
        case .valueNotFound(_, let context):
            return ValidationIssue(field: path(context.codingPath), value: "", rule: "field.required", message: "字段不能为空")
        case .typeMismatch(let type, let context):
            return ValidationIssue(field: path(context.codingPath), value: "", rule: "field.type", message: "类型应为\(typeName(type))")
        case .dataCorrupted(let context) where context.codingPath.isEmpty && context.underlyingError != nil:
            return ValidationIssue(
                field: "", value: "", rule: "json.syntax",
                message: "不是有效的JSON\(place(in: context.underlyingError!).map { "（\($0)）" } ?? "")")
        case .dataCorrupted(let context):
            return ValidationIssue(field: path(context.codingPath), value: "", rule: "field.value", message: context.debugDescription)
        @unknown default:
            return ValidationIssue(field: "", value: "", rule: "field.value", message: "字段值无法读取")
        }
    }

    /// The Chinese word for the JSON type a Swift type is read from.
    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is Substring.Type: "文本"
        case is Bool.Type: "布尔值（true/false）"
        case is Int.Type, is Int64.Type, is Int32.Type: "整数"
        case is Double.Type, is Float.Type: "数字"
        default:
            String(describing: type).hasPrefix("Array")
                ? "列表（JSON数组）"
                : String(describing: type).hasPrefix("Dictionary") ? "对象（JSON对象）" : "与该字段相符的值"
        }
    }

    /// Where `data` stops being JSON, as “第3行第11列附近”, or `nil` when it is valid JSON. Foundation's decoder does
    /// not say where; its serialization names the byte offset, which is turned into a line and column here.
    public static func syntaxPlace(in data: Data) -> String? {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return nil
        } catch {
            guard let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String,
                let range = text.range(of: "character "), let offset = Int(text[range.upperBound...].prefix { $0.isNumber }),
                offset <= data.count
            else { return place(in: error) }
            let before = data.prefix(offset)
            let line = before.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? before.startIndex
            let column = String(decoding: before[lineStart...], as: UTF8.self).count + 1
            return "第\(line)行第\(column)列附近"
        }
    }

    /// “第3行第17列附近” from a JSON parser's error, which names the line and column in English.
    public static func place(in error: any Error) -> String? {
        let text = "\(error)"
        func number(after word: String) -> Int? {
            guard let range = text.range(of: word) else { return nil }
            return Int(text[range.upperBound...].prefix { $0.isNumber })
        }
        if let line = number(after: "line "), let column = number(after: "column ") { return "第\(line)行第\(column)列附近" }
        if let offset = number(after: "character ") ?? number(after: "offset ") { return "第\(offset + 1)个字符附近" }
        return nil
    }
}
