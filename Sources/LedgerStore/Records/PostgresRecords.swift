import Foundation
import GRDB
import LedgerCore
import PostgresNIO

/// `RecordRepository` on PostgreSQL (issue 18): SQLite's tables and the same write path (`RecordWriter`: field limits,
/// normalize, validate, references, key and version, the audit entry), so both stores accept and refuse alike. Each
/// write is one transaction that locks the row it replaces (`FOR UPDATE`) and the rows it names (`FOR KEY SHARE`), so
/// that two servers editing one record at once make a version conflict or one edit after the other, never a lost update;
/// a row named by a write in progress is not deleted under it; and of two servers registering one key at once, one is
/// refused as taken.
struct PostgresRecords: RecordRepository {
    let store: PostgresStore
    let codes: CodeLists

    /// The columns of a stored row, in the order `ExistingRow` is read from them.
    private static let rowColumns = "id, key, body, version, updated_at"

    func create<E: StoredEntity>(_ record: E, by actor: Actor) async throws -> Stored<E> {
        let writer = RecordWriter(codes: codes, actor: actor)
        let (normalized, issues) = try writer.normalized(record.registeringNew())
        return try await store.transaction(duplicate: LedgerError.invalid([RecordWriter.taken(normalized)])) { connection in
            try await Self.save(normalized, issues: issues, mode: .create, writer: writer, on: connection)
        }
    }

    func update<E: StoredEntity>(
        _ type: E.Type, id: Int64, with record: E, expectedVersion: Int?, by actor: Actor
    ) async throws -> Stored<E> {
        let writer = RecordWriter(codes: codes, actor: actor)
        let (normalized, issues) = try writer.normalized(record)
        return try await store.transaction { connection in
            try await Self.save(normalized, issues: issues, mode: .update(id: id, expectedVersion: expectedVersion), writer: writer, on: connection)
        }
    }

    func delete<E: StoredEntity>(_ type: E.Type, id: Int64, expectedVersion: Int?, by actor: Actor) async throws {
        try await store.transaction { connection in
            let select: PostgresQuery = "SELECT \(unescaped: Self.rowColumns) FROM \(unescaped: E.table) WHERE id = \(id) FOR UPDATE"
            guard let row = try await Self.existingRows(select, on: connection).first else { throw LedgerError.notFound(E.label, String(id)) }
            if let expectedVersion, expectedVersion != row.version {
                throw LedgerError.versionConflict(expected: expectedVersion, actual: row.version)
            }
            if let blocking = try await Self.dependents(E.self, key: row.key, on: connection) {
                throw LedgerError(.conflict, "不能删除\(E.label)“\(row.key)”：\(blocking)")
            }
            let old = try await Self.withChildren(try RecordWriter.decode(E.self, body: row.body), rowID: id, on: connection)
            try await connection.query("DELETE FROM \(unescaped: E.table) WHERE id = \(id)", logger: connection.logger)
            try await PostgresAuditLog.append(
                on: connection, actor: actor, action: "delete", entity: E.table, key: row.key,
                changes: try AuditLog.changes(old: old, new: nil as E?))
        }
    }

    func fetch<E: StoredEntity>(_ type: E.Type, id: Int64) async throws -> Stored<E> {
        try await reading(E.self) { connection in
            try await Self.stored(E.self, "SELECT \(unescaped: Self.rowColumns) FROM \(unescaped: E.table) WHERE id = \(id)", on: connection)
                .first ?? { throw LedgerError.notFound(E.label, String(id)) }()
        }
    }

    func fetch<E: StoredEntity>(_ type: E.Type, key: String) async throws -> Stored<E> {
        try await reading(E.self) { connection in
            try await Self.stored(E.self, "SELECT \(unescaped: Self.rowColumns) FROM \(unescaped: E.table) WHERE key = \(key)", on: connection)
                .first ?? { throw LedgerError.notFound(E.label, key) }()
        }
    }

    /// Runs `read` of one record of type `E`: a record read with one statement outside a transaction (one round trip
    /// where `BEGIN` and `COMMIT` make three; `GET /api/v1/systems/{id}` went from 2,693 to 3,920 requests/s); one with
    /// data items, whose rows are read after its own, in a transaction that sees one state of both.
    private func reading<E: StoredEntity, T: Sendable>(_ type: E.Type, _ read: (PostgresConnection) async throws -> T) async throws -> T {
        guard E.hasChildItems else { return try await store.client.withConnection { try await read($0) } }
        return try await store.transaction { connection in
            try await connection.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return try await read(connection)
        }
    }

    func list<E: StoredEntity>(_ type: E.Type, filter: ListFilter, nameContains: String?, page: PageRequest) async throws -> Page<Stored<E>> {
        let condition = try ListCondition(E.self, filter: filter, nameContains: nameContains, dialect: .postgres)
        // One snapshot for the count and the page, as SQLite's one read.
        return try await store.transaction { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: connection.logger)
            let counted = try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(E.table) \(condition.sql)", binds: try Self.binds(condition.arguments)),
                logger: connection.logger)
            var total = 0
            for try await count in counted.decode(Int.self) { total = count }
            let (limit, offset) = (condition.arguments.count + 1, condition.arguments.count + 2)
            var binds = try Self.binds(condition.arguments)
            binds.append(page.limit)
            binds.append(page.offset)
            let items = try await Self.stored(
                E.self,
                PostgresQuery(
                    unsafeSQL: """
                        SELECT \(Self.rowColumns) FROM \(E.table) \(condition.sql) ORDER BY \(page.sort.sql) LIMIT $\(limit) OFFSET $\(offset)
                        """, binds: binds), on: connection)
            return Page(items: items, total: total, limit: page.limit, offset: page.offset)
        }
    }

    func transition(
        resourceID id: Int64, _ action: CatalogTransition, reason: String?, expectedVersion: Int?, by actor: Actor
    ) async throws -> Stored<CatalogResource> {
        let writer = RecordWriter(codes: codes, actor: actor)
        return try await store.transaction { connection in
            let select: PostgresQuery = "SELECT \(unescaped: Self.rowColumns) FROM resource WHERE id = \(id) FOR UPDATE"
            guard var current = try await Self.stored(CatalogResource.self, select, on: connection).first else {
                throw LedgerError.notFound(CatalogResource.label, String(id))
            }
            if let expectedVersion, expectedVersion != current.version {
                throw LedgerError.versionConflict(expected: expectedVersion, actual: current.version)
            }
            current.record.state = try action.apply(to: current.record, reason: reason, codes: codes)
            current.record.returnReason = action == .return ? Normalize.optional(reason) : nil
            let (normalized, issues) = try writer.normalized(current.record)
            return try await Self.save(normalized, issues: issues, mode: .upsert, writer: writer, on: connection)
        }
    }

    func counts() async throws -> [String: Int] {
        try await store.transaction { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: connection.logger)
            var counts: [String: Int] = [:]
            for table in ["unit", "project", "system", "resource", "data_item"] {
                for try await count in try await connection.query("SELECT count(*) FROM \(unescaped: table)", logger: connection.logger)
                    .decode(Int.self)
                {
                    counts[table] = count
                }
            }
            return counts
        }
    }

    func facets<E: StoredEntity>(_ type: E.Type, filter: ListFilter, facets: [String]) async throws -> [String: [String: Int]] {
        let condition = try ListCondition(E.self, filter: filter, nameContains: nil, dialect: .postgres)
        let columns = try facets.map { ($0, try ListCondition.column(E.self, $0)) }
        return try await store.transaction { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: connection.logger)
            var counts: [String: [String: Int]] = [:]
            for (name, column) in columns {
                let rows = try await connection.query(
                    PostgresQuery(
                        unsafeSQL: "SELECT \(column), count(*) FROM \(E.table) \(condition.sql) GROUP BY \(column)",
                        binds: try Self.binds(condition.arguments)), logger: connection.logger)
                for try await (value, count) in rows.decode((String?, Int).self) {
                    counts[name, default: [:]][value ?? ""] = count  // no value (a column that may be NULL): ""
                }
            }
            return counts
        }
    }

    func highestKey<E: StoredEntity>(_ type: E.Type, prefix: String) async throws -> String? {
        let pattern =
            prefix.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
        let rows = try await store.client.query("SELECT max(key) FROM \(unescaped: E.table) WHERE key LIKE \(pattern) ESCAPE '\\'")
        for try await key in rows.decode(String?.self) { return key }
        return nil
    }

    /// Reads the scope on one snapshot into memory, then runs `body` on it: the scan's protocol is synchronous, and a
    /// PostgreSQL read is not. (A unit's or a system's export is small; a whole province's is held whole, its texts
    /// decoded one record at a time.)
    func scan<T: Sendable>(_ scope: ExportScope, _ body: @escaping @Sendable (any RecordScan) throws -> T) async throws -> T {
        let scan = try await store.transaction { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: connection.logger)
            return try await PostgresRecordScan.read(scope, on: connection)
        }
        return try body(scan)
    }

    // MARK: The write path

    /// Checks `record` (normalized and validated, with `issues`) against the stored rows and writes it: the row, its data
    /// items and its audit entry. Runs inside the caller's transaction.
    static func save<E: StoredEntity>(
        _ record: E, issues: [ValidationIssue], mode: WriteMode, writer: RecordWriter, on connection: PostgresConnection
    ) async throws -> Stored<E> {
        let missing = try await missingReferences(record, on: connection)
        let select: PostgresQuery =
            switch mode {
            case .update(let id, _): "SELECT \(unescaped: rowColumns) FROM \(unescaped: E.table) WHERE id = \(id) FOR UPDATE"
            case .create, .upsert: "SELECT \(unescaped: rowColumns) FROM \(unescaped: E.table) WHERE key = \(record.naturalKey) FOR UPDATE"
            }
        let existing = try await existingRows(select, on: connection).first
        if case .update(let id, _) = mode, existing == nil { throw LedgerError.notFound(E.label, String(id)) }
        var stored: E?
        if let existing, !mode.isCreate {
            stored = try await withChildren(try RecordWriter.decode(E.self, body: existing.body), rowID: existing.id, on: connection)
        }
        let checked = try writer.conclude(record, issues: issues + missing, mode: mode, existing: existing) { row in
            guard let stored else { throw LedgerError.notFound(E.label, row.key) }
            return stored
        }
        if checked.outcome == .unchanged, let existing = checked.existing {
            return Stored(
                id: existing.id, version: existing.version, updatedAt: existing.updatedAt, record: checked.record, warnings: checked.warnings)
        }
        var units: [String: String] = [:]
        for reference in checked.record.references where reference.table == InfoSystem.table {
            let rows = try await connection.query("SELECT unit_key FROM system WHERE key = \(reference.key)", logger: connection.logger)
            for try await unit in rows.decode(String.self) { units[reference.key] = unit }
        }
        let columns = try checked.record.columnValues { units[$0] }
        let write = try writer.prepare(checked, columns: columns.map { $0?.databaseValue ?? .null }, indexSearch: true)
        let now = Ledger.timestamp()
        let id = try await apply(write, now: now, actor: writer.actor, on: connection)
        return Stored(
            id: id, version: checked.existing.map { $0.version + 1 } ?? 1, updatedAt: now, record: checked.record, warnings: checked.warnings)
    }

    /// Writes the row of `write`, its data items and its audit entry; the row id.
    static func apply(_ write: PreparedWrite, now: String, actor: Actor, on connection: PostgresConnection) async throws -> Int64 {
        // The indexed columns are text, or none.
        let columns = write.values.map { String.fromDatabaseValue($0) }
        let query: PostgresQuery
        // A searchable row keeps its name and text folded for `PostgresSearch`.
        let (searchNames, searchValues) = SearchText.columns(of: write)
        switch write.operation {
        case .insert:
            let names = ["key", "name"] + write.columnNames + searchNames + ["body", "version", "updated_at"]
            var binds = try binds([write.key, write.name] + columns + searchValues + [write.body])
            binds.append(1)
            binds.append(now)
            let marks = (1...names.count).map { "$\($0)" }.joined(separator: ", ")
            query = PostgresQuery(
                unsafeSQL: "INSERT INTO \(write.table) (\(names.joined(separator: ", "))) VALUES (\(marks)) RETURNING id", binds: binds)
        case .update(let id, let version):
            let names = ["name"] + write.columnNames + searchNames + ["body", "version", "updated_at"]
            var binds = try binds([write.name] + columns + searchValues + [write.body])
            binds.append(version)
            binds.append(now)
            binds.append(id)
            let assignments = names.enumerated().map { "\($1) = $\($0 + 1)" }.joined(separator: ", ")
            query = PostgresQuery(
                unsafeSQL: "UPDATE \(write.table) SET \(assignments) WHERE id = $\(names.count + 1) RETURNING id", binds: binds)
        case .replaceItems:
            let names = searchNames + ["updated_at"]
            let binds = try binds(searchValues + [now, write.key])
            let assignments = names.enumerated().map { "\($1) = $\($0 + 1)" }.joined(separator: ", ")
            query = PostgresQuery(
                unsafeSQL: "UPDATE \(write.table) SET version = version + 1, \(assignments) WHERE key = $\(names.count + 1) RETURNING id, body",
                binds: binds)
        }
        var written: (id: Int64, body: String?)?
        for try await row in try await connection.query(query, logger: connection.logger) {
            // A data-items file's write returns the body too, to index the resource's new items.
            let columns = row.makeRandomAccess()
            written = (try columns[0].decode(Int64.self), columns.count > 1 ? try columns[1].decode(String.self) : nil)
        }
        guard let (id, body) = written else { throw LedgerError.notFound(CatalogResource.label, write.key) }
        if let items = write.items {
            try await connection.query("DELETE FROM data_item WHERE resource_id = \(id)", logger: connection.logger)
            // In one statement, numbered from 1; a length or description that is none is sent as -1 or "" and stored as NULL.
            try await connection.run(
                """
                INSERT INTO data_item (resource_id, seq, name, type, length, description)
                SELECT \(id), seq, name, type, NULLIF(length, -1), NULLIF(description, '')
                FROM unnest(\(items.indices.map { $0 + 1 })::integer[], \(items.map(\.name))::text[], \(items.map(\.type))::text[],
                    \(items.map { $0.length.map(Int64.init) ?? -1 })::bigint[], \(items.map { $0.description ?? "" })::text[])
                    AS i(seq, name, type, length, description)
                """)
        }
        if write.search == nil, let body, let items = write.items {
            // A data-items file's write: the resource's search text names its new items.
            try await connection.run("UPDATE resource SET search_text = \(try SearchText.resource(body: body, items: items)) WHERE id = \(id)")
        }
        if let action = write.auditAction {
            try await PostgresAuditLog.append(
                on: connection, actor: actor, action: action, entity: write.table, key: write.key, changesJSON: write.auditChanges, at: now)
        }
        return id
    }

    /// Issues for the rows `record` names that do not exist; those that do are locked against deletion until the
    /// transaction ends (`FOR KEY SHARE`), so that what the checks found still holds when the write commits.
    private static func missingReferences<E: StoredEntity>(_ record: E, on connection: PostgresConnection) async throws -> [ValidationIssue] {
        var missing: [ValidationIssue] = []
        for reference in record.references {
            if try await !connection.exists("SELECT 1 FROM \(unescaped: reference.table) WHERE key = \(reference.key) FOR KEY SHARE") {
                missing.append(reference.missing)
            }
        }
        return missing
    }

    /// What still names the row of `type` with `key` and so blocks its deletion, in words, or `nil`.
    private static func dependents<E: StoredEntity>(_ type: E.Type, key: String, on connection: PostgresConnection) async throws -> String? {
        switch E.table {
        case GovUnit.table:
            return DeletionBlock.unit(
                projects: try await connection.count("SELECT count(*) FROM project WHERE unit_key = \(key)"),
                systems: try await connection.count("SELECT count(*) FROM system WHERE unit_key = \(key)"),
                accounts: try await connection.count("SELECT count(*) FROM account WHERE unit_key = \(key)"))
        case Project.table:
            return DeletionBlock.project(
                systems: try await connection.count("SELECT count(*) FROM system WHERE jsonb_exists(body::jsonb -> 'projectCodes', \(key))"))
        case InfoSystem.table:
            return DeletionBlock.system(
                resources: try await connection.count("SELECT count(*) FROM resource WHERE system_key = \(key)"),
                waivers: try await connection.count("SELECT count(*) FROM waiver WHERE system_key = \(key)"),
                applications: try await connection.count("SELECT count(*) FROM deregistration WHERE system_key = \(key)"))
        default:
            return nil
        }
    }

    // MARK: Reading rows

    /// The stored rows `query` selects (`rowColumns`).
    static func existingRows(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [RecordWriter.ExistingRow] {
        var rows: [RecordWriter.ExistingRow] = []
        for try await (id, key, body, version, updatedAt) in try await connection.query(query, logger: connection.logger).decode(
            (Int64, String, String, Int, String).self)
        {
            rows.append(RecordWriter.ExistingRow(id: id, key: key, body: body, version: version, updatedAt: updatedAt))
        }
        return rows
    }

    /// The records of the rows `query` selects (`rowColumns`), each with its data items.
    private static func stored<E: StoredEntity>(
        _ type: E.Type, _ query: PostgresQuery, on connection: PostgresConnection
    ) async throws -> [Stored<E>] {
        var records: [Stored<E>] = []
        for row in try await existingRows(query, on: connection) {
            let record = try await withChildren(try RecordWriter.decode(E.self, body: row.body), rowID: row.id, on: connection)
            records.append(Stored(id: row.id, version: row.version, updatedAt: row.updatedAt, record: record))
        }
        return records
    }

    /// `record` (row `rowID`) with its data items read back from their rows, when it has any.
    private static func withChildren<E: StoredEntity>(_ record: E, rowID: Int64, on connection: PostgresConnection) async throws -> E {
        guard E.hasChildItems else { return record }
        return record.withChildItems(try await items(ofResource: rowID, on: connection))
    }

    /// The data items of resource row `rowID`, in order.
    static func items(ofResource rowID: Int64, on connection: PostgresConnection) async throws -> [DataItem] {
        var items: [DataItem] = []
        let rows = try await connection.query(
            "SELECT name, type, length, description FROM data_item WHERE resource_id = \(rowID) ORDER BY seq", logger: connection.logger)
        for try await (name, type, length, description) in rows.decode((String, String, Int?, String?).self) {
            items.append(DataItem(name: name, type: type, length: length, description: description))
        }
        return items
    }

    /// `values` bound in order, `nil` as SQL `NULL`.
    private static func binds(_ values: [String?]) throws -> PostgresBindings {
        var binds = PostgresBindings()
        for value in values { try binds.append(value) }
        return binds
    }
}

/// The PostgreSQL scan: the records of a scope read on one snapshot, kept as their stored texts and decoded one at a
/// time as the export asks for them.
struct PostgresRecordScan: RecordScan {
    /// Each table's rows in key order: row id and stored text.
    private var bodies: [String: [(id: Int64, body: String)]] = [:]
    /// The data items of the scope's resources, by resource row id, in order.
    private var items: [Int64: [DataItem]] = [:]
    /// The scope's resources' codes, by row id.
    private var resourceCodes: [Int64: String] = [:]

    /// The scope read on `connection`, which must be in a transaction that reads one snapshot.
    static func read(_ scope: ExportScope, on connection: PostgresConnection) async throws -> PostgresRecordScan {
        let filters: [String: PostgresQuery]
        switch scope {
        case .all:
            filters = [:]
        case .unit(let uscc):
            guard try await connection.exists("SELECT 1 FROM unit WHERE key = \(uscc)") else {
                throw LedgerError.notFound(GovUnit.label, uscc)
            }
            filters = [
                GovUnit.table: "SELECT id, body FROM unit WHERE key = \(uscc) ORDER BY key",
                Project.table: "SELECT id, body FROM project WHERE unit_key = \(uscc) ORDER BY key",
                InfoSystem.table: "SELECT id, body FROM system WHERE unit_key = \(uscc) ORDER BY key",
                CatalogResource.table: "SELECT id, body FROM resource WHERE unit_key = \(uscc) ORDER BY key"
            ]
        case .system(let code):
            var body: String?
            for try await text in try await connection.query("SELECT body FROM system WHERE key = \(code)", logger: connection.logger)
                .decode(String.self)
            {
                body = text
            }
            guard let body else { throw LedgerError.notFound(InfoSystem.label, code) }
            let system = try RecordWriter.decode(InfoSystem.self, body: body)
            filters = [
                GovUnit.table: "SELECT id, body FROM unit WHERE key = \(system.unitUSCC) ORDER BY key",
                Project.table: "SELECT id, body FROM project WHERE key = ANY(\(system.projectCodes)) ORDER BY key",
                InfoSystem.table: "SELECT id, body FROM system WHERE key = \(code) ORDER BY key",
                CatalogResource.table: "SELECT id, body FROM resource WHERE system_key = \(code) ORDER BY key"
            ]
        }
        var scan = PostgresRecordScan()
        for table in [GovUnit.table, Project.table, InfoSystem.table, CatalogResource.table] {
            let query = filters[table] ?? PostgresQuery(unsafeSQL: "SELECT id, body FROM \(table) ORDER BY key")
            var rows: [(id: Int64, body: String)] = []
            for try await (id, body) in try await connection.query(query, logger: connection.logger).decode((Int64, String).self) {
                rows.append((id, body))
            }
            scan.bodies[table] = rows
        }
        let resources = Set(scan.bodies[CatalogResource.table, default: []].map(\.id))
        let items = "SELECT r.id, r.key, d.name, d.type, d.length, d.description FROM data_item d JOIN resource r ON r.id = d.resource_id"
        let itemQuery: PostgresQuery =
            scope.isAll
            ? "\(unescaped: items) ORDER BY r.id, d.seq" : "\(unescaped: items) WHERE r.id = ANY(\(Array(resources))) ORDER BY r.id, d.seq"
        for try await (id, code, name, type, length, description) in try await connection.query(itemQuery, logger: connection.logger)
            .decode((Int64, String, String, String, Int?, String?).self)
        {
            scan.resourceCodes[id] = code
            scan.items[id, default: []].append(DataItem(name: name, type: type, length: length, description: description))
        }
        return scan
    }

    func forEach<E: StoredEntity>(_ type: E.Type, withItems: Bool, _ body: (E) throws -> Void) throws {
        let decoder = JSONDecoder()
        for row in bodies[E.table, default: []] {
            let record = try decoder.decode(E.self, from: Data(row.body.utf8))
            try body(withItems && E.hasChildItems ? record.withChildItems(items[row.id] ?? []) : record)
        }
    }

    func forEachDataItem(_ body: (String, Int, DataItem) throws -> Void) throws {
        // By resource code, as the resources are read (key order), then by sequence.
        for row in bodies[CatalogResource.table, default: []] {
            guard let code = resourceCodes[row.id] else { continue }
            for (index, item) in (items[row.id] ?? []).enumerated() { try body(code, index + 1, item) }
        }
    }
}

extension ExportScope {
    /// Whether the scope is the whole ledger.
    var isAll: Bool {
        if case .all = self { return true }
        return false
    }
}
