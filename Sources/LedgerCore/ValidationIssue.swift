/// One problem found in one field, with the rule it breaks and, where one applies, the article or
/// guideline clause that asks for the rule.
public struct ValidationIssue: Codable, Hashable, Sendable {
    /// How serious a problem is: errors refuse the write, warnings are reported and kept.
    public enum Severity: String, Codable, Sendable {
        case error, warning
    }

    /// Path of the field, e.g. `items[2].length`.
    public var field: String
    /// The offending value as text (empty when the field is missing).
    public var value: String
    /// The rule's stable identifier, e.g. `share.condition-required`.
    public var rule: String
    /// What is wrong, in Chinese.
    public var message: String
    /// The article of 滕政办发〔2025〕8号 (`Art. 9(3)`) or the clause of another standard.
    public var article: String?
    public var severity: Severity

    public init(
        field: String, value: String, rule: String, message: String,
        article: String? = nil, severity: Severity = .error
    ) {
        self.field = field
        self.value = value
        self.rule = rule
        self.message = message
        self.article = article
        self.severity = severity
    }

    /// The same issue with its field path placed under `prefix` (`items[2]` + `length`).
    public func nested(under prefix: String) -> ValidationIssue {
        var copy = self
        copy.field = field.isEmpty ? prefix : "\(prefix).\(field)"
        return copy
    }
}

extension Array where Element == ValidationIssue {
    /// Whether any issue refuses the write.
    public var hasErrors: Bool { contains { $0.severity == .error } }
}

/// Guideline and regulation references used by the validation rules.
public enum Reference {
    /// 政务信息资源目录编制指南（试行）, 发改高技〔2017〕1272号.
    public static let catalogGuideline = "发改高技〔2017〕1272号"
    /// GB 32100-2015, the unified social credit code.
    public static let gb32100 = "GB 32100-2015"
}
