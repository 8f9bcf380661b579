import Foundation
import GRDB
import LedgerCore

/// `AccountRepository` on SQLite.
public struct SQLiteAccountRepository: AccountRepository {
    let database: AppDatabase

    /// The repository of `database`.
    public init(database: AppDatabase) { self.database = database }
    public func createAccount(
        username: String, displayName: String, role: Role, unitUSCC: String?, password: String,
        cost: UInt8, by actor: Actor
    ) async throws -> Account {
        try AccountRules.check(username: username, password: password, role: role, unitUSCC: unitUSCC)
        let hash = try await AccountRules.passwordHash(password, cost: cost)
        return try await database.writer.write { db in
            if let unitUSCC, try Bool.fetchOne(db, sql: "SELECT 1 FROM unit WHERE key = ?", arguments: [unitUSCC]) == nil {
                throw AccountRules.unknownUnit(unitUSCC)
            }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM account WHERE username = ?", arguments: [username]) != nil {
                throw AccountRules.usernameTaken(username)
            }
            try db.execute(
                sql: """
                    INSERT INTO account (username, display_name, role, unit_key, password_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?, 0, ?)
                    """, arguments: [username, displayName, role.rawValue, unitUSCC, hash, Date().formatted(.iso8601)])
            let account = try Self.account(username: username, in: db)!
            try AuditLog.record(db, actor: actor, action: "create", entity: "account", key: username, old: nil as Account?, new: account)
            return account
        }
    }

    public func accounts() async throws -> [Account] {
        try await database.writer.read { db in
            try AccountRow.fetchAll(db, sql: "SELECT * FROM account ORDER BY username").map(\.account)
        }
    }

    public func setDisabled(_ username: String, _ disabled: Bool, by actor: Actor) async throws -> Account {
        try await database.writer.write { db in
            guard let before = try Self.account(username: username, in: db) else { throw LedgerError.notFound("账号", username) }
            try db.execute(sql: "UPDATE account SET disabled = ? WHERE username = ?", arguments: [disabled, username])
            let after = try Self.account(username: username, in: db)!
            try AuditLog.record(db, actor: actor, action: disabled ? "disable" : "enable", entity: "account", key: username, old: before, new: after)
            return after
        }
    }

    public func authenticate(username: String, password: String) async throws -> Account? {
        let row = try await database.writer.read { db in
            try AccountRow.fetchOne(db, sql: "SELECT * FROM account WHERE username = ?", arguments: [username])
        }
        guard let row, !row.disabled else { return nil }
        guard try await AccountRules.verify(password, hash: row.passwordHash) else { return nil }
        return row.account
    }

    public func createToken(username: String, name: String, by actor: Actor) async throws -> (APIToken, String) {
        let secret = "ybz_" + AccountRules.newSecret()
        let created = Date().formatted(.iso8601)
        let token = try await database.writer.write { db in
            guard let account = try Self.account(username: username, in: db) else { throw LedgerError.notFound("账号", username) }
            try db.execute(
                sql: "INSERT INTO api_token (account_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)",
                arguments: [account.id, name, AccountRules.secretHash(secret), created])
            let token = APIToken(id: db.lastInsertedRowID, username: username, name: name, createdAt: created, revokedAt: nil)
            try AuditLog.record(db, actor: actor, action: "create", entity: "api_token", key: String(token.id), old: nil as APIToken?, new: token)
            return token
        }
        return (token, secret)
    }

    public func revokeToken(id: Int64, by actor: Actor) async throws -> APIToken {
        try await database.writer.write { db in
            guard let before = try Self.tokens(where: "t.id = ?", [id], in: db).first else { throw LedgerError.notFound("令牌", String(id)) }
            guard before.revokedAt == nil else { return before }
            try db.execute(sql: "UPDATE api_token SET revoked_at = ? WHERE id = ?", arguments: [Date().formatted(.iso8601), id])
            let after = try Self.tokens(where: "t.id = ?", [id], in: db).first!
            try AuditLog.record(db, actor: actor, action: "revoke", entity: "api_token", key: String(id), old: before, new: after)
            return after
        }
    }

    public func tokens(username: String?) async throws -> [APIToken] {
        try await database.writer.read { db in
            try username.map { try Self.tokens(where: "a.username = ?", [$0], in: db) } ?? Self.tokens(where: "1", [], in: db)
        }
    }

    public func account(forToken secret: String) async throws -> Account? {
        try await database.writer.read { db in
            try AccountRow.fetchOne(
                db,
                sql: """
                    SELECT a.* FROM api_token t JOIN account a ON a.id = t.account_id
                    WHERE t.token_hash = ? AND t.revoked_at IS NULL AND a.disabled = 0
                    """, arguments: [AccountRules.secretHash(secret)]
            )?.account
        }
    }

    static func account(username: String, in db: Database) throws -> Account? {
        try AccountRow.fetchOne(db, sql: "SELECT * FROM account WHERE username = ?", arguments: [username])?.account
    }

    static func tokens(where condition: String, _ arguments: [any DatabaseValueConvertible], in db: Database) throws -> [APIToken] {
        try APIToken.fetchAll(
            db,
            sql: """
                SELECT t.id, a.username, t.name, t.created_at, t.revoked_at FROM api_token t JOIN account a ON a.id = t.account_id
                WHERE \(condition) ORDER BY t.id
                """, arguments: StatementArguments(arguments))
    }

    public func openSession(for account: Account) async throws -> (String, WebSession) {
        let secret = AccountRules.newSecret()
        let csrf = AccountRules.newSecret()
        let now = Date()
        try await database.sessions.write { db in
            try db.execute(sql: "DELETE FROM web_session WHERE expires_at < ?", arguments: [now.formatted(.iso8601)])
            try db.execute(
                sql: "INSERT INTO web_session (account_id, secret_hash, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    account.id, AccountRules.secretHash(secret), csrf, now.formatted(.iso8601),
                    now.addingTimeInterval(Double(SignIn.sessionHours) * 3600).formatted(.iso8601)
                ])
        }
        return (secret, WebSession(account: account, csrf: csrf))
    }

    public func session(secret: String) async throws -> WebSession? {
        let found = try await database.sessions.read { db in
            try Row.fetchOne(
                db, sql: "SELECT account_id, csrf FROM web_session WHERE secret_hash = ? AND expires_at > ?",
                arguments: [AccountRules.secretHash(secret), Date().formatted(.iso8601)])
        }
        guard let found else { return nil }
        let (accountID, csrf): (Int64, String) = (found["account_id"], found["csrf"])
        return try await database.writer.read { db in
            try AccountRow.fetchOne(db, sql: "SELECT * FROM account WHERE id = ? AND disabled = 0", arguments: [accountID])
                .map { WebSession(account: $0.account, csrf: csrf) }
        }
    }

    public func closeSession(secret: String) async throws {
        try await database.sessions.write { db in
            try db.execute(sql: "DELETE FROM web_session WHERE secret_hash = ?", arguments: [AccountRules.secretHash(secret)])
        }
    }

    public func loginWait(username: String) async throws -> Int? {
        let now = Date()
        let window = AccountRules.failureWindow
        let oldest = try await database.sessions.read { db -> String? in
            let recent = try String.fetchAll(
                db, sql: "SELECT at FROM login_failure WHERE username = ? AND at > ? ORDER BY at",
                arguments: [username, Ledger.timestamp(now.addingTimeInterval(-window))])
            return recent.count >= SignIn.failureLimit ? recent.first : nil
        }
        guard let oldest else { return nil }
        let since = try Date(oldest, strategy: .iso8601)  // written by `noteLogin`: anything else is a damaged database
        return max(1, Int((window - now.timeIntervalSince(since)).rounded(.up)))
    }

    public func noteLogin(username: String, succeeded: Bool) async throws {
        let now = Date()
        try await database.sessions.write { db in
            if succeeded {
                try db.execute(sql: "DELETE FROM login_failure WHERE username = ?", arguments: [username])
                return
            }
            try db.execute(
                sql: "DELETE FROM login_failure WHERE at < ?",
                arguments: [Ledger.timestamp(now.addingTimeInterval(-AccountRules.failureWindow))])
            try db.execute(sql: "INSERT INTO login_failure (username, at) VALUES (?, ?)", arguments: [username, Ledger.timestamp(now)])
        }
    }
}
