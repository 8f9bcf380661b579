import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL cluster the tests may use: `YBZ_TEST_POSTGRES_URL`, which scripts/test sets to a cluster it starts
/// (scripts/postgres). Without it the stores' tests run on SQLite alone, so `swift test` needs nothing installed.
public enum TestPostgres {
    /// The cluster's URL, or `nil` when the tests run without one.
    public static var url: String? {
        ProcessInfo.processInfo.environment["YBZ_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
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

/// The tests asked for a PostgreSQL database without a cluster to make it on.
public enum TestPostgresError: Error {
    case noCluster
}

/// A store the stores' tests run on: SQLite always, PostgreSQL when the tests have a cluster (`TestPostgres.url`).
public enum TestStore: String, Sendable {
    case sqlite, postgres

    /// The stores this run tests.
    public static var available: [TestStore] { TestPostgres.url == nil ? [.sqlite] : [.sqlite, .postgres] }
}
