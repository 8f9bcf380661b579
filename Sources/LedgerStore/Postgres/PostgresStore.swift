import Foundation
import LedgerCore
import Logging
import NIOSSL
import PostgresNIO

/// A ledger's PostgreSQL database (issue 18): a pool of connections to the server a `postgres://` URL names, and the
/// schema, brought up to date by the migrations registered here (as `AppDatabase`'s are for SQLite; a shipped migration
/// is never edited). Several servers of one ledger may open it at once: a migration runs under an advisory lock, once.
///
/// Every repository of the ledger has its implementation here (`PostgresRecords`, `PostgresAccounts`, `PostgresLeases`,
/// `PostgresAuditTrail` with `PostgresAuditLog`, `PostgresProbeHistory`, `PostgresSearch`, `PostgresDeregistrations`,
/// `PostgresUploads`, `PostgresEvaluations`, `PostgresHarvests`), wired by `Ledger(postgres:codes:)`.
public final class PostgresStore: Sendable {
    let client: PostgresClient
    let logger: Logger
    private let running: Task<Void, Never>

    /// Connects to the database `url` names (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, with libpq's `sslmode`
    /// (TLS when the server offers it unless given) and `sslrootcert` after a `?`) and brings its schema up to date.
    /// A server that cannot be reached is a clear error at once, not the pool's retries for a minute.
    public static func open(url: String, logger: Logger = Logger(label: "ybz.postgres")) async throws -> PostgresStore {
        let address = try DatabaseAddress(url)
        // The schema is brought up to date on a connection of its own, before the pool runs.
        let connection = try await address.connect(logger: logger)
        do {
            try await migrate(on: connection)
        } catch {
            try? await connection.close()  // the migration's error is the one to report
            throw error
        }
        try await connection.close()
        return PostgresStore(client: PostgresClient(configuration: address.pool, backgroundLogger: logger), logger: logger)
    }

    private init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
        running = Task { await client.run() }
    }

    /// The ledger records (units, projects, systems, catalog resources with their items) and the catalog workflow,
    /// normalized and validated with `codes`.
    public func records(codes: CodeLists) -> any RecordRepository { PostgresRecords(store: self, codes: codes) }
    /// Accounts, API tokens, browser sessions and failed logins.
    public var accounts: any AccountRepository { PostgresAccounts(store: self) }
    /// The audit trail, as read.
    public var audit: any AuditTrail { PostgresAuditTrail(store: self) }
    /// Leases on work that one server of the ledger does for all of them.
    public var leases: any LeaseRepository { PostgresLeases(store: self) }
    /// Probe runs, verdicts and integration status.
    public var probeHistory: any ProbeHistoryRepository { PostgresProbeHistory(store: self) }
    /// Chinese full-text search over systems and resources.
    public var search: any SearchRepository { PostgresSearch(store: self) }
    /// Evaluation inputs, waivers, funding batches and pre-acceptance reviews.
    public var evaluations: any EvaluationRepository { PostgresEvaluations(store: self) }
    /// Harvest sources, what they gave and their runs; a source's profile is checked against `codes`.
    public func harvests(codes: CodeLists) -> any HarvestRepository { PostgresHarvests(store: self, codes: codes) }
    /// Files uploaded for an import, waiting for their owner to confirm it.
    public var uploads: any UploadRepository { PostgresUploads(store: self) }
    /// Deregistration applications and their reviews; an approval's system is normalized with `codes`.
    public func deregistrations(codes: CodeLists) -> any DeregistrationRepository { PostgresDeregistrations(store: self, codes: codes) }

    /// Runs `body` in a transaction on one of the pool's connections. What `body` threw is thrown as it was (the
    /// product's Chinese errors), not wrapped in the client's transaction error; a unique index's refusal (two servers
    /// writing the same key at once) is `duplicate`.
    func transaction<T: Sendable>(
        duplicate: LedgerError = LedgerError(.conflict, "记录已存在"),
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            let cause = error.closureError ?? error.beginError ?? error.commitError ?? error
            let state = (cause as? PSQLError)?.serverInfo?[.sqlState]
            if state == "23505" { throw duplicate }
            // Two writers waited for each other (an import and a write on another server creating the same key at once)
            // and PostgreSQL ended this one: nothing of it was kept, and trying again succeeds.
            if state == "40P01" || state == "40001" {
                throw LedgerError(.busy, "与同时进行的另一项写入冲突，本次未保存任何内容，请重试")
            }
            throw cause
        }
    }

    /// Why the database cannot serve requests now (it cannot be reached or read, or it lacks a migration this program
    /// has), or `nil` when it can.
    public func unreadiness() async -> String? {
        do {
            let applied = try await transaction { connection in
                Set(try await connection.column("SELECT name FROM schema_migration", as: String.self))
            }
            return Self.migrations.allSatisfy { applied.contains($0.name) } ? nil : "数据库尚未升级到本程序的结构"
        } catch {
            return "数据库无法读取：\(String(reflecting: error))"
        }
    }

    /// Closes the pool's connections; the store is not used after.
    public func close() { running.cancel() }

    /// The schema, one migration a step, in order.
    static let migrations: [(name: String, sql: [String])] = [
        (
            "v1: state that servers share",
            [
                // Leases on work that one server does for all (`LeaseRepository`), timed by the database's clock, which
                // every server of the ledger shares.
                "CREATE TABLE server_lease (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until TIMESTAMPTZ NOT NULL)"
            ]
        ),
        (
            "v2: audit trail",
            [
                // As SQLite's: times and changes as the text they were hashed as; appended only (`PostgresAuditLog`).
                """
                CREATE TABLE audit_entry (
                    seq BIGINT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL, request_id TEXT,
                    action TEXT NOT NULL, entity TEXT NOT NULL, key TEXT NOT NULL, changes TEXT NOT NULL,
                    previous_hash TEXT NOT NULL, hash TEXT NOT NULL)
                """,
                "CREATE INDEX audit_entry_record ON audit_entry (entity, key)",
                """
                CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN RAISE EXCEPTION 'audit entries are append-only'; END $$
                """,
                """
                CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry
                    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()
                """
            ]
        ),
        (
            "v3: accounts and sessions",
            [
                // The units data officers are bound to: the first of the record tables, with SQLite's columns (the
                // others follow in v4).
                """
                CREATE TABLE unit (
                    id BIGSERIAL PRIMARY KEY, key TEXT NOT NULL UNIQUE, name TEXT NOT NULL, region TEXT NOT NULL, body TEXT NOT NULL,
                    version INTEGER NOT NULL, updated_at TEXT NOT NULL)
                """,
                """
                CREATE TABLE account (
                    id BIGSERIAL PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL, role TEXT NOT NULL,
                    unit_key TEXT REFERENCES unit(key), password_hash TEXT NOT NULL, disabled BOOLEAN NOT NULL DEFAULT false,
                    created_at TEXT NOT NULL)
                """,
                """
                CREATE TABLE api_token (
                    id BIGSERIAL PRIMARY KEY, account_id BIGINT NOT NULL REFERENCES account(id), name TEXT NOT NULL,
                    token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked_at TEXT)
                """,
                // Sessions and failed logins by the database's clock, which every server shares.
                """
                CREATE TABLE web_session (
                    id BIGSERIAL PRIMARY KEY, account_id BIGINT NOT NULL REFERENCES account(id), secret_hash TEXT NOT NULL UNIQUE,
                    csrf TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ NOT NULL)
                """,
                "CREATE INDEX web_session_expiry ON web_session (expires_at)",
                "CREATE TABLE login_failure (id BIGSERIAL PRIMARY KEY, username TEXT NOT NULL, at TIMESTAMPTZ NOT NULL)",
                "CREATE INDEX login_failure_user ON login_failure (username, at)"
            ]
        ),
        (
            "v4: records",
            [
                // SQLite's record tables and columns (`PostgresRecords`). Keys, names and times are ordered as SQLite orders
                // them, by their bytes (`COLLATE "C"`), whatever locale the database was made with, so lists, pages and
                // exports come out in the same order on both stores.
                """
                ALTER TABLE unit ALTER COLUMN key TYPE TEXT COLLATE "C", ALTER COLUMN name TYPE TEXT COLLATE "C",
                    ALTER COLUMN updated_at TYPE TEXT COLLATE "C"
                """,
                """
                CREATE TABLE project (
                    id BIGSERIAL PRIMARY KEY, key TEXT COLLATE "C" NOT NULL UNIQUE, name TEXT COLLATE "C" NOT NULL,
                    unit_key TEXT NOT NULL REFERENCES unit(key), body TEXT NOT NULL, version INTEGER NOT NULL,
                    updated_at TEXT COLLATE "C" NOT NULL)
                """,
                "CREATE INDEX project_unit ON project (unit_key)",
                """
                CREATE TABLE system (
                    id BIGSERIAL PRIMARY KEY, key TEXT COLLATE "C" NOT NULL UNIQUE, name TEXT COLLATE "C" NOT NULL,
                    unit_key TEXT NOT NULL REFERENCES unit(key), status TEXT NOT NULL, body TEXT NOT NULL, version INTEGER NOT NULL,
                    updated_at TEXT COLLATE "C" NOT NULL)
                """,
                "CREATE INDEX system_unit ON system (unit_key)",
                """
                CREATE TABLE resource (
                    id BIGSERIAL PRIMARY KEY, key TEXT COLLATE "C" NOT NULL UNIQUE, name TEXT COLLATE "C" NOT NULL,
                    system_key TEXT NOT NULL REFERENCES system(key), unit_key TEXT NOT NULL REFERENCES unit(key),
                    share_type TEXT NOT NULL, update_cycle TEXT NOT NULL, state TEXT NOT NULL, format TEXT NOT NULL DEFAULT '',
                    format_type TEXT, body TEXT NOT NULL, version INTEGER NOT NULL, updated_at TEXT COLLATE "C" NOT NULL)
                """,
                "CREATE INDEX resource_system ON resource (system_key)",
                "CREATE INDEX resource_unit ON resource (unit_key)",
                """
                CREATE TABLE data_item (
                    resource_id BIGINT NOT NULL REFERENCES resource(id) ON DELETE CASCADE, seq INTEGER NOT NULL, name TEXT NOT NULL,
                    type TEXT NOT NULL, length BIGINT, description TEXT, PRIMARY KEY (resource_id, seq))
                """
            ]
        ),
        (
            "v5: probes",
            [
                // SQLite's probe tables (`PostgresProbeHistory`); platforms, probes and targets in byte order, as SQLite
                // lists a system's integrations. `verdict_prune` notes the systems whose verdicts a prune removed.
                """
                CREATE TABLE probe_run (
                    id BIGSERIAL PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT NOT NULL, as_of TEXT NOT NULL,
                    trigger TEXT NOT NULL, spec_hashes TEXT NOT NULL, summary TEXT NOT NULL)
                """,
                """
                CREATE TABLE probe_verdict (
                    id BIGSERIAL PRIMARY KEY, run_id BIGINT NOT NULL REFERENCES probe_run(id) ON DELETE CASCADE,
                    platform TEXT NOT NULL, system_key TEXT COLLATE "C" NOT NULL, probe TEXT NOT NULL, target TEXT NOT NULL,
                    outcome TEXT NOT NULL, checked_at TEXT COLLATE "C" NOT NULL, body TEXT NOT NULL)
                """,
                "CREATE INDEX probe_verdict_run ON probe_verdict (run_id)",
                "CREATE INDEX probe_verdict_history ON probe_verdict (system_key, platform, checked_at)",
                """
                CREATE TABLE probe_attempt (
                    verdict_id BIGINT NOT NULL REFERENCES probe_verdict(id) ON DELETE CASCADE, number INTEGER NOT NULL,
                    body TEXT NOT NULL, PRIMARY KEY (verdict_id, number))
                """,
                """
                CREATE TABLE integration_status (
                    platform TEXT COLLATE "C" NOT NULL, system_key TEXT COLLATE "C" NOT NULL, probe TEXT COLLATE "C" NOT NULL,
                    target TEXT COLLATE "C" NOT NULL, status TEXT NOT NULL, candidate TEXT, streak INTEGER NOT NULL,
                    changed_at TEXT NOT NULL, PRIMARY KEY (platform, system_key, probe, target))
                """,
                "CREATE INDEX integration_status_system ON integration_status (system_key)",
                "CREATE TABLE verdict_prune (seq BIGSERIAL PRIMARY KEY, system_key TEXT NOT NULL)"
            ]
        ),
        (
            "v6: search",
            [
                // Each searchable row's name and search text folded to lower case (`PostgresSearch`), indexed by
                // trigrams (pg_trgm, a trusted extension that the database's owner may create).
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                "ALTER TABLE system ADD COLUMN search_name TEXT NOT NULL DEFAULT '', ADD COLUMN search_text TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE resource ADD COLUMN search_name TEXT NOT NULL DEFAULT '', ADD COLUMN search_text TEXT NOT NULL DEFAULT ''",
                "CREATE INDEX system_search ON system USING gin (search_text gin_trgm_ops)",
                "CREATE INDEX resource_search ON resource USING gin (search_text gin_trgm_ops)"
            ]
        ),
        (
            "v7: deregistration",
            [
                // SQLite's applications (`PostgresDeregistrations`): the application as JSON, its system and date.
                """
                CREATE TABLE deregistration (
                    id BIGSERIAL PRIMARY KEY, system_key TEXT NOT NULL REFERENCES system(key), applied_on TEXT NOT NULL,
                    body TEXT NOT NULL)
                """,
                "CREATE INDEX deregistration_system ON deregistration (system_key)"
            ]
        ),
        (
            "v8: uploads",
            [
                // Files a web import keeps until its owner confirms it (`PostgresUploads`), aged by the database's clock.
                "CREATE TABLE upload (id TEXT PRIMARY KEY, owner TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL)",
                "CREATE INDEX upload_age ON upload (created_at)",
                """
                CREATE TABLE upload_file (
                    upload_id TEXT NOT NULL REFERENCES upload(id) ON DELETE CASCADE, name TEXT NOT NULL, data BYTEA NOT NULL,
                    PRIMARY KEY (upload_id, name))
                """
            ]
        ),
        (
            "v9: evaluations",
            [
                // SQLite's evaluation tables as of its v10 (`PostgresEvaluations`): waivers; batches (funding and
                // reviews); a funding batch's inputs and decisions as documents stored once by their SHA-256, referred to
                // by a row per system; a review's input and report in `evaluation`.
                """
                CREATE TABLE waiver (
                    id BIGSERIAL PRIMARY KEY, system_key TEXT NOT NULL REFERENCES system(key), check_id TEXT NOT NULL,
                    expires_on TEXT NOT NULL, created_at TEXT COLLATE "C" NOT NULL, body TEXT NOT NULL)
                """,
                "CREATE INDEX waiver_system ON waiver (system_key)",
                """
                CREATE TABLE evaluation_batch (
                    id BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, fiscal_year INTEGER, as_of TEXT NOT NULL, policy_version TEXT NOT NULL,
                    created_at TEXT COLLATE "C" NOT NULL, summary TEXT NOT NULL, ledger_at TEXT, state TEXT NOT NULL DEFAULT 'done',
                    basis TEXT)
                """,
                """
                CREATE TABLE evaluation (
                    id BIGSERIAL PRIMARY KEY, batch_id BIGINT NOT NULL REFERENCES evaluation_batch(id) ON DELETE CASCADE,
                    system_key TEXT COLLATE "C" NOT NULL, input TEXT NOT NULL, result TEXT NOT NULL)
                """,
                "CREATE INDEX evaluation_batch_system ON evaluation (batch_id, system_key)",
                "CREATE INDEX evaluation_system ON evaluation (system_key)",
                "CREATE TABLE evaluation_document (id BIGSERIAL PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, summary TEXT, body TEXT NOT NULL)",
                """
                CREATE TABLE funding_decision (
                    batch_id BIGINT NOT NULL REFERENCES evaluation_batch(id) ON DELETE CASCADE, system_key TEXT COLLATE "C" NOT NULL,
                    input_id BIGINT NOT NULL REFERENCES evaluation_document(id), result_id BIGINT NOT NULL REFERENCES evaluation_document(id),
                    construction TEXT NOT NULL, operations TEXT NOT NULL, PRIMARY KEY (batch_id, system_key))
                """,
                "CREATE INDEX funding_decision_input ON funding_decision (input_id)",
                "CREATE INDEX funding_decision_result ON funding_decision (result_id)"
            ]
        ),
        (
            "v10: harvests",
            [
                // SQLite's harvest tables as of its v13 (`PostgresHarvests`); one running run per source, whichever
                // server started it.
                """
                CREATE TABLE harvest_source (
                    id BIGSERIAL PRIMARY KEY, name TEXT COLLATE "C" NOT NULL UNIQUE, location TEXT NOT NULL, kind TEXT NOT NULL,
                    profile TEXT NOT NULL, created_at TEXT NOT NULL)
                """,
                """
                CREATE TABLE harvest_run (
                    id BIGSERIAL PRIMARY KEY, source_id BIGINT NOT NULL REFERENCES harvest_source(id) ON DELETE CASCADE,
                    started_at TEXT NOT NULL, finished_at TEXT, state TEXT NOT NULL, error TEXT, counts TEXT NOT NULL DEFAULT '{}',
                    report TEXT NOT NULL DEFAULT '[]', since TEXT, cursor TEXT)
                """,
                "CREATE INDEX harvest_run_source ON harvest_run (source_id, id)",
                "CREATE UNIQUE INDEX harvest_run_one_running ON harvest_run (source_id) WHERE state = 'running'",
                """
                CREATE TABLE harvest_record (
                    source_id BIGINT NOT NULL REFERENCES harvest_source(id) ON DELETE CASCADE, identifier TEXT NOT NULL,
                    resource_key TEXT NOT NULL, content_sha256 TEXT NOT NULL, withdrawn_run BIGINT, source_modified TEXT,
                    run_id BIGINT REFERENCES harvest_run(id) ON DELETE SET NULL, PRIMARY KEY (source_id, identifier))
                """,
                "CREATE INDEX harvest_record_resource ON harvest_record (resource_key)"
            ]
        ),
        (
            "v11: names searched by trigrams",
            [
                // A search reads the hits whose name holds the ranking words first, in row order, as far as the page
                // goes: without an index on the names, a word that many texts hold and no name does read every row.
                "CREATE INDEX system_search_name ON system USING gin (search_name gin_trgm_ops)",
                "CREATE INDEX resource_search_name ON resource USING gin (search_name gin_trgm_ops)"
            ]
        ),
        (
            "v12: evaluation documents compressed by lz4",
            [
                // A province's funding batch stores 700 MB of inputs and decisions, compressed as they are written:
                // with PostgreSQL's default (pglz) a first batch took 14.2–15.0 s, with lz4 11.0–11.5 s
                // (docs/benchmarks.md). A server built without lz4, or a database speaking PostgreSQL's protocol without
                // `SET COMPRESSION`, keeps its default.
                """
                DO $$ BEGIN
                    ALTER TABLE evaluation_document ALTER COLUMN body SET COMPRESSION lz4, ALTER COLUMN summary SET COMPRESSION lz4;
                EXCEPTION WHEN feature_not_supported OR syntax_error THEN NULL;
                END $$
                """
            ]
        ),
        (
            "v13: the audit chain's end read under its lock in one statement",
            [
                // Every write holds the chain's lock from taking it to its commit, one write after another whichever
                // server makes it: taking the lock and reading the chain's end in one round trip (not two) shortens
                // that. Each statement of a volatile function reads a snapshot of its own, so the read after the lock
                // sees every append committed before the lock was granted.
                """
                CREATE FUNCTION audit_chain_end_locked(lock_key BIGINT) RETURNS TABLE (end_seq BIGINT, end_hash TEXT)
                LANGUAGE plpgsql VOLATILE AS $$
                BEGIN
                    PERFORM pg_advisory_xact_lock(lock_key);
                    RETURN QUERY SELECT a.seq, a.hash FROM audit_entry a ORDER BY a.seq DESC LIMIT 1;
                END $$
                """
            ]
        )
    ]

    /// Runs the migrations this program knows that the database has not had, in one transaction under an advisory
    /// lock, so that two servers starting at once run each once (`CREATE TABLE IF NOT EXISTS` alone is not safe against
    /// a second server creating the same table at the same moment).
    static func migrate(on connection: PostgresConnection) async throws {
        try await connection.withTransaction(logger: connection.logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: connection.logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS schema_migration (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)",
                logger: connection.logger)
            var applied = Set<String>()
            for try await name in try await connection.query("SELECT name FROM schema_migration", logger: connection.logger).decode(
                String.self)
            {
                applied.insert(name)
            }
            for migration in Self.migrations where !applied.contains(migration.name) {
                for statement in migration.sql {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: connection.logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migration (name, applied_at) VALUES (\(migration.name), now())", logger: connection.logger)
            }
        }
    }

    /// The advisory lock migrations hold (any number the ledger's other locks do not use).
    private static let migrationLock: Int64 = 0x5942_5A00
}

/// Where a PostgreSQL ledger is, and how the connection to it is secured, read from its `postgres://` URL.
struct DatabaseAddress {
    var host: String
    var port: Int
    var user: String
    var password: String?
    var database: String?
    var security = TransportSecurity.prefer
    /// The TLS settings of every connection (`sslmode`, with the certificates of `sslrootcert`), `nil` for none.
    var tls: TLSConfiguration?

    /// TLS to the database server, with libpq's `sslmode` names and meanings.
    enum TransportSecurity: String, CaseIterable {
        /// Never TLS.
        case disable
        /// TLS when the server offers it, without checking its certificate; plain otherwise (libpq's default).
        case prefer
        /// TLS or no connection, without checking the certificate.
        case require
        /// TLS with a certificate signed by a trusted authority, for any host name.
        case verifyCA = "verify-ca"
        /// TLS with a certificate signed by a trusted authority for the host connected to (its name or IP address).
        case verifyFull = "verify-full"
    }

    /// The address `url` gives; a clear error for a URL that is not one (not repeating it: it may hold a password).
    init(_ url: String) throws {
        let badURL = LedgerError(
            .badRequest, "数据库地址应为 postgres://用户[:密码]@主机[:端口]/数据库" + "[?sslmode=…&sslrootcert=…]")
        guard let parts = URLComponents(string: url), ["postgres", "postgresql"].contains(parts.scheme ?? ""),
            let host = parts.host, !host.isEmpty, let user = parts.user, !user.isEmpty
        else { throw badURL }
        let database = String(parts.path.drop { $0 == "/" })
        guard (1...65_535).contains(parts.port ?? 5_432), database.count <= 63 else { throw badURL }
        (self.host, port, self.user, password) = (host, parts.port ?? 5_432, user, parts.password)
        self.database = database.isEmpty ? nil : database
        var rootCertificates: String?
        for item in parts.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let security = TransportSecurity(rawValue: value) else {
                    let modes = TransportSecurity.allCases.map(\.rawValue).joined(separator: "、")
                    throw LedgerError(.badRequest, "数据库地址的 sslmode 应为 \(modes) 之一")
                }
                self.security = security
            case "sslrootcert":
                guard !value.isEmpty, value.utf8.count <= 4_096 else {
                    throw LedgerError(.badRequest, "数据库地址的 sslrootcert 应为根证书文件的路径")
                }
                rootCertificates = value
            default:
                throw LedgerError(.badRequest, "数据库地址的参数 \(item.name.prefix(40)) 不受支持（可用：sslmode、sslrootcert）")
            }
        }
        tls = try Self.tls(security, rootCertificates: rootCertificates)
    }

    /// The TLS settings of `security`, `nil` for none; the root certificates are read here, once, so that a missing or
    /// unreadable file is named before any connection is tried.
    private static func tls(_ security: TransportSecurity, rootCertificates: String?) throws -> TLSConfiguration? {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch security {
        case .disable: return nil
        case .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        if let rootCertificates {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(rootCertificates))
            } catch {
                throw LedgerError(
                    .badRequest,
                    "无法读取数据库服务器的根证书文件 \(rootCertificates)" + "（sslrootcert，应为 PEM 格式的证书）")
            }
        }
        return tls
    }

    /// The pool's settings.
    var pool: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch (security, self.tls) {
            case (_, nil): .disable
            case (.prefer, let settings?): .prefer(settings)
            case (_, let settings?): .require(settings)
            }
        return PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }

    /// One connection to the database; a server that is down, a wrong port or a refused login is named in Chinese.
    func connect(logger: Logger) async throws -> PostgresConnection {
        do {
            let tls: PostgresConnection.Configuration.TLS =
                switch (security, self.tls) {
                case (_, nil): .disable
                case (.prefer, let settings?): .prefer(try NIOSSLContext(configuration: settings))
                case (_, let settings?): .require(try NIOSSLContext(configuration: settings))
                }
            return try await PostgresConnection.connect(
                configuration: .init(host: host, port: port, username: user, password: password, database: database, tls: tls),
                id: 0, logger: logger)
        } catch let error as PSQLError {
            let reason =
                if let message = error.serverInfo?[.message] {
                    "服务器拒绝：\(message)"
                } else if error.code == .sslUnsupported {
                    "服务器不支持 TLS，而数据库地址要求 TLS（sslmode=\(security.rawValue)）"
                } else if error.underlying is NIOSSLError || error.underlying is NIOSSLExtraError || error.underlying is BoringSSLError {
                    "TLS 握手失败：服务器证书未通过验证（sslmode=\(security.rawValue)；根证书见 sslrootcert）"
                } else {
                    "连接失败（服务器未运行、地址或端口有误，或网络不通）"
                }
            throw LedgerError(.busy, "无法连接 PostgreSQL 数据库 \(host):\(port)：\(reason)")
        }
    }
}
