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
            return ValidationIssue(field: path(context.codingPath), value: "", rule: "field.type", message: "类型应为\(type)")
        case .dataCorrupted(let context):
            return ValidationIssue(field: path(context.codingPath), value: "", rule: "field.value", message: context.debugDescription)
        @unknown default:
            return ValidationIssue(field: "", value: "", rule: "field.value", message: "\(error)")
        }
    }
}
