import Foundation
import GRDB
import LedgerCore
import PostgresNIO

/// Copies a SQLite ledger into an empty PostgreSQL ledger (`ybz migrate`, issue 18): every table the ledger keeps, row
/// for row with its ids, in one transaction (all or nothing), then the sequences set past the copied ids and the audit
/// chain verified on the PostgreSQL side, where it goes on from the copied entries. The SQLite ledger is only read.
/// Not copied: browser sessions and failed logins (people sign in again), leases and uploads awaiting confirmation,
/// which are transient. A searchable row's folded name and search text are taken from SQLite's index.
public enum LedgerMigration {
    /// What a migration copied: the rows of each table, in the order copied, and the audit chain as PostgreSQL verifies it.
    public struct Report: Sendable {
        /// Each table's rows, by what it holds (`信息资源`).
        public var tables: [(label: String, rows: Int)]
        public var audit: AuditVerification
    }

    /// How a column is sent: as text, or as text cast to an integer or a boolean (SQLite keeps booleans as 0 and 1).
    enum Kind {
        case text, integer, boolean
    }

    /// A table as copied: its columns (the same in both stores) and their kinds, the first `keys` of them its primary
    /// key (rows are read in its order, a page after the last one copied); `search` for a searchable table.
    struct Table {
        var name: String
        /// What the table holds, as a report names it.
        var label: String
        var keys = 1
        var columns: [(String, Kind)]
        var search = false
    }

    /// The tables in an order that keeps every reference to a row already copied.
    static let tables: [Table] = {
        let (t, i, b): (Kind, Kind, Kind) = (.text, .integer, .boolean)
        return [
            Table(
                name: "unit", label: "单位",
                columns: [("id", i), ("key", t), ("name", t), ("region", t), ("body", t), ("version", i), ("updated_at", t)]),
            Table(
                name: "project", label: "项目",
                columns: [("id", i), ("key", t), ("name", t), ("unit_key", t), ("body", t), ("version", i), ("updated_at", t)]),
            Table(
                name: "system", label: "信息系统",
                columns: [("id", i), ("key", t), ("name", t), ("unit_key", t), ("status", t), ("body", t), ("version", i), ("updated_at", t)],
                search: true),
            Table(
                name: "resource", label: "信息资源",
                columns: [
                    ("id", i), ("key", t), ("name", t), ("system_key", t), ("unit_key", t), ("share_type", t), ("update_cycle", t), ("state", t),
                    ("format", t), ("format_type", t), ("body", t), ("version", i), ("updated_at", t)
                ], search: true),
            Table(
                name: "data_item", label: "信息项", keys: 2,
                columns: [("resource_id", i), ("seq", i), ("name", t), ("type", t), ("length", i), ("description", t)]),
            Table(
                name: "account", label: "账号",
                columns: [
                    ("id", i), ("username", t), ("display_name", t), ("role", t), ("unit_key", t), ("password_hash", t), ("disabled", b),
                    ("created_at", t)
                ]),
            Table(
                name: "api_token", label: "API 令牌",
                columns: [("id", i), ("account_id", i), ("name", t), ("token_hash", t), ("created_at", t), ("revoked_at", t)]),
            Table(
                name: "audit_entry", label: "审计记录",
                columns: [
                    ("seq", i), ("at", t), ("actor", t), ("role", t), ("request_id", t), ("action", t), ("entity", t), ("key", t), ("changes", t),
                    ("previous_hash", t), ("hash", t)
                ]),
            Table(
                name: "probe_run", label: "探测批次",
                columns: [("id", i), ("started_at", t), ("finished_at", t), ("as_of", t), ("trigger", t), ("spec_hashes", t), ("summary", t)]),
            Table(
                name: "probe_verdict", label: "探测结果",
                columns: [
                    ("id", i), ("run_id", i), ("platform", t), ("system_key", t), ("probe", t), ("target", t), ("outcome", t), ("checked_at", t),
                    ("body", t)
                ]),
            Table(name: "probe_attempt", label: "探测请求", keys: 2, columns: [("verdict_id", i), ("number", i), ("body", t)]),
            Table(
                name: "integration_status", label: "对接状态", keys: 4,
                columns: [
                    ("platform", t), ("system_key", t), ("probe", t), ("target", t), ("status", t), ("candidate", t), ("streak", i),
                    ("changed_at", t)
                ]),
            Table(name: "verdict_prune", label: "探测结果清理", columns: [("seq", i), ("system_key", t)]),
            Table(
                name: "waiver", label: "检查豁免",
                columns: [("id", i), ("system_key", t), ("check_id", t), ("expires_on", t), ("created_at", t), ("body", t)]),
            Table(name: "deregistration", label: "注销申请", columns: [("id", i), ("system_key", t), ("applied_on", t), ("body", t)]),
            Table(
                name: "evaluation_batch", label: "评估批次",
                columns: [
                    ("id", i), ("kind", t), ("fiscal_year", i), ("as_of", t), ("policy_version", t), ("created_at", t), ("summary", t),
                    ("ledger_at", t), ("state", t), ("basis", t)
                ]),
            Table(
                name: "evaluation", label: "验收前置审查",
                columns: [("id", i), ("batch_id", i), ("system_key", t), ("input", t), ("result", t)]),
            Table(name: "evaluation_document", label: "评估文档", columns: [("id", i), ("sha256", t), ("summary", t), ("body", t)]),
            Table(
                name: "funding_decision", label: "资金评估决定", keys: 2,
                columns: [
                    ("batch_id", i), ("system_key", t), ("input_id", i), ("result_id", i), ("construction", t), ("operations", t)
                ]),
            Table(
                name: "harvest_source", label: "采集来源",
                columns: [("id", i), ("name", t), ("location", t), ("kind", t), ("profile", t), ("created_at", t)]),
            Table(
                name: "harvest_run", label: "采集记录",
                columns: [
                    ("id", i), ("source_id", i), ("started_at", t), ("finished_at", t), ("state", t), ("error", t), ("counts", t), ("report", t),
                    ("since", t), ("cursor", t)
                ]),
            Table(
                name: "harvest_record", label: "采集数据集", keys: 2,
                columns: [
                    ("source_id", i), ("identifier", t), ("resource_key", t), ("content_sha256", t), ("withdrawn_run", i),
                    ("source_modified", t), ("run_id", i)
                ])
        ]
    }()

    /// Rows sent in one statement.
    static let chunk = 500

    /// Copies the ledger of `database` into `store`, which must hold no ledger yet; `progress` hears what each table
    /// holds (`信息资源`) with the rows copied of it so far and its count.
    public static func copy(
        from database: AppDatabase, to store: PostgresStore, progress: @escaping @Sendable (String, Int, Int) -> Void = { _, _, _ in }
    ) async throws -> Report {
        var copied: [(label: String, rows: Int)] = []
        try await store.transaction { connection in
            let held = try await connection.count(
                "SELECT (SELECT count(*) FROM unit) + (SELECT count(*) FROM account) + (SELECT count(*) FROM audit_entry)")
            guard held == 0 else {
                throw LedgerError(
                    .conflict,
                    "目标 PostgreSQL 数据库已有账本数据（单位、账号或审计记录），"
                        + "未迁移；请迁移到一个新建的空数据库")
            }
            for table in tables {
                let total = try await database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table.name)") ?? 0 }
                var done = 0
                var after: [DatabaseValue]?
                progress(table.label, 0, total)
                while true {
                    let from = after
                    let rows = try await database.writer.read { db in try page(of: table, after: from, in: db) }
                    guard let last = rows.last else { break }
                    try await insert(rows, into: table, on: connection)
                    done += rows.count
                    after = last.key
                    progress(table.label, done, total)
                }
                copied.append((table.label, done))
                if table.columns[0].1 == .integer, table.columns[0].0 == "id" || table.columns[0].0 == "seq" {
                    let column = table.columns[0].0
                    try await connection.run(
                        """
                        SELECT setval(pg_get_serial_sequence('\(unescaped: table.name)', '\(unescaped: column)'),
                            coalesce((SELECT max(\(unescaped: column)) FROM \(unescaped: table.name)), 0) + 1, false)
                        """)
                }
            }
        }
        return Report(tables: copied, audit: try await PostgresAuditTrail(store: store).verify())
    }

    /// A page of rows to copy, as text (or none), in the order of the table's key after the key `after`; with the folded
    /// name and search text of a searchable row.
    private static func page(of table: Table, after: [DatabaseValue]?, in db: Database) throws -> [CopiedRow] {
        let columns = table.columns.map { "e.\($0.0)" }.joined(separator: ", ")
        let search = table.search ? ", f.name, f.text" : ""
        let join = table.search ? "LEFT JOIN \(table.name)_fts f ON f.rowid = e.id" : ""
        let key = table.columns.prefix(table.keys).map { "e.\($0.0)" }.joined(separator: ", ")
        let marks = Array(repeating: "?", count: table.keys).joined(separator: ", ")
        let condition = after == nil ? "" : "WHERE (\(key)) > (\(marks))"
        let rows = try Row.fetchAll(
            db, sql: "SELECT \(columns)\(search) FROM \(table.name) e \(join) \(condition) ORDER BY \(key) LIMIT \(chunk)",
            arguments: StatementArguments(after ?? []))
        return rows.map { row in
            var values: [String?] = table.columns.indices.map { position in
                let value: DatabaseValue = row[position]
                switch value.storage {
                case .null: return nil
                case .int64(let number): return String(number)
                case .double(let number): return String(number)
                case .string(let text): return text
                case .blob(let data): return String(decoding: data, as: UTF8.self)
                }
            }
            if table.search {
                let (name, text): (String?, String?) = (row[table.columns.count], row[table.columns.count + 1])
                values += [SearchText.fold(name ?? ""), SearchText.fold(text ?? "")]
            }
            return CopiedRow(values: values, key: (0..<table.keys).map { row[$0] })
        }
    }

    /// Inserts `rows` into `table`, `chunk` rows a statement.
    private static func insert(_ rows: [CopiedRow], into table: Table, on connection: PostgresConnection) async throws {
        var names = table.columns.map(\.0)
        var kinds = table.columns.map(\.1)
        if table.search {
            names += ["search_name", "search_text"]
            kinds += [.text, .text]
        }
        for start in stride(from: 0, to: rows.count, by: chunk) {
            let part = rows[start..<min(start + chunk, rows.count)]
            var binds = PostgresBindings()
            var tuples: [String] = []
            for row in part {
                var marks: [String] = []
                for (value, kind) in zip(row.values, kinds) {
                    binds.append(value)
                    let mark = "$\(binds.count)"
                    switch kind {
                    case .text: marks.append(mark)
                    case .integer: marks.append("\(mark)::bigint")
                    case .boolean: marks.append("\(mark)::integer::boolean")
                    }
                }
                tuples.append("(" + marks.joined(separator: ", ") + ")")
            }
            try await connection.run(
                PostgresQuery(
                    unsafeSQL: "INSERT INTO \(table.name) (\(names.joined(separator: ", "))) VALUES \(tuples.joined(separator: ", "))",
                    binds: binds))
        }
    }
}

/// One row read from SQLite to copy: its values as text (or none), and its key, after which the next page starts.
private struct CopiedRow: Sendable {
    var values: [String?]
    var key: [DatabaseValue]
}
