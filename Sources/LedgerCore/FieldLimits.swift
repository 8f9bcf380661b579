/// The longest text and list any ledger field may hold (docs/limits.md). Checked on every write, whatever it came
/// from (API body, web form, CSV, Excel, JSON or DCAT import), as validation rules that name the field.
public enum FieldLimits {
    /// Characters of a short text: codes, names, contacts, list entries.
    public static let maxText = 200
    /// Characters of a long text: summaries, conditions, descriptions, reasons.
    public static let maxLongText = 2000
    /// Fields that hold a long text, by their last path component.
    public static let longTextFields: Set<String> = [
        "summary", "description", "shareCondition", "openCondition", "returnReason", "reason", "scope", "basis",
        "remarks", "note", "address"
    ]
    /// Entries of a list (projects of a system, categories, networks, related resources, filed changes).
    public static let maxListCount = 200
    /// Data items of one catalog resource.
    public static let maxItems = 5000

    /// The limit of the text at `field` (its last path component decides).
    public static func textLimit(for field: String) -> Int {
        let last = field.split(separator: ".").last.map { $0.split(separator: "[").first ?? $0 } ?? Substring(field)
        return longTextFields.contains(String(last)) ? maxLongText : maxText
    }

    /// Every text and list in `value` over its limit, as errors naming the field.
    public static func issues(in value: JSONValue) -> [ValidationIssue] {
        var found: [ValidationIssue] = []
        visit(value, path: "", into: &found)
        return found.sorted { $0.field < $1.field }
    }

    /// An issue for one text, or `nil` when it fits.
    public static func issue(field: String, text: String) -> ValidationIssue? {
        // The UTF-8 length bounds the character count from above: most texts are decided without counting, and
        // without finding the field's limit.
        guard text.utf8.count > maxText else { return nil }
        let limit = textLimit(for: field)
        guard text.utf8.count > limit, text.count > limit else { return nil }
        return ValidationIssue(
            field: field, value: String(text.prefix(20)) + "…", rule: "field.max-length",
            message: "不能超过\(limit)个字符（现有\(text.count)个）")
    }

    private static func visit(_ value: JSONValue, path: String, into found: inout [ValidationIssue]) {
        switch value {
        case .string(let text):
            if let issue = issue(field: path, text: text) { found.append(issue) }
        case .array(let elements):
            let limit = path == "items" ? maxItems : maxListCount
            if elements.count > limit {
                found.append(
                    ValidationIssue(
                        field: path, value: String(elements.count), rule: "field.max-count",
                        message: "最多\(limit)项（现有\(elements.count)项）"))
                return
            }
            for (index, element) in elements.enumerated() { visit(element, path: "\(path)[\(index)]", into: &found) }
        case .object(let fields):
            for (key, field) in fields {
                if key.utf8.count > maxText {
                    found.append(
                        ValidationIssue(
                            field: String(key.prefix(20)) + "…", value: "", rule: "field.max-length",
                            message: "字段名过长"))
                    continue
                }
                visit(field, path: path.isEmpty ? key : "\(path).\(key)", into: &found)
            }
        case .null, .bool, .int, .double:
            break
        }
    }
}
