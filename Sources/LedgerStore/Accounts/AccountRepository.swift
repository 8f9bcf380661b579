import LedgerCore

/// Accounts, their API tokens and browser sessions. Every write names the actor it is recorded for in the audit trail.
/// `SQLiteAccountRepository` keeps them in the ledger's database (`account`, `api_token`) and sessions in their own
/// (`web_session` in `AppDatabase.sessions`, so that logging in never waits for a ledger write).
public protocol AccountRepository: Sendable {
    /// Creates an account. A data officer must be bound to an existing unit; other roles must not be. `cost` is the
    /// bcrypt work factor (tests lower it).
    func createAccount(
        username: String, displayName: String, role: Role, unitUSCC: String?, password: String,
        cost: UInt8, by actor: Actor
    ) async throws -> Account
    /// Every account, by username.
    func accounts() async throws -> [Account]
    /// Disables or re-enables an account; a disabled account's tokens and sessions stop working at once.
    func setDisabled(_ username: String, _ disabled: Bool, by actor: Actor) async throws -> Account
    /// The account of `username` when `password` matches and it is enabled.
    func authenticate(username: String, password: String) async throws -> Account?
    /// Creates an API token for `username`; the token is returned once and stored only as its SHA-256.
    func createToken(username: String, name: String, by actor: Actor) async throws -> (APIToken, String)
    /// Revokes token `id`.
    func revokeToken(id: Int64, by actor: Actor) async throws -> APIToken
    /// Tokens of one account, or all.
    func tokens(username: String?) async throws -> [APIToken]
    /// The account a live token belongs to (not revoked, account enabled).
    func account(forToken secret: String) async throws -> Account?
    /// Opens a session for `account`; returns the cookie secret (stored only as its SHA-256) and the session.
    func openSession(for account: Account) async throws -> (String, WebSession)
    /// The live session of a cookie secret (not expired, account enabled).
    func session(secret: String) async throws -> WebSession?
    /// Ends the session of a cookie secret.
    func closeSession(secret: String) async throws
    /// Seconds until `username` may try to log in again, after `SignIn.failureLimit` failed logins within
    /// `SignIn.failureMinutes`; `nil` when it may now. Every server of the ledger counts the same failures.
    func loginWait(username: String) async throws -> Int?
    /// Records a failed login of `username`, or forgets its failures after one that succeeded.
    func noteLogin(username: String, succeeded: Bool) async throws
}

extension AccountRepository {
    /// Creates an account with the product's bcrypt cost.
    public func createAccount(
        username: String, displayName: String, role: Role, unitUSCC: String?, password: String,
        by actor: Actor
    ) async throws -> Account {
        try await createAccount(
            username: username, displayName: displayName, role: role, unitUSCC: unitUSCC, password: password,
            cost: SignIn.bcryptCost, by: actor)
    }

    /// Every token.
    public func tokens() async throws -> [APIToken] { try await tokens(username: nil) }
}
