import PostgresNIO

/// Small reads every PostgreSQL repository makes on the connection of its transaction.
extension PostgresConnection {
    /// Whether `query` selects any row.
    func exists(_ query: PostgresQuery) async throws -> Bool {
        for try await _ in try await self.query(query, logger: logger) { return true }
        return false
    }

    /// The integer in the first column of the last row `query` selects (a count), or 0 when it selects none.
    func count(_ query: PostgresQuery) async throws -> Int {
        var count = 0
        for try await value in try await self.query(query, logger: logger).decode(Int.self) { count = value }
        return count
    }

    /// The values of the first column of every row `query` selects, in order.
    func column<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type) async throws -> [T] {
        var values: [T] = []
        for try await value in try await self.query(query, logger: logger).decode(T.self) { values.append(value) }
        return values
    }

    /// Runs `statement` for what it does, not for rows.
    func run(_ statement: PostgresQuery) async throws {
        try await query(statement, logger: logger)
    }
}
