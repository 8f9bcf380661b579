import Foundation
import Hummingbird
import LedgerCore
import LedgerStore

/// A url-encoded form body. A name may come more than once (the ticked boxes of a multiple choice).
struct Form {
    private var fields: [String: [String]] = [:]

    init(_ request: Request) async throws {
        var request = request
        let buffer = try await request.collectBody(upTo: 1 << 20)
        self.init(String(buffer: buffer))
    }

    init(_ text: String) {
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if let name = parts.first { fields[name, default: []].append(parts.count > 1 ? parts[1] : "") }
        }
    }

    /// The value of `name` (the last, if it came more than once).
    subscript(_ name: String) -> String? { fields[name]?.last }

    /// Every value of `name`, in the order sent.
    func all(_ name: String) -> [String] { fields[name] ?? [] }
}
