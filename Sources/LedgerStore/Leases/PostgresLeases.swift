import Foundation
import PostgresNIO

/// Leases in table `server_lease` of a PostgreSQL ledger, timed by the database's clock: servers on several machines
/// agree on when a lease lapses even when their own clocks differ.
struct PostgresLeases: LeaseRepository {
    let store: PostgresStore

    func claim(_ name: String, holder: String, seconds: Double) async throws -> Bool {
        // Within a year (the leases are seconds to minutes): the product below cannot overflow.
        let milliseconds = seconds.isFinite ? Int64((min(max(seconds, 0), 366 * 86_400) * 1000).rounded()) : 0
        let rows = try await store.client.query(
            """
            INSERT INTO server_lease (name, holder, until) VALUES (\(name), \(holder), clock_timestamp() + \(milliseconds) * interval '1 millisecond')
            ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until
                WHERE server_lease.holder = EXCLUDED.holder OR server_lease.until <= clock_timestamp()
            RETURNING name
            """
        ).collect()
        return !rows.isEmpty
    }

    func release(_ name: String, holder: String) async throws {
        try await store.client.query("DELETE FROM server_lease WHERE name = \(name) AND holder = \(holder)")
    }

    func held(_ names: [String]) async throws -> Set<String> {
        guard !names.isEmpty else { return [] }
        var held = Set<String>()
        for try await name in try await store.client.query(
            "SELECT name FROM server_lease WHERE until > clock_timestamp() AND name = ANY(\(names))"
        ).decode(String.self) {
            held.insert(name)
        }
        return held
    }
}
