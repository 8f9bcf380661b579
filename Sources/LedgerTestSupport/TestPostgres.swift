import Foundation
import LedgerCore
import LedgerStore
import Logging
import PostgresNIO

/// The PostgreSQL cluster the tests may use: `YBZ_TEST_POSTGRES_URL`, which scripts/test sets to a cluster it starts
/// (scripts/postgres). Without it the stores' tests run on SQLite alone, so `swift test` needs nothing installed.
public enum TestPostgres {
    /// The cluster's URL, or `nil` when the tests run without one.
    public static var url: String? {
        ProcessInfo.processInfo.environment["YBZ_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The folder of the cluster's certificate authorities (scripts/postgres): `ca.pem`, which signed the server's
    /// certificate, and `other-ca.pem`, which did not; `nil` when the cluster offers no TLS.
    public static var certificates: String? {
        ProcessInfo.processInfo.environment["YBZ_TEST_POSTGRES_TLS"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The URL of a new, empty database on the cluster, for one test.
    public static func freshDatabase() async throws -> String {
        guard let url, var parts = URLComponents(string: url), let host = parts.host, let user = parts.user else {
            throw TestPostgresError.noCluster
        }
        let name = "ybz_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: host, port: parts.port ?? 5_432, username: user, password: parts.password,
                database: String(parts.path.drop { $0 == "/" }), tls: .disable),
            id: 1, logger: Logger(label: "ybz.test.postgres"))
        do {
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Logger(label: "ybz.test.postgres"))
        } catch {
            try await connection.close()
            throw error
        }
        try await connection.close()
        parts.path = "/" + name
        return parts.string ?? url
    }
}

/// The tests asked for a PostgreSQL database without a cluster to make it on, or for the SQLite database of a ledger
/// kept elsewhere.
public enum TestPostgresError: Error {
    case noCluster
    case notSQLite
}

/// A store the stores' tests run on: SQLite always, PostgreSQL when the tests have a cluster (`TestPostgres.url`).
public enum TestStore: String, Sendable {
    case sqlite, postgres

    /// The stores this run tests.
    public static var available: [TestStore] { TestPostgres.url == nil ? [.sqlite] : [.sqlite, .postgres] }

    /// The store of the web page suites' ledgers: SQLite, or PostgreSQL when `YBZ_TEST_PAGE_STORE=postgres` (scripts/test
    /// runs those suites a second time so).
    public static var pages: TestStore {
        ProcessInfo.processInfo.environment["YBZ_TEST_PAGE_STORE"] == "postgres" && TestPostgres.url != nil ? .postgres : .sqlite
    }
}

/// A new ledger on one of the stores, for the stores' tests: its repositories are the `Ledger`'s (`ledger.records`, …).
@dynamicMemberLookup
public struct TestLedger: Sendable {
    public let ledger: Ledger
    private let closing: @Sendable () -> Void

    public subscript<T>(dynamicMember path: KeyPath<Ledger, T>) -> T { ledger[keyPath: path] }

    /// Closes the ledger's connections (nothing for SQLite).
    public func close() { closing() }

    /// A new ledger on `store`: an in-memory SQLite ledger, or a new PostgreSQL database; with `seeded`, holding the
    /// fixtures' unit, project, system and resource (`Fixtures.seededLedger`).
    public static func make(on store: TestStore, seeded: Bool = false) async throws -> TestLedger {
        let ledger: TestLedger
        switch store {
        case .sqlite: ledger = TestLedger(ledger: try Fixtures.ledger(), closing: {})
        case .postgres: ledger = try await servers(on: .postgres, count: 1)[0]
        }
        if seeded {
            _ = try await ledger.records.create(Fixtures.unit(), by: .commandLine)
            _ = try await ledger.records.create(Fixtures.project(), by: .commandLine)
            _ = try await ledger.records.create(Fixtures.system(projects: ["TZXM-2025-001"]), by: .commandLine)
            _ = try await ledger.records.create(Fixtures.resource(), by: .commandLine)
        }
        return ledger
    }

    /// `count` servers of one new ledger on `store`, as `ybz serve` on several machines: each its own SQLite connection
    /// pool on one file, or its own PostgreSQL connection pool on one database.
    public static func servers(on store: TestStore, count: Int) async throws -> [TestLedger] {
        switch store {
        case .sqlite:
            let path = try Fixtures.temporaryDirectory().appendingPathComponent("ledger.sqlite").path
            return try (0..<count).map { _ in
                TestLedger(ledger: Ledger(database: try AppDatabase.open(path: path), codes: Fixtures.codes), closing: {})
            }
        case .postgres:
            let url = try await TestPostgres.freshDatabase()
            var servers: [TestLedger] = []
            for _ in 0..<count {
                let store = try await PostgresStore.open(url: url)
                servers.append(TestLedger(ledger: Ledger(postgres: store, codes: Fixtures.codes), closing: { store.close() }))
            }
            return servers
        }
    }
}

extension Ledger {
    /// The SQLite database of a test's ledger (`Fixtures` makes its ledgers in SQLite).
    public var sqlite: AppDatabase {
        get throws {
            guard let database else { throw TestPostgresError.notSQLite }
            return database
        }
    }
}
