import Compliance
import Foundation
import GRDB
import LedgerCore

/// A stored batch of funding decisions: what finance saw, with the inputs to replay it.
public struct FundingBatch: Codable, Sendable {
    public var id: Int64
    public var createdAt: String
    public var fiscalYear: Int
    public var asOf: CivilDate
    public var policyVersion: String
    /// How many systems got each status, per fund (`construction`, `operations` → status → count).
    public var counts: [String: [String: Int]]
    public var decisions: [FundingDecision]
    /// The moment the batch took the ledger at, as given (`--ledger-at`: a day or an instant), when it did not take
    /// the ledger as it was when it ran.
    public var ledgerAt: String?
    /// The earlier batch whose decisions this one took for systems whose inputs had not changed, and how many it took.
    public var reusedFrom: Int64?
    public var reused: Int?
    /// Where the next page of decisions is, when `decisions` is one page of them (the API's answer).
    public var next: String?
}

/// The moment a ledger is taken at (`--ledger-at`): the end of a day, Beijing time, or an ISO 8601 instant with its
/// offset. Rebuilt from the audit trail (`LedgerHistory`), the ledger holds every write made before it.
public struct LedgerMoment: Sendable, Equatable {
    /// As given.
    public let text: String
    /// The first instant after the moment, as the audit trail writes times (UTC): writes made before it count.
    let end: String

    /// The moment `text` names, or `nil` when it is neither a date nor an instant from 2000 to 2100.
    public init?(_ text: String) {
        self.text = text
        if let day = CivilDate(text) {
            guard (2000...2100).contains(day.year) else { return nil }
            end = SQLiteEvaluations.endOfDay(day)
            return
        }
        let instant: Date
        do {
            instant = try Date(text, strategy: .iso8601)
        } catch {
            return nil  // neither a date nor an instant: the caller refuses it, naming both forms
        }
        end = instant.addingTimeInterval(1).formatted(.iso8601)  // writes in its second count: times are to the second
        guard let year = Int(end.prefix(4)), (2000...2100).contains(year) else { return nil }
    }
}

/// What a list of a batch's decisions shows and sorts by, without the checks and evidence; stored beside each decision
/// (`evaluation_document.summary`), so that a province's list is read without decoding 50,000 decisions.
public struct FundingSummary: Codable, Sendable, Equatable {
    public var systemCode: String
    public var systemName: String
    public var unitUSCC: String
    public var construction: EligibilityStatus
    public var operations: EligibilityStatus
    public var omCap: Money
    /// The score in tenths, `nil` when no check was conclusive.
    public var scoreTenths: Int?
    /// The share of applicable checks that were conclusive, in tenths of a per cent.
    public var coverageTenths: Int
    /// Whether the data-shared-fresh check failed (data not updated on time, Art. 22(1)).
    public var dataStale: Bool
    /// The articles of the checks that block either fund, in order.
    public var articles: [String]

    /// The summary of `decision`.
    public init(_ decision: FundingDecision) {
        systemCode = decision.systemCode
        systemName = decision.systemName
        unitUSCC = decision.unitUSCC
        construction = decision.construction.status
        operations = decision.operations.status
        omCap = decision.omCap
        scoreTenths = decision.score.tenths
        coverageTenths = decision.score.coverageTenths
        dataStale = decision.checks.contains { $0.check == .dataSharedFresh && $0.status == .fail }
        articles = Set((decision.construction.blockers + decision.operations.blockers).map(\.article)).sorted()
    }

    /// The score as a table shows it, “—” without one.
    public var scoreText: String { scoreTenths.map(Score.format) ?? "—" }
    /// The coverage as a table shows it.
    public var coverageText: String { Score.format(coverageTenths) + "%" }
}

extension FundingSummary {
    /// The summary a stored summary's tree holds (as `write(to:)` wrote it), read field by field: a province's list reads
    /// 50,000 of them, in half the time `Decodable` takes. A summary that does not read is a damaged database.
    init(stored json: JSONValue) throws {
        let damaged = Self.damaged
        guard case .object(let fields) = json else { throw damaged }
        func text(_ key: String) throws -> String {
            guard case .string(let value)? = fields[key] else { throw damaged }
            return value
        }
        func status(_ key: String) throws -> EligibilityStatus {
            guard let status = EligibilityStatus(rawValue: try text(key)) else { throw damaged }
            return status
        }
        guard let omCap = Money(yuanText: try text("omCap")), case .int(let coverage)? = fields["coverageTenths"],
            case .bool(let dataStale)? = fields["dataStale"], case .array(let articles)? = fields["articles"]
        else { throw damaged }
        (systemCode, systemName, unitUSCC) = (try text("systemCode"), try text("systemName"), try text("unitUSCC"))
        (construction, operations, self.omCap, self.dataStale) = (try status("construction"), try status("operations"), omCap, dataStale)
        coverageTenths = Int(clamping: coverage)
        switch fields["scoreTenths"] {
        case nil, .null?: scoreTenths = nil
        case .int(let score)?: scoreTenths = Int(clamping: score)
        default: throw damaged
        }
        self.articles = try articles.map { article in
            guard case .string(let text) = article else { throw damaged }
            return text
        }
    }

    /// What a summary that does not read is, made once (a province's list reads 50,000 summaries).
    private static let damaged = LedgerError(
        .badRequest, "资金评估摘要无法读取（字段缺失或类型不符）；" + "请重放该批次（ybz funding --replay）检查")
}

extension FundingSummary: CanonicalJSONWritable {
    public func write(to json: inout CanonicalWriter) {
        json.object { json in
            json.field("articles", articles)
            json.field("construction", construction)
            json.field("coverageTenths", coverageTenths)
            json.field("dataStale", dataStale)
            json.field("omCap", omCap)
            json.field("operations", operations)
            json.field("scoreTenths", scoreTenths)
            json.field("systemCode", systemCode)
            json.field("systemName", systemName)
            json.field("unitUSCC", unitUSCC)
        }
    }
}

/// An evaluation input with the stored texts of its system and projects.
public struct StoredInput: Sendable {
    public var input: ComplianceInput
    var systemBody: String
    var projectBodies: [String]

    /// The input as sorted JSON, with the system's and projects' stored texts as they are instead of encoding the
    /// decoded records again (the costliest part of recording a province's batch); it decodes to `input`.
    func text() throws -> Data {
        let verdicts = try CanonicalJSON.encode(input.verdicts)
        var json = CanonicalWriter()
        // In key order, as sorted JSON has them; `nil`s left out.
        json.object { json in
            json.field("asOf", input.asOf)
            json.field("fiscalYear", input.fiscalYear)
            json.field("itemCounts", input.itemCounts)
            json.field("laterFacts", input.laterFacts)
            json.field("laterProbes", input.laterProbes)
            json.field("missingProjects", input.missingProjects)
            json.field("projects", encoded: ("[" + projectBodies.joined(separator: ",") + "]").utf8)
            json.field("resources", input.resources)
            json.field("system", encoded: systemBody.utf8)
            json.field("verdicts", encoded: verdicts)
            json.field("waivers", input.waivers)
        }
        return Data(json.bytes)
    }
}

/// A system's rows as an evaluation reads them, before its body is decoded.
struct StoredSystemRows: Sendable {
    var body: String
    var resources: [ResourceFacts]
    var itemCounts: [String: Int]
    var verdicts: [EvidenceVerdict]
    var laterProbes: [String: CivilDate]?
    var waivers: [Waiver]

    /// The inputs the stored rows decode to, on every core.
    static func decode(_ rows: [StoredSystemRows], projects: [String: String], asOf: CivilDate, fiscalYear: Int) async throws -> [StoredInput] {
        let decoder = JSONValueDecoder()
        return try await rows.concurrentMap { stored in
            try stored.decoded(projects: projects, asOf: asOf, fiscalYear: fiscalYear, decoder: decoder)
        }
    }

    /// The input these stored rows decode to.
    func decoded(projects: [String: String], asOf: CivilDate, fiscalYear: Int, decoder: JSONValueDecoder) throws -> StoredInput {
        // The stored texts are parsed to trees and decoded from them: two thirds of `JSONDecoder`'s time.
        let system = try decoder.decode(InfoSystem.self, from: try JSONValue(parsing: self.body))
        let projectBodies = system.projectCodes.compactMap { projects[$0] }
        var input = ComplianceInput(
            system: system,
            projects: try projectBodies.map { try decoder.decode(Project.self, from: try JSONValue(parsing: $0)) },
            missingProjects: system.projectCodes.filter { projects[$0] == nil }, resources: resources,
            itemCounts: itemCounts, verdicts: verdicts, waivers: waivers, asOf: asOf, fiscalYear: fiscalYear)
        input.laterProbes = laterProbes
        // A system with facts dated after the as-of date is stored as cut (rare: its body is encoded again).
        let body = input.cutAtAsOf() ? try CanonicalJSON.text(input.system) : self.body
        return StoredInput(input: input, systemBody: body, projectBodies: projectBodies)
    }
}

/// A waiver as stored, with its id and when it was granted.
public struct StoredWaiver: Codable, Sendable {
    public var id: Int64
    public var createdAt: String
    public var waiver: Waiver
}

extension StoredWaiver {
    /// Of `waivers`, those granted before `cutoff`, by system: one granted later was not in force then, whatever its dates.
    static func inForce(_ waivers: [StoredWaiver], before cutoff: String) -> [String: [Waiver]] {
        Dictionary(grouping: waivers.filter { $0.createdAt < cutoff }.map(\.waiver), by: \.systemCode)
    }
}

/// `EvaluationRepository` on SQLite.
public struct SQLiteEvaluations: EvaluationRepository {
    let database: AppDatabase

    /// The evaluations of `database`.
    public init(database: AppDatabase) { self.database = database }
}

extension SQLiteEvaluations {
    /// The ledger state and probe evidence of each system (or one, or one unit's) at `asOf`, for evaluations.
    /// One read transaction takes the stored rows (resources as their indexed columns, without bodies); the system
    /// and project bodies are decoded on every core afterwards.
    public func inputs(fiscalYear: Int, asOf: CivilDate, systemCode: String?, unitUSCC: String?) async throws -> [ComplianceInput] {
        try await storedInputs(fiscalYear: fiscalYear, asOf: asOf, systemCode: systemCode, unitUSCC: unitUSCC).map(\.input)
    }

    /// The inputs with the stored texts they were decoded from.
    public func storedInputs(fiscalYear: Int, asOf: CivilDate, systemCode: String?, unitUSCC: String?) async throws -> [StoredInput] {
        let cutoff = Self.cutoff(asOf: asOf, ledgerAt: nil)
        let (rows, projects) = try await database.writer.read { db in
            let filter = systemCode != nil ? "WHERE key = ?" : unitUSCC != nil ? "WHERE unit_key = ?" : ""
            let arguments: StatementArguments = (systemCode ?? unitUSCC).map { [$0] } ?? []
            let keys = try String.fetchAll(db, sql: "SELECT key FROM system \(filter) ORDER BY key", arguments: arguments)
            if let systemCode, keys.isEmpty { throw LedgerError.notFound(InfoSystem.label, systemCode) }
            return try Self.liveRows(keys, waivers: try Self.waivers(systemCode: systemCode, before: cutoff, in: db), cutoff: cutoff, in: db)
        }
        return try await StoredSystemRows.decode(rows, projects: projects, asOf: asOf, fiscalYear: fiscalYear)
    }

    /// Verdicts and waivers recorded after the as-of day, or after the moment the ledger is taken at, were no facts.
    static func cutoff(asOf: CivilDate, ledgerAt: LedgerMoment?) -> String {
        let endOfDay = Self.endOfDay(asOf)
        return ledgerAt.map { min($0.end, endOfDay) } ?? endOfDay
    }

    /// The stored rows of the systems `keys` (in key order, resources as their indexed columns with their item counts,
    /// without bodies) and the bodies of the projects they list.
    static func liveRows(
        _ keys: [String], waivers: [String: [Waiver]], cutoff: String, in db: Database
    ) throws -> ([StoredSystemRows], [String: String]) {
        let keyList = try FundingBasis.list(keys)
        let systems = try Row.fetchAll(
            db, sql: "SELECT key, body FROM system WHERE key IN (SELECT value FROM json_each(?)) ORDER BY key", arguments: [keyList])
        var projects: [String: String] = [:]
        let listed = try Row.fetchCursor(
            db,
            sql: """
                SELECT key, body FROM project WHERE key IN (SELECT p.value FROM system s, json_each(s.body, '$.projectCodes') p
                    WHERE s.key IN (SELECT value FROM json_each(?)))
                """, arguments: [keyList])
        while let row = try listed.next() { projects[row["key"]] = row["body"] }
        let resources = try db.cachedStatement(
            sql: """
                SELECT key, name, share_type, state, \(DataItemRows.count(ofResource: "r.id")) AS items FROM resource r
                WHERE system_key = ? ORDER BY key
                """)
        let rows = try systems.map { system in
            let code: String = system["key"]
            var facts: [ResourceFacts] = []
            var itemCounts: [String: Int] = [:]
            let cursor = try Row.fetchCursor(resources, arguments: [code])
            // Columns by position, as selected: a province's 1.2 million resource rows, each looked up by name, were a
            // fiftieth of a funding batch.
            while let row = try cursor.next() {
                let key: String = row[0]
                let state = CatalogState(rawValue: row[3]) ?? .draft
                facts.append(ResourceFacts(code: key, name: row[1], shareType: row[2], state: state))
                itemCounts[key] = row[4]
            }
            return try Self.systemRows(
                code: code, body: system["body"], resources: facts, itemCounts: itemCounts, waivers: waivers[code] ?? [], cutoff: cutoff,
                in: db)
        }
        return (rows, projects)
    }

    /// A system's rows with the probe evidence recorded before `cutoff`: the newest verdicts, and the probes run only
    /// later (`laterProbes`).
    private static func systemRows(
        code: String, body: String, resources: [ResourceFacts], itemCounts: [String: Int], waivers: [Waiver], cutoff: String,
        in db: Database
    ) throws -> StoredSystemRows {
        let verdicts = try latestVerdicts(systemCode: code, before: cutoff, in: db)
        return StoredSystemRows(
            body: body, resources: resources, itemCounts: itemCounts, verdicts: verdicts,
            laterProbes: try laterProbes(systemCode: code, from: cutoff, besides: verdicts, in: db), waivers: waivers)
    }

    /// The rows of the systems (every one, or one) and of every project as they stood at `moment`, rebuilt from the
    /// audit trail (`LedgerHistory`, whose reading `progress` hears of); verdicts and waivers before `cutoff`.
    static func historicRows(
        at moment: LedgerMoment, cutoff: String, systemCode: String?, in db: Database, progress: (Int, Int) -> Void
    ) throws -> ([StoredSystemRows], [String: String]) {
        let history = try LedgerHistory.at(before: moment.end, in: db, progress: progress)
        let systems = try history.decoded(InfoSystem.self).filter { system in systemCode.map { $0 == system.code } ?? true }
        if let systemCode, systems.isEmpty { throw LedgerError.notFound(InfoSystem.label, systemCode) }
        var projects: [String: String] = [:]
        for project in try history.decoded(Project.self) { projects[project.code] = try CanonicalJSON.text(project) }
        let resources = try history.resourceFacts()
        let waivers = try Self.waivers(systemCode: systemCode, before: cutoff, in: db)
        return (
            try systems.map { system in
                let own = resources[system.code] ?? []
                return try systemRows(
                    code: system.code, body: try CanonicalJSON.text(system), resources: own,
                    itemCounts: Dictionary(uniqueKeysWithValues: own.map { ($0.code, history.itemCount(ofResource: $0.code)) }),
                    waivers: waivers[system.code] ?? [], cutoff: cutoff, in: db)
            }, projects
        )
    }

    /// The waivers granted before `cutoff`, by system: one granted later was not in force then, whatever its dates.
    static func waivers(systemCode: String?, before cutoff: String, in db: Database) throws -> [String: [Waiver]] {
        StoredWaiver.inForce(try waivers(systemCode: systemCode, in: db), before: cutoff)
    }

    /// The newest verdict per probe target checked before `cutoff`, preferring a verdict that was not skipped.
    static func latestVerdicts(systemCode: String, before cutoff: String, in db: Database) throws -> [EvidenceVerdict] {
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT id, run_id, platform, probe, target, outcome, body FROM probe_verdict
                    WHERE system_key = ? AND checked_at < ? ORDER BY id DESC
                    """), arguments: [systemCode, cutoff])
        var latest = LatestVerdicts()
        while let row = try rows.next() {
            try latest.add(
                id: row["id"], runId: row["run_id"], target: "\(row["platform"] as String)|\(row["probe"] as String)|\(row["target"] as String)",
                outcome: row["outcome"], body: row["body"])
        }
        return latest.verdicts
    }

    /// The probes (`platform/probe`) of a system that ran only from `cutoff` on, with the day (in China) each first ran
    /// then; `nil` when there are none, so that such an input is the same as before this fact was recorded.
    static func laterProbes(
        systemCode: String, from cutoff: String, besides verdicts: [EvidenceVerdict], in db: Database
    ) throws -> [String: CivilDate]? {
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT platform, probe, min(checked_at) AS first FROM probe_verdict
                    WHERE system_key = ? AND checked_at >= ? GROUP BY platform, probe
                    """
            ), arguments: [systemCode, cutoff])
        return try LatestVerdicts.laterProbes(rows.map { ("\($0["platform"] as String)/\($0["probe"] as String)", $0["first"]) }, besides: verdicts)
    }

    /// The instant the as-of day ends in China, as stored verdict times are written.
    static func endOfDay(_ day: CivilDate) -> String {
        day.adding(days: 1).start().formatted(.iso8601)
    }

    // MARK: Waivers

    /// Records a waiver; the system must exist and the reason and approver must be given.
    public func addWaiver(_ waiver: Waiver, by actor: Actor) async throws -> StoredWaiver {
        try EvaluationRules.check(waiver)
        let body = try CanonicalJSON.text(waiver)
        let created = Date().formatted(.iso8601)
        return try await database.writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM system WHERE key = ?", arguments: [waiver.systemCode]) != nil else {
                throw LedgerError.notFound(InfoSystem.label, waiver.systemCode)
            }
            try db.execute(
                sql: "INSERT INTO waiver (system_key, check_id, expires_on, created_at, body) VALUES (?, ?, ?, ?, ?)",
                arguments: [waiver.systemCode, waiver.check.rawValue, waiver.expiresOn.description, created, body])
            let id = db.lastInsertedRowID
            try AuditLog.record(
                db, actor: actor, action: "grant", entity: "waiver", key: EvaluationRules.auditKey(waiver, id: id), old: nil as Waiver?, new: waiver)
            return StoredWaiver(id: id, createdAt: created, waiver: waiver)
        }
    }

    /// Waivers of one system, or all, newest first.
    public func waivers(systemCode: String?) async throws -> [StoredWaiver] {
        try await database.writer.read { db in try Self.waivers(systemCode: systemCode, in: db) }
    }

    static func waivers(systemCode: String?, in db: Database) throws -> [StoredWaiver] {
        let filter = systemCode == nil ? "" : "WHERE system_key = ?"
        let rows = try Row.fetchAll(
            db, sql: "SELECT id, created_at, body FROM waiver \(filter) ORDER BY id DESC",
            arguments: systemCode.map { [$0] } ?? [])
        return try rows.map { row in
            StoredWaiver(
                id: row["id"], createdAt: row["created_at"],
                waiver: try CanonicalJSON.decoder.decode(Waiver.self, from: Data((row["body"] as String).utf8)))
        }
    }
}

/// A stored pre-acceptance review.
public struct StoredReview: Codable, Sendable {
    public var id: Int64
    public var createdAt: String
    public var report: ReviewReport
}

extension SQLiteEvaluations {
    /// Stores a review report with its input; returns its id.
    public func recordReview(_ report: ReviewReport, input: ComplianceInput, by actor: Actor) async throws -> StoredReview {
        let inputJSON = try CanonicalJSON.text(input)
        let reportJSON = try CanonicalJSON.text(report)
        let created = Date().formatted(.iso8601)
        return try await database.writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO evaluation_batch (kind, fiscal_year, as_of, policy_version, created_at, summary) VALUES ('review', NULL, ?, ?, ?, ?)
                    """, arguments: [report.inputs.asOf.description, report.inputs.policyVersion, created, report.recommendation.rawValue])
            let batch = db.lastInsertedRowID
            try db.execute(
                sql: "INSERT INTO evaluation (batch_id, system_key, input, result) VALUES (?, ?, ?, ?)",
                arguments: [batch, report.systemCode, inputJSON, reportJSON])
            try AuditLog.record(
                db, actor: actor, action: "review", entity: "review", key: String(batch), old: nil as [String: String]?,
                new: EvaluationRules.auditRecord(report))
            return StoredReview(id: batch, createdAt: created, report: report)
        }
    }

    /// Records the reviewer's decision on review `id`, once.
    public func decideReview(id: Int64, decision: ReviewDecision, by actor: Actor) async throws -> StoredReview {
        try EvaluationRules.check(decision)
        return try await database.writer.write { db in
            var stored = try Self.review(id: id, in: db)
            stored.report = try EvaluationRules.decided(stored.report, id: id, decision: decision)
            try db.execute(sql: "UPDATE evaluation SET result = ? WHERE batch_id = ?", arguments: [try CanonicalJSON.text(stored.report), id])
            try db.execute(sql: "UPDATE evaluation_batch SET summary = ? WHERE id = ?", arguments: [decision.outcome.rawValue, id])
            try AuditLog.record(db, actor: actor, action: "decide", entity: "review", key: String(id), old: nil as ReviewDecision?, new: decision)
            return stored
        }
    }

    /// One stored review.
    public func review(id: Int64) async throws -> StoredReview {
        try await database.writer.read { db in try Self.review(id: id, in: db) }
    }

    /// A page of reviews, of one system or of all, newest first.
    public func reviews(systemCode: String?, page: PageRequest) async throws -> Page<StoredReview> {
        let condition = systemCode == nil ? "" : "AND e.system_key = ?"
        let filter = StatementArguments(systemCode.map { [$0] } ?? [])
        return try await database.writer.read { db in
            let from = "FROM evaluation_batch b JOIN evaluation e ON e.batch_id = b.id WHERE b.kind = 'review' \(condition)"
            let total = try Int.fetchOne(db, sql: "SELECT count(*) \(from)", arguments: filter) ?? 0
            let ids = try Int64.fetchAll(
                db, sql: "SELECT b.id \(from) ORDER BY b.id DESC LIMIT ? OFFSET ?", arguments: filter + [page.limit, page.offset])
            return Page(items: try ids.map { try Self.review(id: $0, in: db) }, total: total, limit: page.limit, offset: page.offset)
        }
    }

    static func review(id: Int64, in db: Database) throws -> StoredReview {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT b.created_at, e.result FROM evaluation_batch b JOIN evaluation e ON e.batch_id = b.id WHERE b.id = ? AND b.kind = 'review'
                    """, arguments: [id])
        else { throw LedgerError.notFound("验收前置审查", String(id)) }
        return StoredReview(
            id: id, createdAt: row["created_at"],
            report: try CanonicalJSON.decoder.decode(ReviewReport.self, from: Data((row["result"] as String).utf8)))
    }
}
