import Foundation
import GRDB
import LedgerCore

/// The ledger's records as they stood at a moment, rebuilt from the audit trail (issue 16, `--ledger-at`): every write
/// to a record table left an entry, so each record is its creation (the whole record, `*`) with every later change up
/// to that moment applied in order, and a record deleted by then is gone. A change names its field by path and gives
/// the new value as the audit trail writes it: text as it is, anything else as canonical JSON. Which one a value is
/// follows from the value the field had before, else from the record as it is today; a field that has neither is read
/// as JSON when it parses as such, and as text when the record then refuses it (`decoded`).
struct LedgerHistory {
    /// The records of each table by key, as JSON trees.
    private var records: [String: [String: JSONValue]] = [:]
    /// The values read as JSON for want of a type, by table, key and path, with their text.
    private var guessed: [String: [String: [String: String]]] = [:]
    /// The number of each resource's data items, which its tree holds no more: an evaluation needs only the number,
    /// and the items are most of a catalog's bytes.
    private var itemCounts: [String: Int] = [:]

    /// The records as they stood before `end` (an ISO 8601 instant in UTC, as the audit trail writes times).
    static func at(before end: String, in db: Database) throws -> LedgerHistory {
        var history = LedgerHistory()
        let entries = try Row.fetchCursor(
            db,
            sql: """
                SELECT action, entity, key, changes FROM audit_entry
                WHERE at < ? AND entity IN ('unit', 'project', 'system', 'resource') ORDER BY seq
                """, arguments: [end])
        while let entry = try entries.next() {
            let changes = try CanonicalJSON.decoder.decode([FieldChange].self, from: Data((entry["changes"] as String).utf8))
            try history.apply(action: entry["action"], table: entry["entity"], key: entry["key"], changes: changes, in: db)
        }
        return history
    }

    private mutating func apply(action: String, table: String, key: String, changes: [FieldChange], in db: Database) throws {
        if action == "delete" {
            records[table]?[key] = nil
            guessed[table]?[key] = nil
            if table == CatalogResource.table { itemCounts[key] = nil }
            return
        }
        if action == "create" {
            (records[table, default: [:]][key], guessed[table, default: [:]][key]) = (.object([:]), nil)
        }
        guard var record = records[table]?[key] else {
            throw LedgerError(
                .conflict, "审计记录无法还原：\(table) \(key) 在创建之前就有“\(action)”记录，请先运行审计校验")
        }
        var today: JSONValue?? = .none  // the stored record, read once when a value's type must come from it
        for change in changes {
            if change.field == "*" {
                guard let text = change.new else { continue }
                record = try CanonicalJSON.decoder.decode(JSONValue.self, from: Data(text.utf8))
                continue
            }
            guard let text = change.new else {
                record.set(.null, at: Substring(change.field))
                continue
            }
            var model = record.value(at: change.field)
            if model == nil || model == .null {
                if today == nil { today = .some(try Self.stored(table: table, key: key, in: db)) }
                model = today??.value(at: change.field)
            }
            switch model {
            case .string?: record.set(.string(text), at: Substring(change.field))
            case let model? where model != .null:
                record.set(try CanonicalJSON.decoder.decode(JSONValue.self, from: Data(text.utf8)), at: Substring(change.field))
            default:
                record.set(Self.guess(text), at: Substring(change.field))
                guessed[table, default: [:]][key, default: [:]][change.field] = text
            }
        }
        if table == CatalogResource.table, changes.contains(where: { $0.field == "*" || $0.field == "items" }) {
            itemCounts[key] = record.value(at: "items")?.arrayValue?.count ?? 0
            record.set(.array([]), at: "items")
        }
        records[table]?[key] = record
    }

    /// How many data items resource `key` had.
    func itemCount(ofResource key: String) -> Int { itemCounts[key] ?? 0 }

    /// A value without a type to go by: JSON when it parses as an array, object, number or boolean, else text.
    private static func guess(_ text: String) -> JSONValue {
        let value: JSONValue
        do {
            value = try CanonicalJSON.decoder.decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            return .string(text)  // not JSON: the text itself
        }
        return value != .null && value.stringValue == nil ? value : .string(text)
    }

    /// The record as stored today, as a tree; `nil` once deleted. (A resource's `items` need not come from here: the
    /// history keeps them as an empty array from the resource's creation on.)
    private static func stored(table: String, key: String, in db: Database) throws -> JSONValue? {
        guard let body = try String.fetchOne(db, sql: "SELECT body FROM \(table) WHERE key = ?", arguments: [key]) else { return nil }
        return try CanonicalJSON.decoder.decode(JSONValue.self, from: Data(body.utf8))
    }

    /// The records of one table as they stood, in key order (a resource without its data items: `itemCount`). A value
    /// read as JSON that the record refuses where text belongs is read again as the text it was.
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
