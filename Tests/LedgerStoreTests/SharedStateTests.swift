import Foundation
import LedgerCore
import LedgerTestSupport
import Logging
import Synchronization
import Testing

@testable import LedgerStore
@testable import Services

/// What two servers of one ledger must agree on (issue 18), each server a `Ledger` of its own on the same data folder,
/// as two `ybz serve` on one folder are.
@Suite("Servers sharing one ledger")
struct SharedStateTests {
    let folder = try! Fixtures.temporaryDirectory()
    static let admin = Actor(username: "admin", role: .admin)

    func server() throws -> Ledger {
        Ledger(database: try AppDatabase.open(path: folder.appendingPathComponent("ledger.sqlite").path), codes: Fixtures.codes)
    }

    /// Two servers' lease repositories on one ledger: two on one data folder (SQLite), or two connection pools to one
    /// PostgreSQL database.
    func leases(on store: TestStore) async throws -> (any LeaseRepository, any LeaseRepository, close: @Sendable () -> Void) {
        switch store {
        case .sqlite: return (try server().leases, try server().leases, {})
        case .postgres:
            let url = try await TestPostgres.freshDatabase()
            // Opened at once, as two servers starting together: each migration runs once, under its advisory lock.
            async let first = PostgresStore.open(url: url)
            async let second = PostgresStore.open(url: url)
            let (one, two) = try await (first, second)
            return (
                one.leases, two.leases,
                {
                    one.close()
                    two.close()
                }
            )
        }
    }

    /// Two servers on one PostgreSQL ledger, 20 writers each, append to one chain: every entry once, numbered without a
    /// gap, every link and hash right; an entry changed behind the product's back is named.
    @Test(.enabled(if: TestPostgres.url != nil)) func writersOnTwoServersAppendToOneAuditChain() async throws {
        let url = try await TestPostgres.freshDatabase()
        async let first = PostgresStore.open(url: url)
        async let second = PostgresStore.open(url: url)
        let servers = try await [first, second]
        defer { for server in servers { server.close() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, server) in servers.enumerated() {
                for writer in 0..<20 {
                    group.addTask {
                        for n in 0..<3 {
                            try await server.client.withTransaction(logger: server.logger) { connection in
                                try await PostgresAuditLog.append(
                                    on: connection, actor: Actor(username: "writer\(writer)", role: .admin), action: "create",
                                    entity: "system", key: "SYS-\(index)-\(writer)-\(n)", changes: [FieldChange(field: "*", old: nil, new: "{}")])
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let verification = try await servers[1].audit.verify()
        #expect(verification.isIntact, "\(verification.problems)")
        #expect(verification.entries == 120)
        let entries = try await servers[0].audit.entries(limit: 500)
        #expect(entries.map(\.seq) == Array((1...120).reversed()))
        #expect(Set(entries.map(\.key)).count == 120)
        #expect(try await servers[0].audit.entries(entity: "system", key: "SYS-1-7-2").first?.actor == "writer7")
        #expect(try await servers[1].audit.firstRecorded(entity: "system", key: "SYS-0-3-1") != nil)

        try await servers[0].client.query("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_change")
        try await servers[0].client.query("UPDATE audit_entry SET key = 'SYS-X' WHERE seq = 7")
        let broken = try await servers[1].audit.verify()
        #expect(broken.problems.count == 1)
        #expect(broken.problems.first?.contains("#7（system SYS-X") == true)
    }

    /// A database URL that is not a PostgreSQL one is refused in Chinese, without repeating it (it may hold a password).
    @Test func aDatabaseURLIsCheckedBeforeConnecting() async throws {
        for url in ["mysql://ybz@db/ledger", "postgres://db/ledger", "postgres://ybz:secret@db:70000/ledger", "postgres://ybz@/x"] {
            let error = await #expect(throws: LedgerError.self) { try await PostgresStore.open(url: url) }
            #expect(error?.message.contains("postgres://用户") == true)
            #expect(error?.message.contains("secret") == false)
        }
    }

    /// A server that is not there is named in Chinese (the pool alone retried for over a minute, then failed in
    /// English), the password not repeated.
    @Test func anUnreachableDatabaseIsNamedInChinese() async throws {
        let error = await #expect(throws: LedgerError.self) { try await PostgresStore.open(url: "postgres://ybz:secret@127.0.0.1:1/ledger") }
        #expect(error?.message.contains("无法连接 PostgreSQL 数据库 127.0.0.1:1") == true)
        #expect(error?.message.contains("secret") == false)
    }

    /// A lease is one holder's until it lapses or is given back; its holder renews it; another takes it once it lapsed.
    @Test(arguments: TestStore.available) func aLeaseIsOneServersUntilItLapses(store: TestStore) async throws {
        let (a, b, close) = try await leases(on: store)
        defer { close() }
        // Held for an hour: a test suite that keeps both cores busy has delayed one step past a minute.
        #expect(try await a.claim("work", holder: "A", seconds: 3_600))
        #expect(try await b.claim("work", holder: "B", seconds: 3_600) == false)
        #expect(try await a.claim("work", holder: "A", seconds: 3_600))  // renewed
        #expect(try await b.held(["work", "other"]) == ["work"])
        try await a.release("work", holder: "B")  // not B's: nothing happens
        #expect(try await b.claim("work", holder: "B", seconds: 3_600) == false)
        try await a.release("work", holder: "A")
        #expect(try await b.claim("work", holder: "B", seconds: 3_600))

        #expect(try await a.claim("brief", holder: "A", seconds: 0.3))
        try await Task.sleep(for: .seconds(0.5))  // A stopped without giving it back
        #expect(try await b.held(["brief"]).isEmpty)
        #expect(try await b.claim("brief", holder: "B", seconds: 60))
    }

    /// Two servers with the same schedule make one round an interval between them, not one each: no two rounds closer
    /// than the interval allows (each server alone would make its first round at once).
    @Test func twoServersShareOneSchedule() async throws {
        let rounds = Mutex<[Date]>([])
        let schedules = try ["A", "B"].map { holder in
            Schedule("probe run", every: 2, leases: try server().leases, holder: holder, logger: Logger(label: "test")) {
                rounds.withLock { $0.append(Date()) }
                return [:]
            }
        }
        let running = schedules.map { schedule in Task { try await schedule.run() } }
        let deadline = Date().addingTimeInterval(300)  // a few seconds alone; far longer with the whole suite on two cores
        while rounds.withLock({ $0.count }) < 3 && Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        for task in running { task.cancel() }
        for task in running { _ = await task.result }
        let made = rounds.withLock { $0 }.sorted()
        #expect(made.count >= 3)
        let gaps = zip(made.dropFirst(), made).map { $0.timeIntervalSince($1) }
        #expect(gaps.allSatisfy { $0 > 1 }, "seconds between rounds: \(gaps)")
    }

    /// Two servers' account repositories on one ledger, with a unit (the first fixture's) a data officer may be bound
    /// to, and the audit trail the second server reads.
    func accounts(
        on store: TestStore, url: String? = nil
    ) async throws -> (any AccountRepository, any AccountRepository, any AuditTrail, close: @Sendable () -> Void) {
        switch store {
        case .sqlite:
            let first = try server()
            _ = try await first.records.create(Fixtures.unit(), by: Self.admin)
            let second = try server()
            return (first.accounts, second.accounts, second.audit, {})
        case .postgres:
            let url = try await { if let url { url } else { try await TestPostgres.freshDatabase() } }()
            let (one, two) = (try await PostgresStore.open(url: url), try await PostgresStore.open(url: url))
            // The records' PostgreSQL repository is still to come: the unit row is written as SQLite's would be.
            try await one.client.query(
                """
                INSERT INTO unit (key, name, region, body, version, updated_at)
                VALUES (\(Fixtures.uscc(1)), '滕州市自然资源局', '市直', '{}', 1, '2026-12-01T00:00:00Z')
                """)
            return (
                one.accounts, two.accounts, two.audit,
                {
                    one.close()
                    two.close()
                }
            )
        }
    }

    /// An account made on one server signs in on the other, with its tokens and sessions; disabling it on one shuts it
    /// out of both at once; each change is audited once; what breaks a rule is refused alike on both stores.
    @Test(arguments: TestStore.available) func accountsTokensAndSessionsHoldOnEveryServer(store: TestStore) async throws {
        let (a, b, audit, close) = try await accounts(on: store)
        defer { close() }
        let officer = try await a.createAccount(
            username: "officer", displayName: "数据专员", role: .dataOfficer, unitUSCC: Fixtures.uscc(1), password: "correct horse",
            cost: 4, by: Self.admin)
        #expect(try await b.authenticate(username: "officer", password: "correct horse") == officer)
        #expect(try await b.authenticate(username: "officer", password: "wrong horse!") == nil)
        #expect(try await b.accounts().map(\.username) == ["officer"])

        let (token, secret) = try await a.createToken(username: "officer", name: "导入脚本", by: Self.admin)
        #expect(try await b.account(forToken: secret)?.username == "officer")
        #expect(try await b.tokens(username: "officer") == [token])
        let (cookie, session) = try await a.openSession(for: officer)
        #expect(try await b.session(secret: cookie)?.csrf == session.csrf)
        try await b.closeSession(secret: cookie)
        #expect(try await a.session(secret: cookie) == nil)

        let (second, _) = try await b.openSession(for: officer)
        _ = try await b.setDisabled("officer", true, by: Self.admin)
        #expect(try await a.session(secret: second) == nil)
        #expect(try await a.account(forToken: secret) == nil)
        #expect(try await a.authenticate(username: "officer", password: "correct horse") == nil)
        _ = try await a.setDisabled("officer", false, by: Self.admin)
        #expect(try await b.account(forToken: secret)?.username == "officer")
        #expect(try await a.revokeToken(id: token.id, by: Self.admin).revokedAt != nil)
        #expect(try await b.account(forToken: secret) == nil)

        // Refused alike: a taken name, an officer without a unit or with one that does not exist, a short password.
        let refusals: [(String, Role, String?, String, String)] = [
            ("officer", .finance, nil, "correct horse", "key.unique"), ("second", .dataOfficer, nil, "correct horse", "account.unit-required"),
            ("third", .dataOfficer, Fixtures.uscc(9), "correct horse", "reference.exists"),
            ("fourth", .finance, nil, "short", "account.password-length")
        ]
        for (username, role, unit, password, rule) in refusals {
            let error = await #expect(throws: LedgerError.self) {
                try await b.createAccount(
                    username: username, displayName: "x", role: role, unitUSCC: unit, password: password, cost: 4, by: Self.admin)
            }
            #expect(error?.details.map(\.rule) == [rule], "\(username)")
        }
        // The same name on both servers at once: one is made, the other refused as taken (not a database error).
        let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
            for server in [a, b] {
                group.addTask {
                    do {
                        return try await server.createAccount(
                            username: "racer", displayName: "x", role: .finance, unitUSCC: nil, password: "correct horse", cost: 4,
                            by: Self.admin
                        ).username
                    } catch let error as LedgerError { return error.details.map(\.rule).joined() }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }.sorted()
        }
        #expect(outcomes == ["key.unique", "racer"])
        let entries = try await audit.entries(entity: nil, key: nil, limit: 100).filter { $0.entity != "unit" }
        #expect(entries.map(\.action) == ["create", "revoke", "enable", "disable", "create", "create"])
        #expect(try await audit.verify().isIntact)
    }

    /// A PostgreSQL ledger backed up with `pg_dump` and restored with `pg_restore` into a new database (docs/deploy.md)
    /// opens without migrating again, its audit chain intact and continued by the next write, its accounts and tokens
    /// working, new rows numbered after the restored ones.
    @Test(.enabled(if: TestPostgres.url != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/pg_dump")))
    func aPostgresLedgerIsRestoredFromPgDump() async throws {
        let (source, target) = (try await TestPostgres.freshDatabase(), try await TestPostgres.freshDatabase())
        let (accounts, _, _, close) = try await self.accounts(on: .postgres, url: source)
        let account = try await accounts.createAccount(
            username: "finance", displayName: "财务", role: .finance, unitUSCC: nil, password: "correct horse", cost: 4, by: Self.admin)
        let (_, secret) = try await accounts.createToken(username: "finance", name: "报表", by: Self.admin)
        close()
        let dump = folder.appendingPathComponent("ledger.dump").path
        try run("/usr/bin/pg_dump", "--format=custom", "--file=\(dump)", "--dbname=\(source)")
        try run("/usr/bin/pg_restore", "--no-owner", "--exit-on-error", "--dbname=\(target)", dump)

        let restored = try await PostgresStore.open(url: target)
        defer { restored.close() }
        #expect(try await restored.accounts.authenticate(username: "finance", password: "correct horse") == account)
        #expect(try await restored.accounts.account(forToken: secret)?.username == "finance")
        let second = try await restored.accounts.createAccount(
            username: "reviewer", displayName: "审查", role: .reviewer, unitUSCC: nil, password: "correct horse", cost: 4, by: Self.admin)
        #expect(second.id > account.id)
        let verification = try await restored.audit.verify()
        #expect(verification.isIntact, "\(verification.problems)")
        #expect(verification.entries == 3)
    }

    /// Runs a program and waits for it; one that fails is an error with what it printed.
    func run(_ program: String, _ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let output = Pipe()
        process.standardError = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus != 0 { Issue.record("\(program) failed: \(printed)") }
    }

    /// Failed logins count on every server: five on one keep the account out of the other.
    @Test(arguments: TestStore.available) func failedLoginsCountOnEveryServer(store: TestStore) async throws {
        let (a, b, _, close) = try await accounts(on: store)
        defer { close() }
        for _ in 1...SignIn.failureLimit {
            #expect(try await a.loginWait(username: "finance") == nil)
            try await a.noteLogin(username: "finance", succeeded: false)
        }
        let wait = try #require(try await b.loginWait(username: "finance"))
        #expect((1...SignIn.failureMinutes * 60).contains(wait))
        #expect(try await b.loginWait(username: "officer") == nil)  // per username
        try await b.noteLogin(username: "finance", succeeded: true)
        #expect(try await a.loginWait(username: "finance") == nil)
    }
}
