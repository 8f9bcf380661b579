import Foundation
import GRDB
import LedgerCore

/// `HarvestRepository` on SQLite: tables `harvest_source`, `harvest_record` and `harvest_run` (migrations v11, v13).
struct SQLiteHarvests: HarvestRepository {
    let database: AppDatabase
    let codes: CodeLists

    func addSource(_ source: HarvestSource, by actor: Actor) async throws -> HarvestSource {
        let issues = source.issues(codes: codes)
        return try await database.writer.write { db in
            let system = source.profile.system.flatMap { $0.isEmpty ? nil : $0 }
            let missing = try system.map { try Int.fetchOne(db, sql: "SELECT count(*) FROM system WHERE key = ?", arguments: [$0]) == 0 } ?? false
            try source.check(issues, systemMissing: missing)
            var added = source
            added.createdAt = Ledger.timestamp()
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM harvest_source WHERE name = ?", arguments: [source.name]) == 0 else {
                throw source.nameTaken
            }
            try db.execute(
                sql: "INSERT INTO harvest_source (name, location, kind, profile, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [source.name, source.location, source.kind.rawValue, try CanonicalJSON.text(source.profile), added.createdAt])
            added.id = db.lastInsertedRowID
            try AuditLog.record(
                db, actor: actor, action: "create", entity: "harvest_source", key: source.name, old: nil as HarvestSource?, new: added)
            return added
        }
    }

    func sources() async throws -> [HarvestSource] {
        try await database.writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM harvest_source ORDER BY name").map(Self.source) }
    }

    func source(named name: String) async throws -> HarvestSource {
        try await database.writer.read { db in try Self.source(named: name, in: db) }
    }

    static func source(named name: String, in db: Database) throws -> HarvestSource {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM harvest_source WHERE name = ?", arguments: [name]) else {
            throw LedgerError.notFound("采集来源", name)
        }
        return try source(row)
    }

    static func source(_ row: Row) throws -> HarvestSource {
        HarvestSource(
            id: row["id"], name: row["name"], location: row["location"], kind: HarvestKind(rawValue: row["kind"]) ?? .dcat,
            profile: try CanonicalJSON.decoder.decode(HarvestProfile.self, from: Data((row["profile"] as String).utf8)),
            createdAt: row["created_at"])
    }

    func removeSource(named name: String, by actor: Actor) async throws {
        try await database.writer.write { db in
            let source = try Self.source(named: name, in: db)
            try db.execute(sql: "DELETE FROM harvest_source WHERE id = ?", arguments: [source.id])
            try AuditLog.record(db, actor: actor, action: "delete", entity: "harvest_source", key: name, old: source, new: nil as HarvestSource?)
        }
    }

    func records(source id: Int64) async throws -> [String: HarvestRecord] {
        try await database.writer.read { db in
            var records: [String: HarvestRecord] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM harvest_record WHERE source_id = ?", arguments: [id]) {
                records[row["identifier"]] = HarvestRecord(
                    identifier: row["identifier"], resourceCode: row["resource_key"], contentSha256: row["content_sha256"],
                    withdrawnRun: row["withdrawn_run"], sourceModified: row["source_modified"], writtenRun: row["run_id"])
            }
            return records
        }
    }

    func startRun(source id: Int64) async throws -> HarvestRun {
        try await database.writer.write { db in
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM harvest_run WHERE source_id = ? AND state = 'running'", arguments: [id]) ?? 0 > 0 {
                throw HarvestRun.sourceBusy
            }
            try db.execute(
                sql: "INSERT INTO harvest_run (source_id, started_at, state) VALUES (?, ?, 'running')", arguments: [id, Ledger.timestamp()])
            return try Self.run(id: db.lastInsertedRowID, withReport: false, in: db)
        }
    }

    func finishRun(_ id: Int64, report: [HarvestOutcome], records: [HarvestRecord], since: String?, cursor: String?) async throws -> HarvestRun {
        try await database.writer.write { db in
            let run = try Self.run(id: id, withReport: false, in: db)
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO harvest_record (source_id, identifier, resource_key, content_sha256, withdrawn_run, source_modified, run_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (source_id, identifier) DO UPDATE SET resource_key = excluded.resource_key,
                        content_sha256 = excluded.content_sha256, withdrawn_run = excluded.withdrawn_run,
                        source_modified = excluded.source_modified, run_id = excluded.run_id
                    """)
            for record in records {
                try upsert.execute(arguments: [
                    run.sourceId, record.identifier, record.resourceCode, record.contentSha256, record.withdrawnRun, record.sourceModified,
                    record.writtenRun
                ])
            }
            let counts = Dictionary(grouping: report, by: \.result.rawValue).mapValues(\.count)
            try db.execute(
                sql: "UPDATE harvest_run SET state = 'done', finished_at = ?, counts = ?, report = ?, since = ?, cursor = ? WHERE id = ?",
                arguments: [Ledger.timestamp(), try CanonicalJSON.text(counts), try CanonicalJSON.text(report), since, cursor, id])
            return try Self.run(id: id, withReport: true, in: db)
        }
    }

    func cursor(source id: Int64) async throws -> String? {
        try await database.writer.read { db in
            try String.fetchOne(
                db, sql: "SELECT cursor FROM harvest_run WHERE source_id = ? AND state = 'done' ORDER BY id DESC LIMIT 1", arguments: [id])
        }
    }

    func failRun(_ id: Int64, error: String) async throws {
        try await database.writer.write { db in
            try db.execute(
                sql: "UPDATE harvest_run SET state = 'failed', finished_at = ?, error = ? WHERE id = ?",
                arguments: [Ledger.timestamp(), String(error.prefix(FieldLimits.maxLongText)), id])
        }
    }

    func runs(source id: Int64?, limit: Int) async throws -> [HarvestRun] {
        try await database.writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT r.id, r.source_id, s.name, r.started_at, r.finished_at, r.state, r.error, r.counts, '[]' AS report, r.since, r.cursor
                    FROM harvest_run r JOIN harvest_source s ON s.id = r.source_id WHERE ?1 IS NULL OR r.source_id = ?1
                    ORDER BY r.id DESC LIMIT ?2
                    """, arguments: [id, min(max(limit, 1), 500)]
            ).map(Self.run)
        }
    }

    func provenance(resource code: String) async throws -> HarvestProvenance? {
        try await database.writer.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT s.name, s.location, r.run_id, u.started_at FROM harvest_record r JOIN harvest_source s ON s.id = r.source_id
                    LEFT JOIN harvest_run u ON u.id = r.run_id WHERE r.resource_key = ? ORDER BY r.run_id DESC LIMIT 1
                    """, arguments: [code]
            ).map { HarvestProvenance(source: $0["name"], location: $0["location"], run: $0["run_id"], writtenAt: $0["started_at"]) }
        }
    }

    func holdings() async throws -> [Int64: HarvestHoldings] {
        try await database.writer.read { db in
            var holdings: [Int64: HarvestHoldings] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT h.source_id, r.state, r.share_type, count(*) AS n FROM harvest_record h JOIN resource r ON r.key = h.resource_key
                    GROUP BY h.source_id, r.state, r.share_type
                    """)
            {
                let (source, count): (Int64, Int) = (row["source_id"], row["n"])
                guard let state = CatalogState(rawValue: row["state"]) else { continue }  // the store writes only known states
                holdings[source, default: HarvestHoldings()].byState[state, default: 0] += count
                holdings[source, default: HarvestHoldings()].byShareType[row["share_type"], default: 0] += count
            }
            return holdings
        }
    }

    func run(id: Int64) async throws -> HarvestRun {
        try await database.writer.read { db in try Self.run(id: id, withReport: true, in: db) }
    }

    static func run(id: Int64, withReport: Bool, in db: Database) throws -> HarvestRun {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT r.id, r.source_id, s.name, r.started_at, r.finished_at, r.state, r.error, r.counts,
                        CASE WHEN ? THEN r.report ELSE '[]' END AS report, r.since, r.cursor
                    FROM harvest_run r JOIN harvest_source s ON s.id = r.source_id WHERE r.id = ?
                    """, arguments: [withReport, id])
        else { throw LedgerError.notFound("采集记录", String(id)) }
        return try run(row)
    }

    static func run(_ row: Row) throws -> HarvestRun {
        HarvestRun(
            id: row["id"], sourceId: row["source_id"], sourceName: row["name"], startedAt: row["started_at"], finishedAt: row["finished_at"],
            state: row["state"], error: row["error"],
            counts: try CanonicalJSON.decoder.decode([String: Int].self, from: Data((row["counts"] as String).utf8)),
            report: try CanonicalJSON.decoder.decode([HarvestOutcome].self, from: Data((row["report"] as String).utf8)), since: row["since"],
            cursor: row["cursor"])
    }
}
