import Foundation
import GRDB
import LedgerCore

/// What a whole-ledger funding batch read (issue 16): the context it decided under and how far each source of its
/// inputs reached: the audit trail (every write to a system, resource with its data items, or project leaves an entry),
/// the probe verdicts, the prunes of verdicts (`verdict_prune`) and the waivers; none of them is ever rewritten, and
/// their ids only grow. A later batch for the same year, as-of date and context needs to decide again
/// only the systems that a source names after these marks (`changedSystems`); every other system's input is the same,
/// and so is its decision. Stored as JSON in `evaluation_batch.basis`.
struct FundingBasis: Codable, Sendable, Equatable {
    /// `ComplianceContext.fingerprint`.
    var context: String
    var auditSeq: Int64
    var verdictId: Int64
    var pruneSeq: Int64
    var waiverId: Int64
    /// The batch whose decisions this one reused, and how many it reused unchanged.
    var reusedFrom: Int64?
    var reused: Int?

    /// The marks of the database as `db` sees it.
    static func read(context: String, in db: Database) throws -> FundingBasis {
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT (SELECT ifnull(max(seq), 0) FROM audit_entry) AS audit, (SELECT ifnull(max(id), 0) FROM probe_verdict) AS verdict,
                    (SELECT ifnull(max(seq), 0) FROM verdict_prune) AS prune, (SELECT ifnull(max(id), 0) FROM waiver) AS waiver
                """)
        guard let marks = row else { throw LedgerError(.conflict, "无法读取评估依据的记录位置") }
        return FundingBasis(
            context: context, auditSeq: marks["audit"], verdictId: marks["verdict"], pruneSeq: marks["prune"], waiverId: marks["waiver"])
    }

    /// The systems whose inputs may differ between this basis and the later `now`: every system that an audit entry of
    /// a system, resource or project, a verdict, a prune of verdicts or a waiver names between the two (a resource names
    /// the system it is in and any it moved from; a project, the systems that list it).
    func changedSystems(until now: FundingBasis, in db: Database) throws -> Set<String> {
        var named = NamedRecords()
        // By the range of `seq` (`+entity`: not by the index on entity and key, which reads every entry of a system,
        // resource or project ever written: a quarter of a second on a province, twice a batch).
        let entries = try Row.fetchCursor(
            db,
            sql: """
                SELECT entity, key, changes FROM audit_entry WHERE seq > ? AND seq <= ? AND +entity IN ('system', 'resource', 'project')
                """, arguments: [auditSeq, now.auditSeq])
        while let entry = try entries.next() { try named.note(entity: entry["entity"], key: entry["key"], changes: entry["changes"]) }
        var systems = named.systems
        let (resources, projects) = (named.resources, named.projects)
        let inList = "IN (SELECT value FROM json_each(?))"
        systems.formUnion(
            try String.fetchAll(db, sql: "SELECT system_key FROM resource WHERE key \(inList)", arguments: [try Self.list(resources)]))
        if !projects.isEmpty {
            systems.formUnion(
                try String.fetchAll(
                    db, sql: "SELECT s.key FROM system s, json_each(s.body, '$.projectCodes') p WHERE p.value \(inList)",
                    arguments: [try Self.list(projects)]))
        }
        systems.formUnion(
            try String.fetchAll(
                db, sql: "SELECT DISTINCT system_key FROM probe_verdict WHERE id > ? AND id <= ?", arguments: [verdictId, now.verdictId]))
        systems.formUnion(
            try String.fetchAll(
                db, sql: "SELECT DISTINCT system_key FROM verdict_prune WHERE seq > ? AND seq <= ?", arguments: [pruneSeq, now.pruneSeq]))
        systems.formUnion(
            try String.fetchAll(db, sql: "SELECT DISTINCT system_key FROM waiver WHERE id > ? AND id <= ?", arguments: [waiverId, now.waiverId]))
        return systems
    }

    /// The systems, resources and projects that audit entries name, and the systems a resource's changes name.
    struct NamedRecords {
        var systems = Set<String>()
        var resources = Set<String>()
        var projects = Set<String>()

        /// Notes an entry of `entity` (system, resource or project) for `key` with its `changes` as stored.
        mutating func note(entity: String, key: String, changes: String) throws {
            switch entity {
            case InfoSystem.table: systems.insert(key)
            case Project.table: projects.insert(key)
            default:
                resources.insert(key)
                let changes = try CanonicalJSON.decoder.decode([FieldChange].self, from: Data(changes.utf8))
                systems.formUnion(try changes.flatMap(FundingBasis.systemCodes))
            }
        }
    }

    /// The systems a resource's change names: the old and new system of a move, the system of a whole record.
    private static func systemCodes(_ change: FieldChange) throws -> [String] {
        switch change.field {
        case "systemCode": return [change.old, change.new].compactMap { $0 }
        case "*":
            return try [change.old, change.new].compactMap { text in
                guard let text else { return nil }
                return try CanonicalJSON.decoder.decode(JSONValue.self, from: Data(text.utf8)).value(at: "systemCode")?.stringValue
            }
        default: return []
        }
    }

    /// Keys as a JSON array, for `json_each`.
    static func list(_ keys: some Collection<String>) throws -> String { try CanonicalJSON.text(keys.sorted()) }
}
