import Foundation
import GRDB
import LedgerCore

/// What the SQLite store reads beside a record's own row, for what `StoredEntity` describes without naming an
/// engine: a resource's data items, the text a row is indexed by, what blocks a deletion, the references a record
/// names that are missing, and a system's unit.
enum SQLiteRows {
    /// `record` (row `rowID`) with its data items read back from their rows, when it has any.
    static func loadChildren<E: StoredEntity>(_ record: E, rowID: Int64, in db: Database) throws -> E {
        E.hasChildItems ? record.withChildItems(try DataItemRows.read(rowID: rowID, in: db)) : record
    }

    /// What still names the row of `type` with `key` and so blocks its deletion, in words, or `nil`.
    static func dependents<E: StoredEntity>(_ type: E.Type, key: String, in db: Database) throws -> String? {
        func count(_ sql: String) throws -> Int { try Int.fetchOne(db.cachedStatement(sql: sql), arguments: [key]) ?? 0 }
        switch E.table {
        case GovUnit.table:
            return DeletionBlock.unit(
                projects: try count("SELECT count(*) FROM project WHERE unit_key = ?"),
                systems: try count("SELECT count(*) FROM system WHERE unit_key = ?"),
                accounts: try count("SELECT count(*) FROM account WHERE unit_key = ?"))
        case Project.table:
            return DeletionBlock.project(
                systems: try count("SELECT count(*) FROM system, json_each(system.body, '$.projectCodes') WHERE json_each.value = ?"))
        case InfoSystem.table:
            return DeletionBlock.system(
                resources: try count("SELECT count(*) FROM resource WHERE system_key = ?"),
                waivers: try count("SELECT count(*) FROM waiver WHERE system_key = ?"),
                applications: try count("SELECT count(*) FROM deregistration WHERE system_key = ?"))
        default:
            return nil
        }
    }

    /// Issues for the rows `record` names that do not exist.
    static func missingReferences<E: StoredEntity>(_ record: E, in db: Database) throws -> [ValidationIssue] {
        try record.references.compactMap { reference in
            let exists = try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM \(reference.table) WHERE key = ?)"), arguments: [reference.key])
            return exists == true ? nil : reference.missing
        }
    }

    /// The unit of the stored system `code` (a resource's `unit_key`), or `nil` when there is none.
    static func unit(ofSystem code: String, in db: Database) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT unit_key FROM system WHERE key = ?"), arguments: [code])
    }

    /// How the rows of a searchable table are read back for the index (`nil` for a table without one).
    static func indexedText(of table: String) -> ((Int64, Database) throws -> (name: String, text: String)?)? {
        switch table {
        case InfoSystem.table:
            { id, db in
                guard let body = try String.fetchOne(db.cachedStatement(sql: "SELECT body FROM system WHERE id = ?"), arguments: [id])
                else { return nil }
                let system = try RecordWriter.decode(InfoSystem.self, body: body)
                return (system.displayName, system.searchText)
            }
        case CatalogResource.table: resourceText
        default: nil
        }
    }

    /// A resource's text from the four parts alone (an import indexes every resource it wrote: decoding each was slower).
    private static func resourceText(id: Int64, in db: Database) throws -> (name: String, text: String)? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT key, name, json_extract(body, '$.summary') AS summary FROM resource WHERE id = ?"),
                arguments: [id])
        else { return nil }
        let names = try String.fetchAll(
            db.cachedStatement(sql: "SELECT name FROM data_item WHERE resource_id = ? ORDER BY seq"), arguments: [id])
        let name: String = row["name"]
        return (name, CatalogResource.searchText(code: row["key"], name: name, summary: row["summary"] ?? "", itemNames: names))
    }
}
