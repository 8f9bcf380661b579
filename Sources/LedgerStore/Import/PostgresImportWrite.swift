import Foundation
import GRDB
import LedgerCore
import NIOCore
import PostgresNIO

/// The write pass of an import on PostgreSQL when no row it depends on changed since its check pass (the usual case):
/// the writes that pass spooled are applied a batch at a time, in a few statements a batch — records by `unnest` of
/// arrays, data items and audit entries by `COPY` — where the write path spends several round trips on each row.
enum PostgresImportWrite {
    /// Locks the stored rows among `dependencies` (`FOR UPDATE`, in key order), so that no writer is part-way through
    /// changing one when the import takes the audit chain's lock, and none can start.
    static func lock(_ dependencies: RowKeys, on connection: PostgresConnection) async throws {
        for (table, keys) in dependencies.byTable.sorted(by: { $0.key < $1.key }) {
            try await connection.run(
                """
                SELECT count(*) FROM (SELECT 1 FROM \(unescaped: table) WHERE key = ANY(\(keys)::text[]) ORDER BY key FOR UPDATE) AS locked
                """)
        }
    }

    /// Applies the writes of `spool` in order for `actor` at `now`, their audit entries linked after the chain's end;
    /// the caller holds the chain's lock.
    static func apply(
        _ spool: WriteSpool, actor: Actor, now: String, progress: @escaping @Sendable (ImportProgress) -> Void,
        on connection: PostgresConnection
    ) async throws {
        let finish = AuditChain.linker(after: try await PostgresAuditLog.end(on: connection), actor: actor, now: now)
        try await PostgresRowAccess.onOwnThread {
            var batch = PostgresWriteBatch()
            var applied = 0
            func flush() throws {
                let full = batch
                try PostgresRowAccess.wait(on: connection) { connection in try await full.write(actor: actor, now: now, on: connection) }
                applied += full.count
                batch = PostgresWriteBatch()
            }
            var read: Int64 = 0
            try spool.replay(finish: finish) { write, bytes in
                if !batch.accepts(write) {
                    try flush()
                    progress(ImportProgress(file: "写入账本", bytesRead: read, totalBytes: spool.size, rows: applied))
                }
                batch.add(write)
                read = bytes
            }
            try flush()
        }
    }
}

/// Writes of an import applied together: at most one a row, so that their order within the batch does not matter
/// (a later write to a row already in the batch starts the next one), and records inserted before those that name them.
struct PostgresWriteBatch: Sendable {
    private var writes: [PreparedWrite] = []
    private var rows: Set<String> = []
    private var items = 0

    /// The number of writes.
    var count: Int { writes.count }

    /// Whether `write` joins this batch: not full, and its row not yet written by it.
    func accepts(_ write: PreparedWrite) -> Bool {
        writes.count < 2000 && items < 50_000 && !rows.contains("\(write.table)\u{1F}\(write.key)")
    }

    mutating func add(_ write: PreparedWrite) {
        writes.append(write)
        rows.insert("\(write.table)\u{1F}\(write.key)")
        items += write.items?.count ?? 0
    }

    /// The tables in the order that rows naming others are inserted after those they name.
    private static let tableOrder = [GovUnit.table, Project.table, InfoSystem.table, CatalogResource.table]

    /// Writes the batch: new rows, replaced rows, replaced data items, then the audit entries.
    func write(actor: Actor, now: String, on connection: PostgresConnection) async throws {
        var itemRows: [(id: Int64, items: [DataItem])] = []
        let tables = Set(writes.map(\.table)).sorted { (Self.tableOrder.firstIndex(of: $0) ?? 9, $0) < (Self.tableOrder.firstIndex(of: $1) ?? 9, $1) }
        for table in tables {
            let inserts = writes.filter { $0.table == table && $0.operation == .insert }
            if !inserts.isEmpty {
                let ids = try await insert(inserts, into: table, now: now, on: connection)
                for write in inserts { if let items = write.items, let id = ids[write.key] { itemRows.append((id, items)) } }
            }
            let updates = writes.filter { $0.table == table && $0.operation != .insert && $0.operation != .replaceItems }
            if !updates.isEmpty { try await update(updates, in: table, now: now, on: connection) }
            for write in updates {
                if case .update(let id, _) = write.operation, let items = write.items { itemRows.append((id, items)) }
            }
        }
        let replaced = writes.filter { $0.operation == .replaceItems }
        if !replaced.isEmpty { itemRows += try await replaceItems(replaced, now: now, on: connection) }
        try await write(itemRows, on: connection)
        try await connection.copyFrom(
            table: "audit_entry",
            columns: ["seq", "at", "actor", "role", "request_id", "action", "entity", "key", "changes", "previous_hash", "hash"],
            logger: connection.logger
        ) { writer in
            var copy = CopyText()
            for write in writes {
                guard let entry = write.audit else { continue }
                copy.row([
                    String(entry.seq), entry.at, entry.actor, entry.role, entry.requestId, entry.action, entry.entity, entry.key,
                    write.auditChanges, entry.previousHash, entry.hash
                ])
                try await copy.send(to: writer)
            }
            try await copy.send(to: writer, all: true)
        }
    }

    /// Inserts new rows of `table`; their ids by key.
    private func insert(_ inserts: [PreparedWrite], into table: String, now: String, on connection: PostgresConnection) async throws -> [String:
        Int64]
    {
        let first = inserts[0]
        let names = ["key", "name"] + first.columnNames + SearchText.columns(of: first).names + ["body"]
        var arrays = ArrayRows(width: names.count)
        for write in inserts {
            arrays.append(
                [write.key, write.name] + write.values.map { String.fromDatabaseValue($0) } + SearchText.columns(of: write).values + [write.body])
        }
        var binds = PostgresBindings()
        let (source, values) = arrays.source(&binds)
        binds.append(now)
        let sql = """
            INSERT INTO \(table) (\(names.joined(separator: ", ")), version, updated_at)
            SELECT \(values.joined(separator: ", ")), 1, $\(binds.count) FROM \(source) RETURNING id, key
            """
        var ids: [String: Int64] = [:]
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: connection.logger)
        for try await (id, key) in rows.decode((Int64, String).self) { ids[key] = id }
        return ids
    }

    /// Replaces rows of `table` by id, each with its new version.
    private func update(_ updates: [PreparedWrite], in table: String, now: String, on connection: PostgresConnection) async throws {
        let first = updates[0]
        let names = ["name"] + first.columnNames + SearchText.columns(of: first).names + ["body"]
        var arrays = ArrayRows(width: names.count + 2)
        for write in updates {
            guard case .update(let id, let version) = write.operation else { continue }
            arrays.append(
                [String(id), String(version), write.name] + write.values.map { String.fromDatabaseValue($0) } + SearchText.columns(of: write).values
                    + [write.body])
        }
        var binds = PostgresBindings()
        let (source, values) = arrays.source(&binds)
        binds.append(now)
        let assignments =
            zip(names, values.dropFirst(2)).map { "\($0) = \($1)" } + ["version = (\(values[1]))::integer", "updated_at = $\(binds.count)"]
        let sql = "UPDATE \(table) SET \(assignments.joined(separator: ", ")) FROM \(source) WHERE \(table).id = (\(values[0]))::bigint"
        try await connection.run(PostgresQuery(unsafeSQL: sql, binds: binds))
    }

    /// Adds one to the version of each resource whose data items a data-items file replaces, and sets its search text
    /// to name the new items; each resource's row id with its items.
    private func replaceItems(_ writes: [PreparedWrite], now: String, on connection: PostgresConnection) async throws -> [(
        id: Int64, items: [DataItem]
    )] {
        var bodies: [String: (id: Int64, body: String)] = [:]
        let rows = try await connection.query(
            """
            UPDATE resource SET version = version + 1, updated_at = \(now) WHERE key = ANY(\(writes.map(\.key))::text[]) RETURNING id, key, body
            """, logger: connection.logger)
        for try await (id, key, body) in rows.decode((Int64, String, String).self) { bodies[key] = (id, body) }
        var searchRows = ArrayRows(width: 2)
        var replaced: [(id: Int64, items: [DataItem])] = []
        for write in writes {
            guard let row = bodies[write.key] else { throw LedgerError.notFound(CatalogResource.label, write.key) }
            let items = write.items ?? []
            replaced.append((row.id, items))
            searchRows.append([String(row.id), try write.search.map { SearchText.fold($0.text) } ?? SearchText.resource(body: row.body, items: items)]
            )
        }
        var binds = PostgresBindings()
        let (source, values) = searchRows.source(&binds)
        try await connection.run(
            PostgresQuery(
                unsafeSQL: "UPDATE resource SET search_text = \(values[1]) FROM \(source) WHERE resource.id = (\(values[0]))::bigint", binds: binds))
        return replaced
    }

    /// Replaces the data items of the rows given, numbered from 1.
    private func write(_ itemRows: [(id: Int64, items: [DataItem])], on connection: PostgresConnection) async throws {
        guard !itemRows.isEmpty else { return }
        try await connection.run("DELETE FROM data_item WHERE resource_id = ANY(\(itemRows.map(\.id))::bigint[])")
        try await connection.copyFrom(
            table: "data_item", columns: ["resource_id", "seq", "name", "type", "length", "description"], logger: connection.logger
        ) { writer in
            var copy = CopyText()
            for (id, items) in itemRows {
                for (index, item) in items.enumerated() {
                    copy.row([String(id), String(index + 1), item.name, item.type, item.length.map { String($0) }, item.description])
                }
                try await copy.send(to: writer)
            }
            try await copy.send(to: writer, all: true)
        }
    }
}

/// Rows of text or NULL sent as one array a column, read back by `unnest` (with a second array a column saying which
/// are NULL, since an array sent by the client cannot hold one).
private struct ArrayRows {
    private var values: [[String]]
    private var nulls: [[Bool]]

    init(width: Int) {
        values = Array(repeating: [], count: width)
        nulls = Array(repeating: [], count: width)
    }

    mutating func append(_ row: [String?]) {
        for (column, value) in row.enumerated() {
            values[column].append(value ?? "")
            nulls[column].append(value == nil)
        }
    }

    /// The `FROM` item reading the arrays, bound after those in `binds`, and each column's value in it.
    func source(_ binds: inout PostgresBindings) -> (from: String, values: [String]) {
        var arrays: [String] = []
        var names: [String] = []
        var expressions: [String] = []
        for column in values.indices {
            binds.append(values[column])
            arrays.append("$\(binds.count)::text[]")
            names.append("v\(column)")
            guard nulls[column].contains(true) else {
                expressions.append("u.v\(column)")
                continue
            }
            binds.append(nulls[column])
            arrays.append("$\(binds.count)::boolean[]")
            names.append("n\(column)")
            expressions.append("CASE WHEN u.n\(column) THEN NULL ELSE u.v\(column) END")
        }
        return ("unnest(\(arrays.joined(separator: ", "))) AS u(\(names.joined(separator: ", ")))", expressions)
    }
}

/// Rows in the text format of `COPY … FROM STDIN`: fields separated by tabs, NULL as `\N`, and backslashes, tabs and
/// line breaks within a field escaped.
private struct CopyText {
    private var buffer = ByteBuffer()

    mutating func row(_ fields: [String?]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
            guard let field else {
                buffer.writeStaticString("\\N")
                continue
            }
            for byte in field.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
                case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
                case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
                default: buffer.writeInteger(byte)
                }
            }
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    /// Sends what is buffered once it is a megabyte, or, with `all`, whatever there is.
    mutating func send(to writer: PostgresCopyFromWriter, all: Bool = false) async throws {
        guard buffer.readableBytes >= (all ? 1 : 1 << 20) else { return }
        try await writer.write(buffer)
        buffer.clear()
    }
}
