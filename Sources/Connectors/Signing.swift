import Crypto
import Foundation
import LedgerCore

/// The request signature every platform checks: HMAC-SHA256 with the app's secret over
/// `METHOD \n PATH \n TIMESTAMP \n NONCE`, hex-encoded, sent with the app key, timestamp and nonce.
public enum RequestSigning {
    public static let appKeyHeader = "X-Ybz-AppKey"
    public static let timestampHeader = "X-Ybz-Timestamp"
    public static let nonceHeader = "X-Ybz-Nonce"
    public static let signatureHeader = "X-Ybz-Signature"
    /// How far a timestamp may be from the platform's clock.
    public static let maxSkewSeconds = 300

    /// The hex signature of one request.
    public static func signature(secret: String, method: String, path: String, timestamp: String, nonce: String) -> String {
        let message = [method, path, timestamp, nonce].joined(separator: "\n")
        let code = HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Hex.string(code)
    }

    /// The four headers of a signed GET of `path` (path and query as sent).
    public static func headers(
        appKey: String, secret: String, path: String, now: Date = Date(),
        nonce: String = UUID().uuidString
    ) -> [(String, String)] {
        let timestamp = String(Int(now.timeIntervalSince1970))
        return [
            (appKeyHeader, appKey), (timestampHeader, timestamp), (nonceHeader, nonce),
            (signatureHeader, signature(secret: secret, method: "GET", path: path, timestamp: timestamp, nonce: nonce))
        ]
    }

    /// Whether the headers carry a valid, timely signature for `path`; the reason when not.
    public static func verify(
        headers: (String) -> String?, method: String, path: String, secret: String,
        now: Date = Date()
    ) -> String? {
        guard let timestamp = headers(timestampHeader), let nonce = headers(nonceHeader),
            let signature = headers(signatureHeader), headers(appKeyHeader) != nil
        else { return "missing signature headers" }
        guard let seconds = Int(timestamp), abs(Int(now.timeIntervalSince1970) - seconds) <= maxSkewSeconds else {
            return "timestamp outside ±\(maxSkewSeconds)s"
        }
        let expected = Self.signature(secret: secret, method: method, path: path, timestamp: timestamp, nonce: nonce)
        return expected == signature.lowercased() ? nil : "signature mismatch"
    }
}
