import Foundation
import LedgerCore
import LedgerTestSupport
import PostgresNIO
import Testing

@testable import LedgerStore

/// Servers on other machines reach the database over a network (issue 18): the URL says how the connection is
/// secured, as libpq's `sslmode` and `sslrootcert` do, against the test cluster's certificate (scripts/postgres).
@Suite struct PostgresTLSTests {
    /// Whether the pool's connection to the database is encrypted, as the server sees it.
    private func encrypted(_ url: String) async throws -> Bool {
        let store = try await PostgresStore.open(url: url)
        defer { store.close() }
        return try await store.client.withConnection { connection in
            var encrypted = false
            for try await ssl in try await connection.query(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: store.logger
            ).decode(Bool.self) {
                encrypted = ssl
            }
            return encrypted
        }
    }

    /// `url` (the cluster's, naming a new database) with the query `parameters`.
    private func database(_ parameters: String, host: String? = nil) async throws -> String {
        var parts = try #require(URLComponents(string: try await TestPostgres.freshDatabase()))
        if let host { parts.host = host }
        parts.percentEncodedQuery = parameters
        return try #require(parts.string)
    }

    /// The server's certificate is checked against the authority given, for its IP address and for its name; without
    /// `sslmode` TLS is used when the server offers it; `disable` never uses it.
    @Test(.enabled(if: TestPostgres.certificates != nil)) func theConnectionIsEncryptedAsTheURLSays() async throws {
        let authority = try #require(TestPostgres.certificates) + "/ca.pem"
        #expect(try await encrypted(try await database("sslmode=verify-full&sslrootcert=\(authority)")))
        #expect(try await encrypted(try await database("sslmode=verify-full&sslrootcert=\(authority)", host: "localhost")))
        #expect(try await encrypted(try await database("sslmode=verify-ca&sslrootcert=\(authority)")))
        #expect(try await encrypted(try await database("sslmode=require")))
        #expect(try await encrypted(try await database("")))
        #expect(try await encrypted(try await database("sslmode=disable")) == false)
    }

    /// A certificate the given authority did not sign is refused in Chinese before anything is sent; so is a host name
    /// the certificate does not name under `verify-full` (`verify-ca` takes it).
    @Test(.enabled(if: TestPostgres.certificates != nil)) func aCertificateThatDoesNotCheckOutIsRefused() async throws {
        let folder = try #require(TestPostgres.certificates)
        let stranger = await #expect(throws: LedgerError.self) {
            try await PostgresStore.open(url: try await database("sslmode=verify-full&sslrootcert=\(folder)/other-ca.pem"))
        }
        #expect(stranger?.message.contains("TLS 握手失败") == true)
        // 127.0.0.2 reaches the same server (loopback), whose certificate names 127.0.0.1 and localhost only.
        let wrongHost = await #expect(throws: LedgerError.self) {
            try await PostgresStore.open(url: try await database("sslmode=verify-full&sslrootcert=\(folder)/ca.pem", host: "127.0.0.2"))
        }
        #expect(wrongHost?.message.contains("TLS 握手失败") == true, "\(wrongHost?.message ?? "")")
    }

    /// What the URL says of TLS is checked before connecting: a mode libpq does not have, a parameter the product does not
    /// take and a root certificate file that cannot be read are each named.
    @Test func tlsSettingsAreCheckedBeforeConnecting() async throws {
        let cases = [
            ("postgres://ybz@127.0.0.1:1/ledger?sslmode=always", "sslmode 应为 disable、prefer、require、verify-ca、verify-full 之一"),
            ("postgres://ybz@127.0.0.1:1/ledger?connect_timeout=3", "参数 connect_timeout 不受支持"),
            ("postgres://ybz@127.0.0.1:1/ledger?sslmode=verify-full&sslrootcert=", "sslrootcert 应为根证书文件的路径"),
            ("postgres://ybz@127.0.0.1:1/ledger?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem", "根证书文件 /nonexistent/ca.pem")
        ]
        for (url, message) in cases {
            let error = await #expect(throws: LedgerError.self) { try await PostgresStore.open(url: url) }
            #expect(error?.message.contains(message) == true, "\(url): \(error?.message ?? "")")
        }
    }
}
