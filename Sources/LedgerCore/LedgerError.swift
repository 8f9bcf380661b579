/// An error the product reports to a user: a stable code, a Chinese message and, for validation, every
/// problem found. The server maps `kind` to an HTTP status.
public struct LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of error, which decides the HTTP status.
    public enum Kind: String, Sendable {
        /// Malformed input (400).
        case badRequest = "bad_request"
        /// The named row does not exist (404).
        case notFound = "not_found"
        /// A stale version or a state that forbids the change (409).
        case conflict
        /// Well-formed input that breaks a rule (422).
        case validation = "validation_failed"
        /// No valid credentials (401).
        case unauthorized
        /// The actor's role or unit does not allow the action (403).
        case forbidden
        /// A body, upload or decompressed file over its documented limit (413).
        case tooLarge = "too_large"
        /// The ledger is busy with a long write (an import) and the request should be retried (503, Retry-After).
        case busy
    }

    public var kind: Kind
    public var message: String
    public var details: [ValidationIssue]

    public init(_ kind: Kind, _ message: String, details: [ValidationIssue] = []) {
        self.kind = kind
        self.message = message
        self.details = details
    }

    /// No row of `entity` has the key.
    public static func notFound(_ entity: String, _ key: String) -> LedgerError {
        LedgerError(.notFound, "未找到\(entity)：\(key)")
    }

    /// The client edited an older version than the stored one.
    public static func versionConflict(expected: Int, actual: Int) -> LedgerError {
        LedgerError(
            .conflict, "版本冲突：提交的版本为\(expected)，当前版本为\(actual)，请重新读取后再修改",
            details: [
                ValidationIssue(
                    field: "version", value: String(expected), rule: "version.current",
                    message: "当前版本为\(actual)")
            ])
    }

    /// Input breaks one or more rules.
    public static func invalid(_ issues: [ValidationIssue]) -> LedgerError {
        let errors = issues.filter { $0.severity == .error }
        return LedgerError(.validation, "校验未通过：\(errors.count)个问题", details: issues)
    }

    public var description: String {
        ([message] + details.map { "  \($0.field)=\($0.value): \($0.message) [\($0.rule)\($0.article.map { ", \($0)" } ?? "")]" })
            .joined(separator: "\n")
    }
}
