import Foundation
import GRDB
import LedgerCore

/// Work that one server of a ledger does for all of them (a scheduled probe of every platform, a harvest run in
/// progress): a lease by name, which one holder has until it lapses. Servers that share a ledger agree through it on
/// who does the work, and a holder that stopped without giving its lease back loses it when the lease lapses.
public protocol LeaseRepository: Sendable {
    /// Takes or renews the lease `name` for `holder`, for `seconds` from now, when it is free, lapsed or already
    /// `holder`'s; returns whether `holder` has it now.
    func claim(_ name: String, holder: String, seconds: Double) async throws -> Bool
    /// Gives the lease `name` back if `holder` has it.
    func release(_ name: String, holder: String) async throws
    /// Which of the leases `names` are held now (not lapsed).
    func held(_ names: [String]) async throws -> Set<String>
}

/// Who holds leases: this process, by its host, process id and a random part (a process id is used again).
public enum LeaseHolder {
    public static let thisProcess = "\(ProcessInfo.processInfo.hostName) pid \(ProcessInfo.processInfo.processIdentifier) \(Hex.random(bytes: 4))"
}

/// Leases in table `server_lease`, in the sessions' database (`AppDatabase.sessions`): taking one never waits for a
/// long write to the ledger.
struct SQLiteLeases: LeaseRepository {
    let database: AppDatabase

    func claim(_ name: String, holder: String, seconds: Double) async throws -> Bool {
        let now = Date()
        return try await database.sessions.write { db in
            try db.execute(
                sql: """
                    INSERT INTO server_lease (name, holder, until) VALUES (?1, ?2, ?3)
                    ON CONFLICT (name) DO UPDATE SET holder = ?2, until = ?3 WHERE server_lease.holder = ?2 OR server_lease.until <= ?4
                    """, arguments: [name, holder, Self.instant(now.addingTimeInterval(seconds)), Self.instant(now)])
            return db.changesCount > 0
        }
    }

    func release(_ name: String, holder: String) async throws {
        try await database.sessions.write { db in
            try db.execute(sql: "DELETE FROM server_lease WHERE name = ? AND holder = ?", arguments: [name, holder])
        }
    }

    func held(_ names: [String]) async throws -> Set<String> {
        guard !names.isEmpty else { return [] }
        return try await database.sessions.read { db in
            Set(
                try String.fetchAll(
                    db, sql: "SELECT name FROM server_lease WHERE until > ? AND name IN (SELECT value FROM json_each(?))",
                    arguments: [Self.instant(Date()), try CanonicalJSON.text(names)]))
        }
    }

    /// An instant to the millisecond, in a form whose text order is its time order: a lease of a second lasts a second.
    static func instant(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
