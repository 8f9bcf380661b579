import Foundation
import Hummingbird
import HummingbirdCore
import LedgerCore
import LedgerStore
import Logging
import NIOCore

/// The version a write expects: `If-Match: "3"` (or `W/"3"`, `3`) or a `version` field in the body.
func expectedVersion(_ request: Request, body: Data?) throws -> Int? {
    if let header = request.headers[.ifMatch] {
        let digits = header.replacingOccurrences(of: "W/", with: "").trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        guard let version = Int(digits) else {
            throw LedgerError(
                .badRequest, "If-Match 应为版本号，如 \"3\"",
                details: [ValidationIssue(field: "If-Match", value: header, rule: "version.format", message: "应为整数版本号")])
        }
        return version
    }
    // `try?`: a body that is no JSON object has no version field; the handler's own decoding refuses it, naming the
    // place of the error.
    guard let body, case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: body) else { return nil }  // handler refuses bad JSON
    switch fields["version"] {
    case nil, .null?: return nil
    case .int(let version)? where (1...Int64(Int32.max)).contains(version): return Int(version)
    case let other?:
        // A string or fraction must not silently turn the conflict check off.
        let given = other.stringValue.map { "文本“\($0)”" } ?? "该值"
        throw LedgerError(
            .badRequest, "version 应为正整数版本号（如 3），不是\(given)",
            details: [
                ValidationIssue(
                    field: "version", value: other.stringValue ?? "", rule: "version.format",
                    message: "应为正整数版本号")
            ])
    }
}

/// The version an edit form was opened at (its hidden `_version` field): a form without one is refused, so that a
/// second editor's save in between is a conflict, never a lost update.
func formVersion(_ form: Form) throws -> Int {
    guard let text = form["_version"], let version = Int(text), version > 0 else {
        throw LedgerError(
            .badRequest, "表单缺少版本号，请重新打开编辑页后再保存",
            details: [
                ValidationIssue(
                    field: "_version", value: form["_version"] ?? "", rule: "version.format",
                    message: "应为正整数版本号")
            ])
    }
    return version
}
