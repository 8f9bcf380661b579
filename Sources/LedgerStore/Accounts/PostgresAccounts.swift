import Foundation
import LedgerCore
import PostgresNIO

/// `AccountRepository` on PostgreSQL (issue 18): accounts, tokens, browser sessions and failed logins in the ledger's
/// database, so that every server of the ledger signs in the same people. Sessions and failures are timed by the
/// database's clock, which all servers share, as leases are.
struct PostgresAccounts: AccountRepository {
    let store: PostgresStore

    /// The columns of an account, in the order `account(_:)` reads them.
    private static let columns = "id, username, display_name, role, unit_key, disabled, created_at"

    func createAccount(
        username: String, displayName: String, role: Role, unitUSCC: String?, password: String, cost: UInt8, by actor: Actor
    ) async throws -> Account {
        try AccountRules.check(username: username, password: password, role: role, unitUSCC: unitUSCC)
        let hash = try await AccountRules.passwordHash(password, cost: cost)
        let taken = AccountRules.usernameTaken(username)
        return try await store.transaction(duplicate: taken) { connection in
            if let unitUSCC, try await connection.exists("SELECT 1 FROM unit WHERE key = \(unitUSCC)") == false {
                throw AccountRules.unknownUnit(unitUSCC)
            }
            // Two servers creating the same name at once: the unique index refuses the second (`transaction`'s `taken`).
            let created = Date().formatted(.iso8601)
            let rows = try await connection.query(
                """
                INSERT INTO account (username, display_name, role, unit_key, password_hash, disabled, created_at)
                VALUES (\(username), \(displayName), \(role.rawValue), \(unitUSCC), \(hash), false, \(created))
                RETURNING \(unescaped: Self.columns)
                """, logger: connection.logger)
            guard let account = try await Self.accounts(rows).first else { throw taken }
            try await Self.audit(on: connection, actor: actor, action: "create", entity: "account", key: username, old: nil as Account?, new: account)
            return account
        }
    }

    func accounts() async throws -> [Account] {
        try await Self.accounts(store.client.query("SELECT \(unescaped: Self.columns) FROM account ORDER BY username"))
    }

    func setDisabled(_ username: String, _ disabled: Bool, by actor: Actor) async throws -> Account {
        try await store.transaction { connection in
            let select: PostgresQuery = "SELECT \(unescaped: Self.columns) FROM account WHERE username = \(username) FOR UPDATE"
            guard let before = try await Self.accounts(connection.query(select, logger: connection.logger)).first else {
                throw LedgerError.notFound("账号", username)
            }
            let rows = try await connection.query(
                "UPDATE account SET disabled = \(disabled) WHERE username = \(username) RETURNING \(unescaped: Self.columns)",
                logger: connection.logger)
            guard let after = try await Self.accounts(rows).first else { throw LedgerError.notFound("账号", username) }
            try await Self.audit(
                on: connection, actor: actor, action: disabled ? "disable" : "enable", entity: "account", key: username, old: before,
                new: after)
            return after
        }
    }

    func authenticate(username: String, password: String) async throws -> Account? {
        let rows = try await store.client.query(
            "SELECT \(unescaped: Self.columns), password_hash FROM account WHERE username = \(username) AND NOT disabled")
        var found: (Account, String)?
        for try await row in rows {
            let (id, name, display, role, unit, disabled, created, hash) = try row.decode(
                (Int64, String, String, String, String?, Bool, String, String).self)
            found = (try Self.account(id, name, display, role, unit, disabled, created), hash)
        }
        guard let (account, hash) = found, try await AccountRules.verify(password, hash: hash) else { return nil }
        return account
    }

    func createToken(username: String, name: String, by actor: Actor) async throws -> (APIToken, String) {
        let secret = "ybz_" + AccountRules.newSecret()
        let token = try await store.transaction { connection in
            let rows = try await connection.query(
                """
                INSERT INTO api_token (account_id, name, token_hash, created_at)
                SELECT id, \(name), \(AccountRules.secretHash(secret)), \(Date().formatted(.iso8601)) FROM account WHERE username = \(username)
                RETURNING id
                """, logger: connection.logger)
            var id: Int64?
            for try await inserted in rows.decode(Int64.self) { id = inserted }
            guard let id else { throw LedgerError.notFound("账号", username) }
            let token = try await Self.tokens(.id(id), on: connection)[0]
            try await Self.audit(
                on: connection, actor: actor, action: "create", entity: "api_token", key: String(id), old: nil as APIToken?, new: token)
            return token
        }
        return (token, secret)
    }

    func revokeToken(id: Int64, by actor: Actor) async throws -> APIToken {
        try await store.transaction { connection in
            guard let before = try await Self.tokens(.locked(id), on: connection).first else {
                throw LedgerError.notFound("令牌", String(id))
            }
            guard before.revokedAt == nil else { return before }
            try await connection.query(
                "UPDATE api_token SET revoked_at = \(Date().formatted(.iso8601)) WHERE id = \(id)", logger: connection.logger)
            let after = try await Self.tokens(.id(id), on: connection)[0]
            try await Self.audit(on: connection, actor: actor, action: "revoke", entity: "api_token", key: String(id), old: before, new: after)
            return after
        }
    }

    func tokens(username: String?) async throws -> [APIToken] {
        try await store.client.withConnection { connection in
            try await Self.tokens(.username(username), on: connection)
        }
    }

    func account(forToken secret: String) async throws -> Account? {
        try await Self.accounts(
            store.client.query(
                """
                SELECT a.id, a.username, a.display_name, a.role, a.unit_key, a.disabled, a.created_at
                FROM api_token t JOIN account a ON a.id = t.account_id
                WHERE t.token_hash = \(AccountRules.secretHash(secret)) AND t.revoked_at IS NULL AND NOT a.disabled
                """)
        ).first
    }

    func openSession(for account: Account) async throws -> (String, WebSession) {
        let (secret, csrf) = (AccountRules.newSecret(), AccountRules.newSecret())
        let hours = Int64(SignIn.sessionHours)
        try await store.transaction { connection in
            try await connection.query("DELETE FROM web_session WHERE expires_at < now()", logger: connection.logger)
            try await connection.query(
                """
                INSERT INTO web_session (account_id, secret_hash, csrf, created_at, expires_at)
                VALUES (\(account.id), \(AccountRules.secretHash(secret)), \(csrf), now(), now() + make_interval(hours => \(hours)::int))
                """, logger: connection.logger)
        }
        return (secret, WebSession(account: account, csrf: csrf))
    }

    func session(secret: String) async throws -> WebSession? {
        let rows = try await store.client.query(
            """
            SELECT a.id, a.username, a.display_name, a.role, a.unit_key, a.disabled, a.created_at, s.csrf
            FROM web_session s JOIN account a ON a.id = s.account_id
            WHERE s.secret_hash = \(AccountRules.secretHash(secret)) AND s.expires_at > clock_timestamp() AND NOT a.disabled
            """)
        var session: WebSession?
        for try await row in rows {
            let (id, name, display, role, unit, disabled, created, csrf) = try row.decode(
                (Int64, String, String, String, String?, Bool, String, String).self)
            session = WebSession(account: try Self.account(id, name, display, role, unit, disabled, created), csrf: csrf)
        }
        return session
    }

    func closeSession(secret: String) async throws {
        try await store.client.query("DELETE FROM web_session WHERE secret_hash = \(AccountRules.secretHash(secret))")
    }

    func loginWait(username: String) async throws -> Int? {
        // The seconds until the oldest failure in the window leaves it, once the window holds the limit.
        let seconds = Int64(AccountRules.failureWindow)
        let rows = try await store.client.query(
            """
            SELECT count(*), ceil(extract(epoch FROM min(at) + make_interval(secs => \(seconds)::int) - clock_timestamp()))::bigint
            FROM login_failure WHERE username = \(username) AND at > clock_timestamp() - make_interval(secs => \(seconds)::int)
            """)
        for try await (count, remaining) in rows.decode((Int64, Int64?).self) where count >= SignIn.failureLimit {
            return max(1, Int(remaining ?? 1))
        }
        return nil
    }

    func noteLogin(username: String, succeeded: Bool) async throws {
        let seconds = Int64(AccountRules.failureWindow)
        try await store.transaction { connection in
            if succeeded {
                try await connection.query("DELETE FROM login_failure WHERE username = \(username)", logger: connection.logger)
                return
            }
            try await connection.query(
                "DELETE FROM login_failure WHERE at < clock_timestamp() - make_interval(secs => \(seconds)::int)",
                logger: connection.logger)
            try await connection.query(
                "INSERT INTO login_failure (username, at) VALUES (\(username), clock_timestamp())", logger: connection.logger)
        }
    }

    // MARK: Rows

    /// The accounts `rows` hold, each as `columns` lists them.
    private static func accounts(_ rows: PostgresRowSequence) async throws -> [Account] {
        var accounts: [Account] = []
        for try await (id, name, display, role, unit, disabled, created) in rows.decode(
            (Int64, String, String, String, String?, Bool, String).self)
        {
            accounts.append(try account(id, name, display, role, unit, disabled, created))
        }
        return accounts
    }

    /// An account from its columns; a role that is no `Role` is a damaged database, named.
    private static func account(
        _ id: Int64, _ username: String, _ display: String, _ role: String, _ unit: String?, _ disabled: Bool, _ created: String
    ) throws -> Account {
        guard let role = Role(rawValue: role) else { throw LedgerError(.conflict, "账号 \(username) 的角色“\(role)”无法识别") }
        return Account(id: id, username: username, displayName: display, role: role, unitUSCC: unit, disabled: disabled, createdAt: created)
    }

    /// Which tokens `tokens(_:on:)` reads.
    private enum TokenFilter {
        case id(Int64)
        /// One token, locked until the transaction ends.
        case locked(Int64)
        /// An account's tokens, or all (`nil`).
        case username(String?)
    }

    /// The tokens `filter` keeps, each with its account's name, by id.
    private static func tokens(_ filter: TokenFilter, on connection: PostgresConnection) async throws -> [APIToken] {
        let select = "SELECT t.id, a.username, t.name, t.created_at, t.revoked_at FROM api_token t JOIN account a ON a.id = t.account_id"
        let query: PostgresQuery =
            switch filter {
            case .id(let id): "\(unescaped: select) WHERE t.id = \(id)"
            case .locked(let id): "\(unescaped: select) WHERE t.id = \(id) FOR UPDATE OF t"
            case .username(let name): "\(unescaped: select) WHERE (\(name)::text IS NULL OR a.username = \(name)) ORDER BY t.id"
            }
        var tokens: [APIToken] = []
        for try await (id, username, name, created, revoked) in try await connection.query(query, logger: connection.logger).decode(
            (Int64, String, String, String, String?).self)
        {
            tokens.append(APIToken(id: id, username: username, name: name, createdAt: created, revokedAt: revoked))
        }
        return tokens
    }

    /// Appends an entry for a change of `old` to `new` to the ledger's one audit chain.
    private static func audit(
        on connection: PostgresConnection, actor: Actor, action: String, entity: String, key: String, old: (some Encodable & Sendable)?,
        new: (some Encodable & Sendable)?
    ) async throws {
        try await PostgresAuditLog.append(
            on: connection, actor: actor, action: action, entity: entity, key: key, changes: try AuditLog.changes(old: old, new: new))
    }
}
