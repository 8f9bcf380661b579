import Foundation
import Hummingbird
import HummingbirdCore
import LedgerCore
import LedgerStore
import Logging
import NIOCore

extension URI {
    /// The query parameters as an HTML form sends them: `+` is a space, then percent escapes are decoded
    /// (Hummingbird's `queryParameters` keeps `+`, so a search for two words typed into a form found nothing).
    var formParameters: FlatDictionary<Substring, Substring> {
        guard let query else { return FlatDictionary() }
        func decode(_ text: Substring) -> Substring {
            let spaced = text.replacingOccurrences(of: "+", with: " ")
            return Substring(spaced.removingPercentEncoding ?? spaced)
        }
        return FlatDictionary(
            query.split(separator: "&").map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                return (key: decode(parts[0]), value: parts.count > 1 ? decode(parts[1]) : "")
            })
    }
}

/// What `lookup` finds, or `nil` when it does not exist; any other error (a busy or failing database) is thrown, never
/// taken for a missing record.
func unlessNotFound<T>(_ lookup: () async throws -> T) async throws -> T? {
    do {
        return try await lookup()
    } catch let error as LedgerError where error.kind == .notFound {
        return nil
    }
}

/// An integer query parameter, or a 400 naming it.
func intParameter(_ request: Request, _ name: String, default value: Int) throws -> Int {
    guard let text = request.uri.formParameters.get(name) else { return value }
    guard let number = Int(text) else {
        throw LedgerError(
            .badRequest, "参数\(name)应为整数",
            details: [ValidationIssue(field: name, value: text, rule: "query.integer", message: "应为整数")])
    }
    return number
}
