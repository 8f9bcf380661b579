import Crypto
import Foundation
import GRDB
import HummingbirdBcrypt
import LedgerCore
import NIOPosix

/// A user account (the password hash never leaves the store).
public struct Account: Codable, Sendable, Equatable {
    public var id: Int64
    public var username: String
    public var displayName: String
    public var role: Role
    public var unitUSCC: String?
    public var disabled: Bool
    public var createdAt: String

    /// The actor this account acts as.
    public func actor(requestId: String? = nil) -> Actor {
        Actor(username: username, role: role, unitUSCC: unitUSCC, requestId: requestId, displayName: displayName)
    }
}

/// An API token as listed (the token itself is shown once, at creation, and stored only as its SHA-256).
public struct APIToken: Codable, Sendable, Equatable {
    public var id: Int64
    public var username: String
    public var name: String
    public var createdAt: String
    public var revokedAt: String?
}

/// A browser session: the account, and the CSRF token every form of the session must carry.
public struct WebSession: Sendable {
    public var account: Account
    public var csrf: String
}

/// The rules of signing in that the server and the store share.
public enum SignIn {
    /// bcrypt cost of new password hashes.
    public static let bcryptCost: UInt8 = 11
    /// How long a browser session lasts.
    public static let sessionHours = 12
    /// Failed logins of one username within `failureMinutes` after which it must wait out the window.
    public static let failureLimit = 5
    public static let failureMinutes = 15
}

/// A row of `account` as stored: the account and its password hash. A role that is no `Role` is a decoding error
/// naming the column.
struct AccountRow: FetchableRecord, Decodable {
    var id: Int64
    var username: String
    var displayName: String
    var role: Role
    var unitKey: String?
    var disabled: Bool
    var createdAt: String
    var passwordHash: String

    static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }

    var account: Account {
        Account(id: id, username: username, displayName: displayName, role: role, unitUSCC: unitKey, disabled: disabled, createdAt: createdAt)
    }
}

/// A token row joined with its account's name, read as the token it describes.
extension APIToken: FetchableRecord {
    public static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
}

/// What the account repositories of both stores check and make alike. Password hashing runs on NIO's thread pool, off
/// the cooperative pool that serves requests (bcrypt at cost 11 takes about a tenth of a second).
enum AccountRules {
    /// The window failed logins are counted in, in seconds.
    static let failureWindow = Double(SignIn.failureMinutes * 60)

    /// Refuses a new account's fields that break a rule, all at once.
    static func check(username: String, password: String, role: Role, unitUSCC: String?) throws {
        var issues: [ValidationIssue] = []
        if username.range(of: "^[a-z][a-z0-9._-]{1,31}$", options: .regularExpression) == nil {
            issues.append(
                ValidationIssue(
                    field: "username", value: username, rule: "account.username",
                    message: "用户名应为2-32位小写字母、数字或 . _ -，以字母开头"))
        }
        if password.count < 10 {
            issues.append(ValidationIssue(field: "password", value: "", rule: "account.password-length", message: "密码至少10个字符"))
        }
        if role == .dataOfficer, unitUSCC == nil {
            issues.append(
                ValidationIssue(field: "unitUSCC", value: "", rule: "account.unit-required", message: "数据专员须绑定一个建设单位"))
        }
        if role != .dataOfficer, let unitUSCC {
            issues.append(
                ValidationIssue(
                    field: "unitUSCC", value: unitUSCC, rule: "account.unit-only-for-officers", message: "只有数据专员绑定建设单位"))
        }
        guard issues.isEmpty else { throw LedgerError.invalid(issues) }
    }

    static func unknownUnit(_ unitUSCC: String) -> LedgerError {
        LedgerError.invalid([ValidationIssue(field: "unitUSCC", value: unitUSCC, rule: "reference.exists", message: "建设单位不存在")])
    }

    static func usernameTaken(_ username: String) -> LedgerError {
        LedgerError.invalid([ValidationIssue(field: "username", value: username, rule: "key.unique", message: "用户名已存在")])
    }

    /// The bcrypt hash of `password` at `cost`.
    static func passwordHash(_ password: String, cost: UInt8) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` is the one `hash` was made of.
    static func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// How a token or cookie secret is stored: its SHA-256.
    static func secretHash(_ secret: String) -> String {
        Hex.string(SHA256.hash(data: Data(secret.utf8)))
    }

    /// A new random secret (256 bits, hex).
    static func newSecret() -> String { Hex.random(bytes: 32) }
}
