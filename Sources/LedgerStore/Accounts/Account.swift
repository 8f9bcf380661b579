import GRDB
import LedgerCore

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
