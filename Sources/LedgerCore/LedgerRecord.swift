/// What every ledger entity (单位, 项目, 系统, 信息资源) offers: a permanent natural key, cleaning of typed
/// input against the code lists, and validation that returns every problem at once.
public protocol LedgerRecord: Codable, Sendable, Equatable {
    /// The entity's Chinese name, used in messages (`信息资源`).
    static var label: String { get }
    /// The permanent natural key: USCC, project code, system code or resource code.
    var naturalKey: String { get }
    /// Trims text and maps code-list aliases to their canonical values.
    mutating func normalize(codes: CodeLists)
    /// Every rule the record breaks on its own (references to other rows are checked by the store).
    func validate(codes: CodeLists) -> [ValidationIssue]
}

/// A closed set of Chinese values that decodes leniently (trimmed, with aliases) and explains a bad value.
public protocol ChineseCode: RawRepresentable, CaseIterable, Codable, Sendable, Hashable where RawValue == String {
    /// Other spellings accepted for a value.
    static var aliases: [String: Self] { get }
}

extension ChineseCode {
    public static var aliases: [String: Self] { [:] }

    /// Parses a value after `Normalize.text`, accepting aliases.
    public init?(text: String) {
        let key = Normalize.text(text)
        guard let value = Self(rawValue: key) ?? Self.aliases[key] else { return nil }
        self = value
    }

    /// The allowed values, for messages: `建设、运维、第三方服务`.
    public static var allowed: String { allCases.map(\.rawValue).joined(separator: "、") }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Self(text: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "“\(text)”不是允许的值（\(Self.allowed)）")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Collects the issues of one record.
struct IssueList {
    private(set) var issues: [ValidationIssue] = []

    mutating func add(
        _ field: String, _ value: String, _ rule: String, _ message: String,
        article: String? = nil, severity: ValidationIssue.Severity = .error
    ) {
        issues.append(
            ValidationIssue(
                field: field, value: value, rule: rule, message: message,
                article: article, severity: severity))
    }

    mutating func add(contentsOf more: [ValidationIssue]) { issues.append(contentsOf: more) }

    /// A required text field that is empty.
    mutating func requireText(_ field: String, _ value: String, label: String, article: String? = nil) {
        if Normalize.text(value).isEmpty {
            add(field, value, "\(field).required", "\(label)不能为空", article: article)
        }
    }

    /// A value that must be in a code list.
    mutating func requireCode(
        _ field: String, _ value: String, in list: [CodeEntry], codes: CodeLists,
        label: String, article: String? = nil
    ) {
        if codes.entry(value, in: list) == nil {
            let allowed = list.map(\.name).joined(separator: "、")
            add(field, value, "\(field).code-list", "\(label)“\(value)”不在代码表中（允许：\(allowed)）", article: article)
        }
    }

    /// Dates that must not go backwards, in the order given.
    mutating func requireOrder(_ dates: [(field: String, label: String, date: CivilDate?)], article: String?) {
        var previous: (field: String, label: String, date: CivilDate)?
        for entry in dates {
            guard let date = entry.date else { continue }
            if let before = previous, date < before.date {
                add(
                    entry.field, date.description, "dates.order",
                    "\(entry.label)（\(date)）早于\(before.label)（\(before.date)）", article: article)
            }
            previous = (entry.field, entry.label, date)
        }
    }
}

extension CodeLists {
    /// The canonical spelling of a code-list value, or the cleaned input when it is not in the list.
    func canonical(_ value: String, in list: [CodeEntry]) -> String {
        entry(value, in: list)?.name ?? Normalize.text(value)
    }

    /// `canonical` for an optional value; empty becomes `nil`.
    func canonical(_ value: String?, in list: [CodeEntry]) -> String? {
        Normalize.optional(value).map { canonical($0, in: list) }
    }
}
