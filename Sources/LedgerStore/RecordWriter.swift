import Foundation
import GRDB
import LedgerCore
import Synchronization

/// How a write treats an existing row with the same key.
enum WriteMode {
    /// A new row; an existing key is a validation error.
    case create
    /// Replaces the row `id`, which must be at `expectedVersion` when one is given; the natural key is permanent.
    case update(id: Int64, expectedVersion: Int?)
    /// Creates, or replaces the row with the same key (imports); identical content is left untouched.
    case upsert

    /// Whether the write replaces a row given by its id.
    var isUpdate: Bool {
        if case .update = self { return true }
        return false
    }

    /// Whether the write registers a new record.
    var isCreate: Bool {
        if case .create = self { return true }
        return false
    }
}

/// What a write did.
enum WriteOutcome: String, Sendable {
    case created, updated, unchanged
}

/// The one write path of the ledger, used by the API and by imports: normalize, validate, check references,
/// then insert or update the row, its search text and its child rows, inside the caller's transaction. The checks
/// (`check`) only read, so an import runs them on a read snapshot before it takes the write lock (`write`).
struct RecordWriter: Sendable {
    let codes: CodeLists
    /// Who writes, for the audit trail.
    let actor: Actor

    /// Validates and writes; throws `LedgerError` with every issue when the record is refused.
    func save<E: StoredEntity>(_ input: E, mode: WriteMode, now: String, in db: Database) throws -> (Stored<E>, WriteOutcome) {
        try write(try check(input, mode: mode, in: db), now: now, in: db)
    }

    /// A record that passed every check, with the stored row it replaces.
    struct Checked<E: StoredEntity>: Sendable {
        var record: E
        var existing: ExistingRow?
        /// The stored record, with its child rows, when it is replaced.
        var stored: E?
        var warnings: [ValidationIssue]
        var outcome: WriteOutcome
    }

    /// Everything `save` checks, without writing: field limits, normalize, validate, references (a key in `pending`
    /// counts as existing: a record registered earlier in the same import), key and version, and what the write would
    /// do. Reads only, so an import's check pass runs on a read snapshot and never holds the write lock.
    /// `limitsChecked` skips the field limits, checked by the caller on the JSON the record was decoded from;
    /// `validated`, the issues of `validate` on the input already normalized (an import works them out on every core).
    func check<E: StoredEntity>(
        _ input: E, mode: WriteMode, in db: Database, pending: RowKeys = RowKeys(),
        limitsChecked: Bool = false, validated: [ValidationIssue]? = nil
    ) throws -> Checked<E> {
        try check(input, mode: mode, rows: SQLiteRowAccess(db: db), pending: pending, limitsChecked: limitsChecked, validated: validated)
    }

    /// `check` reading the ledger through `rows`.
    func check<E: StoredEntity>(
        _ input: E, mode: WriteMode, rows: some RowAccess, pending: RowKeys = RowKeys(), limitsChecked: Bool = false,
        validated: [ValidationIssue]? = nil
    ) throws -> Checked<E> {
        let (record, issues) = try normalized(input, limitsChecked: limitsChecked, validated: validated)
        let missing = try rows.missingReferences(record).filter { !pending.covers($0) }
        let existing = try rows.existingRow(for: record, mode: mode)
        return try conclude(record, issues: issues + missing, mode: mode, existing: existing) {
            let stored = try Self.decode(E.self, body: $0.body)
            return E.hasChildItems ? stored.withChildItems(try rows.items(ofResource: $0.id)) : stored
        }
    }

    /// The first of the checks, which read nothing stored: field limits (unless `limitsChecked`), then normalize and
    /// validate (unless `validated` gives the issues of the input already normalized). Both stores run it.
    func normalized<E: StoredEntity>(
        _ input: E, limitsChecked: Bool = false, validated: [ValidationIssue]? = nil
    ) throws -> (E, [ValidationIssue]) {
        var record = input
        if !limitsChecked {
            let tooLong = FieldLimits.issues(in: try CanonicalJSON.decoder.decode(JSONValue.self, from: CanonicalJSON.encode(record)))
            if !tooLong.isEmpty { throw LedgerError.invalid(tooLong) }
        }
        if let validated { return (record, validated) }
        record.normalize(codes: codes)
        return (record, record.validate(codes: codes))
    }

    /// The last of the checks, on what the store read: the issues so far with those of the missing references, the
    /// stored row with the record's key (or the row `mode` updates), and how to read that row's record with its child
    /// rows (`stored`, only called for a write that replaces it). Key rules, version and what the write would do. Both
    /// stores run it.
    func conclude<E: StoredEntity>(
        _ normalized: E, issues found: [ValidationIssue], mode: WriteMode, existing: ExistingRow?,
        stored: (ExistingRow) throws -> E
    ) throws -> Checked<E> {
        var (record, issues) = (normalized, found)
        if let existing, case .update = mode, existing.key != record.naturalKey {
            issues.append(
                ValidationIssue(
                    field: "key", value: record.naturalKey, rule: "key.permanent",
                    message: "\(E.label)编码“\(existing.key)”登记后不可更改", article: Reference.catalogGuideline))
        }
        if case .create = mode, existing != nil { issues.append(Self.taken(record)) }
        if issues.hasErrors { throw LedgerError.invalid(issues) }
        guard let existing, !mode.isCreate else {
            return Checked(record: record, existing: nil, stored: nil, warnings: issues, outcome: .created)
        }
        if case .update(_, let expected?) = mode, expected != existing.version {
            throw LedgerError.versionConflict(expected: expected, actual: existing.version)
        }
        let storedRecord = try stored(existing)
        if case .update = mode { record = try record.editing(storedRecord) }
        return Checked(
            record: record, existing: existing, stored: storedRecord, warnings: issues,
            outcome: storedRecord == record ? .unchanged : .updated)
    }

    /// The issue of a new record whose key is taken (found by the checks, or by a unique index when two servers
    /// register the same key at once).
    static func taken<E: StoredEntity>(_ record: E) -> ValidationIssue {
        ValidationIssue(field: "key", value: record.naturalKey, rule: "key.unique", message: "\(E.label)编码“\(record.naturalKey)”已存在")
    }

    /// Writes a checked record: the row, its search text, child rows and audit entry, inside the caller's transaction.
    /// With `indexSearch` false the caller indexes the written row's text itself (an import does, once per row, after
    /// its last file: see `SearchBacklog`).
    func write<E: StoredEntity>(
        _ checked: Checked<E>, now: String, in db: Database,
        indexSearch: Bool = true
    ) throws -> (Stored<E>, WriteOutcome) {
        if checked.outcome == .unchanged, let existing = checked.existing {
            return (
                Stored(
                    id: existing.id, version: existing.version, updatedAt: existing.updatedAt, record: checked.record,
                    warnings: checked.warnings), .unchanged
            )
        }
        let columns = try checked.record.columnValues { try SQLiteRows.unit(ofSystem: $0, in: db) }
        let id = try prepare(checked, columns: columns.map { $0?.databaseValue ?? .null }, indexSearch: indexSearch)
            .apply(actor: actor, now: now, in: db)
        let version = checked.existing.map { $0.version + 1 } ?? 1
        return (
            Stored(id: id, version: version, updatedAt: now, record: checked.record, warnings: checked.warnings),
            checked.outcome
        )
    }

    /// The write of a created or updated record, worked out without reading or writing the database: its row, given
    /// the values of its indexed columns (`columnValues`, some derived from other rows), its data items, its audit
    /// entry and, with `indexSearch`, its search text. Pure, so an import runs it on its second core.
    func prepare<E: StoredEntity>(_ checked: Checked<E>, columns: [DatabaseValue], indexSearch: Bool) throws -> PreparedWrite {
        let record = checked.record
        var write = PreparedWrite(operation: .insert, table: E.table, key: record.naturalKey)
        write.name = record.displayName
        write.columnNames = E.columnNames
        write.values = columns
        write.body = try CanonicalJSON.text(record.storedBody)
        write.items = record.childItems
        if let existing = checked.existing, let stored = checked.stored {
            write.operation = .update(id: existing.id, version: existing.version + 1)
            let changes = try AuditLog.changes(old: stored, new: record)
            if !changes.isEmpty { (write.auditAction, write.auditChanges) = ("update", try CanonicalJSON.text(changes)) }
        } else {
            // The stored body is the whole record unless part of it lives in child rows (a resource's items).
            let created = record.storedBody == record ? write.body : try CanonicalJSON.text(record)
            (write.auditAction, write.auditChanges) = ("create", try CanonicalJSON.text([FieldChange(field: "*", old: nil, new: created)]))
        }
        if indexSearch && E.isSearchable { write.search = .init(name: record.displayName, text: record.searchText) }
        return write
    }

    struct ExistingRow: Sendable {
        var id: Int64
        var key: String
        var body: String
        var version: Int
        var updatedAt: String
    }

    /// A record from its stored JSON body (without the child rows `loadChildren` adds).
    static func decode<E: StoredEntity>(_ type: E.Type, body: String) throws -> E {
        try JSONDecoder().decode(E.self, from: Data(body.utf8))
    }
}

/// Rows named by table and key: the records an import has accepted but not yet written (its check pass runs on a read
/// snapshot, and a reference to one of them is not missing), or the rows its checks depended on.
struct RowKeys: Sendable {
    private var keys: Set<String> = []

    init() {}

    mutating func insert(table: String, key: String) { keys.insert("\(table)\u{1F}\(key)") }

    func contains(table: String, key: String) -> Bool { keys.contains("\(table)\u{1F}\(key)") }

    /// Whether none of the records `changes` names (table and key, as audit entries name them) is one of the rows.
    func untouched(by changes: [(entity: String, key: String)]) -> Bool {
        changes.allSatisfy { !contains(table: $0.entity, key: $0.key) }
    }

    /// The keys, by table.
    var byTable: [String: [String]] {
        keys.reduce(into: [:]) { tables, both in
            let parts = both.split(separator: "\u{1F}", maxSplits: 1, omittingEmptySubsequences: false)
            tables[String(parts[0]), default: []].append(String(parts[1]))
        }
    }

    /// Whether a missing-reference issue names one of the rows (its field tells the table).
    func covers(_ issue: ValidationIssue) -> Bool {
        guard issue.rule == "reference.exists", !keys.isEmpty else { return false }
        let table = issue.field.hasPrefix("projectCodes") ? "project" : issue.field == "systemCode" ? "system" : "unit"
        return contains(table: table, key: issue.value)
    }
}

/// The rows an import's write pass wrote to a searchable table, indexed once after its last file instead of with each
/// write: a resource created by one file and given its data items by another was indexed twice, and re-indexing a
/// text in the full-text tables was a fifth of a county import. Holds row ids only, so a province stays small.
struct SearchBacklog {
    private struct Table {
        let index: SearchIndex
        /// The name and text of a row, read back from the database.
        let read: (Int64, Database) throws -> (name: String, text: String)?
        /// Row ids in the order first written, and whether the row was new to the index then.
        var order: [Int64] = []
        var isNew: [Int64: Bool] = [:]
    }
    private var tables: [String: Table] = [:]
    private var tableOrder: [String] = []

    /// Notes the row `id` that `write` wrote; a row noted earlier keeps its first note (new rows stay new).
    mutating func note(_ write: PreparedWrite, id: Int64) {
        let (name, isNew) = (write.table, write.operation == .insert)
        guard let read = SQLiteRows.indexedText(of: name) else { return }
        if tables[name] == nil {
            tables[name] = Table(index: SearchIndex(table: name), read: read)
            tableOrder.append(name)
        }
        guard tables[name]!.isNew[id] == nil else { return }
        tables[name]!.order.append(id)
        tables[name]!.isNew[id] = isNew
    }

    /// Indexes every noted row's stored name and text, a batch at a time: the rows are read and written on the
    /// caller's connection, their bigrams worked out on every core in between.
    mutating func flush(_ db: Database) throws {
        for name in tableOrder {
            guard let table = tables[name] else { continue }
            for start in stride(from: 0, to: table.order.count, by: Self.batch) {
                let ids = Array(table.order[start..<min(start + Self.batch, table.order.count)])
                let texts = try ids.map { try table.read($0, db) }
                for (id, entry) in zip(ids, try Self.entries(texts)) {
                    guard let entry else { continue }
                    if table.isNew[id] == true {
                        try table.index.insert(db, id: id, entry)
                    } else {
                        try table.index.replace(db, id: id, entry)
                    }
                }
            }
        }
        (tables, tableOrder) = ([:], [])
    }

    private static let batch = 1024

    /// The index entries of `texts`, in order, made on as many cores as there are.
    private static func entries(_ texts: [(name: String, text: String)?]) throws -> [SearchIndex.Entry?] {
        try texts.concurrentlyMapped { text in text.map { SearchIndex.Entry(name: $0.name, text: $0.text) } }
    }
}
