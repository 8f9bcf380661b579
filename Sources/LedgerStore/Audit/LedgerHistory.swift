import Compliance
import Foundation
import GRDB
import LedgerCore

/// The ledger's records as they stood at a moment, rebuilt from the audit trail (issue 16, `--ledger-at`): every write
/// to a record table left an entry, so each record is its creation (the whole record, `*`) with every later change up
/// to that moment applied in order, and a record deleted by then is gone. A change names its field by path and gives
/// the new value as the audit trail writes it: text as it is, anything else as canonical JSON. Which one a value is
/// follows from the value the field had before, else from the record as it is today; a field that has neither is read
/// as JSON when it parses as such, and as text when the record then refuses it (`decoded`). Of a resource only what
/// an evaluation reads is kept (`resourceFields`, and the number of its data items): a province's catalog is most of
/// the trail, and its memory.
struct LedgerHistory {
    /// The fields of a resource an evaluation reads (`ResourceFacts`, and the system it belongs to).
    static let resourceFields: Set<String> = ["code", "name", "shareType", "state", "systemCode"]

    /// The records of each table by key, as JSON trees.
    private var records: [String: [String: JSONValue]] = [:]
    /// The values read as JSON for want of a type, by table, key and path, with their text.
    private var guessed: [String: [String: [String: String]]] = [:]
    /// The number of each resource's data items, which its tree holds no more: an evaluation needs only the number,
    /// and the items are most of a catalog's bytes.
    private var itemCounts: [String: Int] = [:]

    /// The records as they stood before `end` (an ISO 8601 instant in UTC, as the audit trail writes times); `progress`
    /// hears now and then how far the trail is read (the entry's number, and the last one's).
    static func at(before end: String, in db: Database, progress: (Int, Int) -> Void) throws -> LedgerHistory {
        // In the trail's order (`+entity` keeps SQLite from reading by the record index and sorting the whole trail in a
        // temporary file: at a province, most of the time of a restore).
        let last = try Int.fetchOne(db, sql: "SELECT max(seq) FROM audit_entry") ?? 0
        let entries = try Row.fetchCursor(
            db,
            sql: """
                SELECT seq, action, entity, key, changes FROM audit_entry
                WHERE at < ? AND +entity IN ('unit', 'project', 'system', 'resource') ORDER BY seq
                """, arguments: [end])
        return try replay(
            last: last,
            next: {
                try entries.next().map { Entry(seq: $0["seq"], action: $0["action"], table: $0["entity"], key: $0["key"], changes: $0["changes"]) }
            },
            stored: { table, key in try String.fetchOne(db, sql: "SELECT body FROM \(table) WHERE key = ?", arguments: [key]) },
            progress: progress)
    }

    /// An audit entry of a record table, as the history replays it.
    struct Entry {
        var seq: Int
        var action: String
        var table: String
        var key: String
        var changes: String
    }

    /// The records that the entries `next` gives (in the trail's order, up to the moment) make; `stored` reads a
    /// record's text as stored today, for the type of a value; `last` is the trail's last entry, for `progress`.
    static func replay(
        last: Int, next: () throws -> Entry?, stored: (String, String) throws -> String?, progress: (Int, Int) -> Void
    ) throws -> LedgerHistory {
        var history = LedgerHistory()
        var read = 0
        while let entry = try next() {
            read += 1
            if read % 20_000 == 0 { progress(entry.seq, last) }
            try history.apply(action: entry.action, table: entry.table, key: entry.key, changes: try Self.changes(entry.changes)) {
                try stored(entry.table, entry.key).map { try JSONValue(parsing: $0) }
            }
        }
        progress(last, last)
        return history
    }

    /// An entry's changes as the audit trail writes them (a JSON array of `field`, `old` and `new`), read with the direct
    /// parser: at a province the trail is gigabytes, and `JSONDecoder` took nine tenths of a restore.
    static func changes(_ text: String) throws -> [FieldChange] {
        guard let items = try JSONValue(parsing: text).arrayValue else { throw LedgerError(.conflict, "审计记录的变更不是列表") }
        return try items.map { item in
            guard let field = item["field"]?.stringValue else { throw LedgerError(.conflict, "审计记录的变更缺少字段名") }
            return FieldChange(field: field, old: item["old"]?.stringValue, new: item["new"]?.stringValue)
        }
    }

    /// Applies one entry; `stored` reads the record as stored today (`nil` once deleted), only when a value's type must
    /// come from it.
    private mutating func apply(
        action: String, table: String, key: String, changes: [FieldChange], stored: () throws -> JSONValue?
    ) throws {
        if action == "delete" {
            records[table]?[key] = nil
            guessed[table]?[key] = nil
            if table == CatalogResource.table { itemCounts[key] = nil }
            return
        }
        if action == "create" {
            (records[table, default: [:]][key], guessed[table, default: [:]][key]) = (.object([:]), nil)
        }
        let isResource = table == CatalogResource.table
        guard var record = records[table]?[key] else {
            throw LedgerError(
                .conflict, "审计记录无法还原：\(table) \(key) 在创建之前就有“\(action)”记录，请先运行审计校验")
        }
        var today: JSONValue?? = .none  // the stored record, read once when a value's type must come from it
        for change in changes {
            if change.field == "*" {
                guard let text = change.new else { continue }
                record = try JSONValue(parsing: text)
                if isResource {
                    itemCounts[key] = record.value(at: "items")?.arrayValue?.count ?? 0
                    record = .object((record.objectValue ?? [:]).filter { Self.resourceFields.contains($0.key) })
                }
                continue
            }
            if isResource {
                if change.field == "items" {
                    let items = try change.new.map { try JSONValue(parsing: $0) }
                    itemCounts[key] = items?.arrayValue?.count ?? 0
                }
                guard Self.resourceFields.contains(String(change.field.prefix { $0 != "." && $0 != "[" })) else { continue }
            }
            guard let text = change.new else {
                record.set(.null, at: Substring(change.field))
                continue
            }
            var model = record.value(at: change.field)
            if model == nil || model == .null {
                if today == nil { today = .some(try stored()) }
                model = today??.value(at: change.field)
            }
            switch model {
            case .string?: record.set(.string(text), at: Substring(change.field))
            case let model? where model != .null:
                record.set(try JSONValue(parsing: text), at: Substring(change.field))
            default:
                record.set(Self.guess(text), at: Substring(change.field))
                guessed[table, default: [:]][key, default: [:]][change.field] = text
            }
        }
        records[table]?[key] = record
    }

    /// How many data items resource `key` had.
    func itemCount(ofResource key: String) -> Int { itemCounts[key] ?? 0 }

    /// A value without a type to go by: JSON when it parses as an array, object, number or boolean, else text.
    private static func guess(_ text: String) -> JSONValue {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: text)
        } catch {
            return .string(text)  // not JSON: the text itself
        }
        return value != .null && value.stringValue == nil ? value : .string(text)
    }

    /// What an evaluation reads of the resources as they stood, by the code of their system, in key order.
    func resourceFacts() throws -> [String: [ResourceFacts]] {
        var facts: [String: [ResourceFacts]] = [:]
        let decoder = JSONValueDecoder()
        for (key, tree) in (records[CatalogResource.table] ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let system = tree.value(at: "systemCode")?.stringValue else {
                throw LedgerError(.conflict, "无法从审计记录还原\(CatalogResource.label)“\(key)”：缺少来源系统")
            }
            do { facts[system, default: []].append(try decoder.decode(ResourceFacts.self, from: tree)) } catch let error as DecodingError {
                let problem = DecodingProblem.issue(for: error)
                let what = "\(CatalogResource.label)“\(key)”"
                throw LedgerError(.conflict, "无法从审计记录还原\(what)：\(problem.message)（\(problem.field)）")
            }
        }
        return facts
    }

    /// The records of one table as they stood, in key order. A value read as JSON that the record refuses where text
    /// belongs is read again as the text it was.
    func decoded<E: StoredEntity>(_ type: E.Type) throws -> [E] {
        try (records[E.table] ?? [:]).sorted { $0.key < $1.key }.map { key, tree in
            var tree = tree
            var guesses = guessed[E.table]?[key] ?? [:]
            while true {
                do {
                    return try JSONValueDecoder().decode(E.self, from: tree)
                } catch let error as DecodingError {
                    let problem = DecodingProblem.issue(for: error)
                    guard case .typeMismatch(let expected, _) = error, expected == String.self,
                        let text = guesses.removeValue(forKey: problem.field)
                    else {
                        throw LedgerError(.conflict, "无法从审计记录还原\(E.label)“\(key)”：\(problem.message)（\(problem.field)）")
                    }
                    tree.set(.string(text), at: Substring(problem.field))
                }
            }
        }
    }
}
