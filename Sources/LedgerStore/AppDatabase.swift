import Foundation
import GRDB

/// The ledger's SQLite database: a `DatabasePool` in WAL mode on a file, or an in-memory queue in tests.
/// All schema changes are the migrations registered here; a shipped migration is never edited.
public struct AppDatabase: Sendable {
    /// The connection pool or queue; only the repositories in this library write through it.
    let writer: any DatabaseWriter
    /// Browser sessions, in a database of their own (`sessions.sqlite` beside the ledger's file): logging in writes only
    /// there, so it never waits for a long write to the ledger, such as an import's write pass.
    let sessions: any DatabaseWriter
    /// Where uploads wait for their import to be confirmed (`uploads/` beside the ledger's file, so every server on
    /// the data folder sees them; a folder of its own in the temporary folder for a database in memory).
    let uploadsFolder: URL

    /// Wraps a writer and brings its schema up to date; sessions are kept in memory unless `sessions` is given, uploads
    /// in a new temporary folder unless `uploads` is.
    public init(_ writer: any DatabaseWriter, sessions: (any DatabaseWriter)? = nil, uploads: URL? = nil) throws {
        self.writer = writer
        self.sessions = try sessions ?? DatabaseQueue()
        uploadsFolder = uploads ?? FileManager.default.temporaryDirectory.appendingPathComponent("ybz-uploads-\(UUID().uuidString)")
        try Self.migrator.migrate(writer)
        try Self.sessionMigrator.migrate(self.sessions)
    }

    /// Opens (or creates) the database file at `path` in WAL mode, and the sessions' file beside it. The CLI and the
    /// server may open one file together: a write waits up to `busyTimeout` seconds for another process's write (an
    /// import's write pass) to end; past it the server answers 503 with Retry-After (`LedgerError.fromStore`). Readers
    /// never wait (WAL).
    public static func open(path: String, busyTimeout: TimeInterval = 60) throws -> AppDatabase {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        return try AppDatabase(
            DatabasePool(path: path, configuration: configuration),
            sessions: DatabasePool(path: folder.appendingPathComponent("sessions.sqlite").path, configuration: configuration),
            uploads: folder.appendingPathComponent("uploads"))
    }

    /// Why the database cannot serve now, or `nil` when it can: it answers a read, and every migration this program
    /// knows has run on it (another server may have opened it with an older program, or be migrating it).
    public func unreadiness() async -> String? {
        do {
            let migrated = try await writer.read { db in try Self.migrator.hasCompletedMigrations(db) }
            return migrated ? nil : "数据库尚未升级到本程序的结构"
        } catch {
            return "数据库无法读取：\(error)"
        }
    }

    /// A fresh in-memory database, for tests.
    public static func inMemory() throws -> AppDatabase {
        try AppDatabase(DatabaseQueue())
    }

    /// The sessions' schema. A session names its account by id; the account (and whether it is disabled) is read from
    /// the ledger's database when the session is used.
    static var sessionMigrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: web sessions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE web_session (
                        id INTEGER PRIMARY KEY,
                        account_id INTEGER NOT NULL,
                        secret_hash TEXT NOT NULL UNIQUE,
                        csrf TEXT NOT NULL,
                        created_at TEXT NOT NULL,
                        expires_at TEXT NOT NULL
                    );
                    CREATE INDEX web_session_expiry ON web_session(expires_at);
                    """)
        }
        migrator.registerMigration("v2: state that servers share") { db in
            // What one server process kept to itself, which two servers of one ledger must agree on: failed logins
            // (the login throttle) and leases on work that one server does for all (`LeaseRepository`).
            try db.execute(
                sql: """
                    CREATE TABLE login_failure (
                        id INTEGER PRIMARY KEY,
                        username TEXT NOT NULL,
                        at TEXT NOT NULL
                    );
                    CREATE INDEX login_failure_user ON login_failure(username, at);
                    CREATE TABLE server_lease (
                        name TEXT PRIMARY KEY,
                        holder TEXT NOT NULL,
                        until TEXT NOT NULL
                    );
                    """)
        }
        return migrator
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: ledger") { db in
            try db.execute(
                sql: """
                    CREATE TABLE unit (
                        id INTEGER PRIMARY KEY,
                        key TEXT NOT NULL UNIQUE,
                        name TEXT NOT NULL,
                        region TEXT NOT NULL,
                        body TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        updated_at TEXT NOT NULL
                    );
                    CREATE TABLE project (
                        id INTEGER PRIMARY KEY,
                        key TEXT NOT NULL UNIQUE,
                        name TEXT NOT NULL,
                        unit_key TEXT NOT NULL REFERENCES unit(key),
                        body TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        updated_at TEXT NOT NULL
                    );
                    CREATE INDEX project_unit ON project(unit_key);
                    CREATE TABLE system (
                        id INTEGER PRIMARY KEY,
                        key TEXT NOT NULL UNIQUE,
                        name TEXT NOT NULL,
                        unit_key TEXT NOT NULL REFERENCES unit(key),
                        status TEXT NOT NULL,
                        body TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        updated_at TEXT NOT NULL
                    );
                    CREATE INDEX system_unit ON system(unit_key);
                    CREATE TABLE resource (
                        id INTEGER PRIMARY KEY,
                        key TEXT NOT NULL UNIQUE,
                        name TEXT NOT NULL,
                        system_key TEXT NOT NULL REFERENCES system(key),
                        unit_key TEXT NOT NULL REFERENCES unit(key),
                        share_type TEXT NOT NULL,
                        update_cycle TEXT NOT NULL,
                        state TEXT NOT NULL,
                        body TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        updated_at TEXT NOT NULL
                    );
                    CREATE INDEX resource_system ON resource(system_key);
                    CREATE INDEX resource_unit ON resource(unit_key);
                    CREATE TABLE data_item (
                        resource_id INTEGER NOT NULL REFERENCES resource(id) ON DELETE CASCADE,
                        seq INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        type TEXT NOT NULL,
                        length INTEGER,
                        description TEXT,
                        PRIMARY KEY (resource_id, seq)
                    ) WITHOUT ROWID;
                    CREATE VIRTUAL TABLE system_fts USING fts5(text, tokenize = 'trigram');
                    CREATE VIRTUAL TABLE resource_fts USING fts5(text, tokenize = 'trigram');
                    """)
        }
        migrator.registerMigration("v2: probes") { db in
            try db.execute(
                sql: """
                    CREATE TABLE probe_run (
                        id INTEGER PRIMARY KEY,
                        started_at TEXT NOT NULL,
                        finished_at TEXT NOT NULL,
                        as_of TEXT NOT NULL,
                        trigger TEXT NOT NULL,
                        spec_hashes TEXT NOT NULL,
                        summary TEXT NOT NULL
                    );
                    CREATE TABLE probe_verdict (
                        id INTEGER PRIMARY KEY,
                        run_id INTEGER NOT NULL REFERENCES probe_run(id) ON DELETE CASCADE,
                        platform TEXT NOT NULL,
                        system_key TEXT NOT NULL,
                        probe TEXT NOT NULL,
                        target TEXT NOT NULL,
                        outcome TEXT NOT NULL,
                        checked_at TEXT NOT NULL,
                        body TEXT NOT NULL
                    );
                    CREATE INDEX probe_verdict_run ON probe_verdict(run_id);
                    CREATE INDEX probe_verdict_history ON probe_verdict(system_key, platform, checked_at);
                    CREATE TABLE probe_attempt (
                        verdict_id INTEGER NOT NULL REFERENCES probe_verdict(id) ON DELETE CASCADE,
                        number INTEGER NOT NULL,
                        body TEXT NOT NULL,
                        PRIMARY KEY (verdict_id, number)
                    ) WITHOUT ROWID;
                    CREATE TABLE integration_status (
                        platform TEXT NOT NULL,
                        system_key TEXT NOT NULL,
                        probe TEXT NOT NULL,
                        target TEXT NOT NULL,
                        status TEXT NOT NULL,
                        candidate TEXT,
                        streak INTEGER NOT NULL,
                        changed_at TEXT NOT NULL,
                        PRIMARY KEY (platform, system_key, probe, target)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v3: compliance") { db in
            try db.execute(
                sql: """
                    CREATE TABLE waiver (
                        id INTEGER PRIMARY KEY,
                        system_key TEXT NOT NULL REFERENCES system(key),
                        check_id TEXT NOT NULL,
                        expires_on TEXT NOT NULL,
                        created_at TEXT NOT NULL,
                        body TEXT NOT NULL
                    );
                    CREATE INDEX waiver_system ON waiver(system_key);
                    CREATE TABLE evaluation_batch (
                        id INTEGER PRIMARY KEY,
                        kind TEXT NOT NULL,
                        fiscal_year INTEGER,
                        as_of TEXT NOT NULL,
                        policy_version TEXT NOT NULL,
                        created_at TEXT NOT NULL,
                        summary TEXT NOT NULL
                    );
                    CREATE TABLE evaluation (
                        id INTEGER PRIMARY KEY,
                        batch_id INTEGER NOT NULL REFERENCES evaluation_batch(id) ON DELETE CASCADE,
                        system_key TEXT NOT NULL,
                        input TEXT NOT NULL,
                        result TEXT NOT NULL
                    );
                    CREATE INDEX evaluation_batch_system ON evaluation(batch_id, system_key);
                    CREATE INDEX evaluation_system ON evaluation(system_key);
                    """)
        }
        migrator.registerMigration("v4: deregistration") { db in
            try db.execute(
                sql: """
                    CREATE TABLE deregistration (
                        id INTEGER PRIMARY KEY,
                        system_key TEXT NOT NULL REFERENCES system(key),
                        applied_on TEXT NOT NULL,
                        body TEXT NOT NULL
                    );
                    CREATE INDEX deregistration_system ON deregistration(system_key);
                    """)
        }
        migrator.registerMigration("v5: accounts and audit") { db in
            try db.execute(
                sql: """
                    CREATE TABLE account (
                        id INTEGER PRIMARY KEY,
                        username TEXT NOT NULL UNIQUE,
                        display_name TEXT NOT NULL,
                        role TEXT NOT NULL,
                        unit_key TEXT REFERENCES unit(key),
                        password_hash TEXT NOT NULL,
                        disabled INTEGER NOT NULL DEFAULT 0,
                        created_at TEXT NOT NULL
                    );
                    CREATE TABLE api_token (
                        id INTEGER PRIMARY KEY,
                        account_id INTEGER NOT NULL REFERENCES account(id),
                        name TEXT NOT NULL,
                        token_hash TEXT NOT NULL UNIQUE,
                        created_at TEXT NOT NULL,
                        revoked_at TEXT
                    );
                    CREATE TABLE audit_entry (
                        seq INTEGER PRIMARY KEY,
                        at TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        role TEXT NOT NULL,
                        request_id TEXT,
                        action TEXT NOT NULL,
                        entity TEXT NOT NULL,
                        key TEXT NOT NULL,
                        changes TEXT NOT NULL,
                        previous_hash TEXT NOT NULL,
                        hash TEXT NOT NULL
                    );
                    CREATE INDEX audit_entry_record ON audit_entry(entity, key);
                    CREATE TABLE web_session (
                        id INTEGER PRIMARY KEY,
                        account_id INTEGER NOT NULL REFERENCES account(id),
                        secret_hash TEXT NOT NULL UNIQUE,
                        csrf TEXT NOT NULL,
                        created_at TEXT NOT NULL,
                        expires_at TEXT NOT NULL
                    );
                    CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
                        BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
                    CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
                        BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
                    """)
        }
        migrator.registerMigration("v6: search by bigrams, names first") { db in
            for table in ["system", "resource"] { try SearchIndex.migrate(db, table: table) }
        }
        migrator.registerMigration("v7: search index of names") { db in
            for table in ["system", "resource"] { try SearchIndex.migrateNames(db, table: table) }
        }
        migrator.registerMigration("v8: sessions in their own database") { db in
            // Sessions moved to `sessions`: a login waited here for an import's write pass. Open sessions end (their
            // users log in again).
            try db.execute(sql: "DROP TABLE web_session")
        }
        migrator.registerMigration("v9: batches on the ledger as it stood") { db in
            // The moment a batch took the ledger at (`--ledger-at`), when not as it was when the batch ran.
            try db.execute(sql: "ALTER TABLE evaluation_batch ADD COLUMN ledger_at TEXT")
        }
        migrator.registerMigration("v10: evaluations stored once by content") { db in
            // A funding batch's inputs and decisions are documents stored once by their SHA-256: a system whose input did
            // not change costs its batch a row of references, not a copy. Batches are written in slices and count once
            // `state` is `done`; `basis` says what a whole-ledger batch read, so that the next may reuse its decisions. A
            // row keeps its decision's two statuses, which the batch's counts are summed from; a decision's document keeps
            // what lists show of it (`FundingSummary`) ahead of its body, so that a list reads no decision. A prune of
            // verdicts writes the systems it touched to `verdict_prune`, whose decisions the next batch makes again.
            // Batches stored before keep their rows in `evaluation`; `funding_evaluation` reads both alike.
            try db.execute(
                sql: """
                    CREATE TABLE evaluation_document (
                        id INTEGER PRIMARY KEY,
                        sha256 TEXT NOT NULL UNIQUE,
                        summary TEXT,
                        body TEXT NOT NULL
                    );
                    CREATE TABLE funding_decision (
                        batch_id INTEGER NOT NULL REFERENCES evaluation_batch(id) ON DELETE CASCADE,
                        system_key TEXT NOT NULL,
                        input_id INTEGER NOT NULL REFERENCES evaluation_document(id),
                        result_id INTEGER NOT NULL REFERENCES evaluation_document(id),
                        construction TEXT NOT NULL,
                        operations TEXT NOT NULL,
                        PRIMARY KEY (batch_id, system_key)
                    ) WITHOUT ROWID;
                    CREATE TABLE verdict_prune (
                        seq INTEGER PRIMARY KEY,
                        system_key TEXT NOT NULL
                    );
                    ALTER TABLE evaluation_batch ADD COLUMN state TEXT NOT NULL DEFAULT 'done';
                    ALTER TABLE evaluation_batch ADD COLUMN basis TEXT;
                    CREATE VIEW funding_evaluation AS
                        SELECT batch_id, system_key, input, result FROM evaluation
                        UNION ALL
                        SELECT d.batch_id, d.system_key, i.body AS input, r.body AS result FROM funding_decision d
                            JOIN evaluation_document i ON i.id = d.input_id JOIN evaluation_document r ON r.id = d.result_id;
                    """)
        }
        migrator.registerMigration("v11: harvest sources") { db in
            // Catalogs that others publish (issue 17): each source with its mapping profile (JSON), the datasets it has
            // given (its identifier → our resource code, and the hash of what it mapped to, so an unchanged dataset is
            // not written again), and its runs with their per-dataset reports.
            try db.execute(
                sql: """
                    CREATE TABLE harvest_source (
                        id INTEGER PRIMARY KEY,
                        name TEXT NOT NULL UNIQUE,
                        location TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        profile TEXT NOT NULL,
                        created_at TEXT NOT NULL
                    );
                    CREATE TABLE harvest_record (
                        source_id INTEGER NOT NULL REFERENCES harvest_source(id) ON DELETE CASCADE,
                        identifier TEXT NOT NULL,
                        resource_key TEXT NOT NULL,
                        content_sha256 TEXT NOT NULL,
                        withdrawn_run INTEGER,
                        PRIMARY KEY (source_id, identifier)
                    ) WITHOUT ROWID;
                    CREATE TABLE harvest_run (
                        id INTEGER PRIMARY KEY,
                        source_id INTEGER NOT NULL REFERENCES harvest_source(id) ON DELETE CASCADE,
                        started_at TEXT NOT NULL,
                        finished_at TEXT,
                        state TEXT NOT NULL,
                        error TEXT,
                        counts TEXT NOT NULL DEFAULT '{}',
                        report TEXT NOT NULL DEFAULT '[]'
                    );
                    CREATE INDEX harvest_run_source ON harvest_run(source_id, id);
                    """)
        }
        migrator.registerMigration("v12: resource formats as columns") { db in
            // 资源格式 and 资源格式类型 as columns, for CKAN's `tags` and `res_format` filters and facets (issue 17).
            try db.execute(
                sql: """
                    ALTER TABLE resource ADD COLUMN format TEXT NOT NULL DEFAULT '';
                    ALTER TABLE resource ADD COLUMN format_type TEXT;
                    UPDATE resource SET format = coalesce(json_extract(body, '$.format'), ''), format_type = json_extract(body, '$.formatType');
                    """)
        }
        migrator.registerMigration("v13: incremental harvests") { db in
            // A dataset read from a CKAN site keeps the `metadata_modified` the site gave it (`source_modified`): a later run
            // reads only the datasets the site lists with another time. A run keeps the newest time the site listed
            // (`cursor`), and the one of the run before when it read only the changes since (`since`). A dataset keeps the
            // run that last wrote it (`run_id`): its resource's page says when it was taken in.
            try db.execute(
                sql: """
                    ALTER TABLE harvest_record ADD COLUMN source_modified TEXT;
                    ALTER TABLE harvest_record ADD COLUMN run_id INTEGER REFERENCES harvest_run(id) ON DELETE SET NULL;
                    ALTER TABLE harvest_run ADD COLUMN since TEXT;
                    ALTER TABLE harvest_run ADD COLUMN cursor TEXT;
                    """)
        }
        return migrator
    }
}
