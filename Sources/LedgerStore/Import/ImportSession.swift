import Foundation
import GRDB
import LedgerCore

/// One pass of an import inside its snapshot or transaction: what a reader of files hands each record to.
public struct ImportSession {
    let writer: RecordWriter
    /// The ledger as the pass reads it (a snapshot, or the write pass's transaction), and where a write goes.
    let rows: any RowAccess
    let now: String
    /// The only unit whose records this import may write (a data officer's), or `nil` for any.
    let unit: String?
    /// Reports how far the reading has come.
    public let progress: @Sendable (ImportProgress) -> Void
    let sink: ImportSink
    /// Records accepted so far, for references between rows before they are written, each system's unit, and the
    /// data items of resources accepted with items (what a data-items file in the same import replaces).
    private var pending = RowKeys()
    private var pendingSystemUnits: [String: String] = [:]
    private var pendingItems: [String: [DataItem]] = [:]
    /// The rows this import's checks read or its writes replace: its write pass applies the spooled writes unless a
    /// write by someone else since the snapshot touched one of them.
    var dependencies = RowKeys()
    /// Every problem found so far, with its file and row.
    public internal(set) var issues: [RowIssue] = []
    /// The rows written to searchable tables, indexed once at the end of the write pass.
    var search = SearchBacklog()
    /// A data-items file is part of this import, so resources without items are not yet incomplete.
    var itemsFollow = false
    /// The resources whose data items this import gives (each once).
    var itemsGiven: Set<String> = []
    /// Where each record key was first met in this import (`resources.csv第3行`), to refuse a second row with it.
    private var firstRows: [String: String] = [:]
    /// The Chinese headers of the file being read, by field path, to name columns in issues (set by the reader).
    public var columnHeaders: [String: String] = [:]
    /// The data items of the resource being read from a data-items file.
    private var items = ItemImport()

    init(
        writer: RecordWriter, rows: any RowAccess, now: String, unit: String?, sink: ImportSink,
        progress: @escaping @Sendable (ImportProgress) -> Void
    ) {
        self.writer = writer
        self.rows = rows
        self.now = now
        self.unit = unit
        self.sink = sink
        self.progress = progress
    }

    /// Whether rows are only checked (a dry run).
    var isCheckOnly: Bool { sink.isCheck }

    /// The unit of a system: as accepted by this import, or as stored.
    func unit(ofSystem code: String) throws -> String? {
        if let unit = pendingSystemUnits[code] { return unit }
        return try rows.unit(ofSystem: code)
    }

    /// The data items a resource has when this import replaces them: those stored, or those given by this import.
    func currentItems(resource key: String, rowID: Int64?) throws -> [DataItem] {
        if let items = pendingItems[key] { return items }
        guard let rowID else { return [] }
        return try rows.items(ofResource: rowID)
    }

    /// Writes a write, prepared by `prepare`, or has it prepared and spooled on the second core, by the sink; a
    /// written row is noted for the search index.
    mutating func emit(_ prepare: @escaping @Sendable () throws -> PreparedWrite) throws {
        switch sink {
        case .check: break
        case .spool(let pipeline): try pipeline.submit(prepare)
        case .write:
            let write = try prepare()
            let id = try rows.apply(write, actor: writer.actor, now: now)
            if !rows.indexesOnWrite { search.note(write, id: id) }
        }
    }

    /// Whether a resource of this import not yet written (check pass) has `key`.
    func isPending(resource key: String) -> Bool { pending.contains(table: CatalogResource.table, key: key) }

    /// Adds issues of one row, naming the file's column where the field has one.
    public mutating func record(_ found: [ValidationIssue], file: String, row: String) {
        issues += found.map { RowIssue(file: file, row: row, issue: $0, column: columnHeaders[$0.field]) }
    }

    // MARK: Records

    /// One row of a file as a session saves it: the record's fields as JSON and the fields the source speaks about
    /// (a CSV file's columns, a JSON object's keys), or the problems that kept the row from being read.
    public struct RecordRow: Sendable {
        public var object: JSONValue?
        public var given: Set<String>
        /// Where the row is, as issues name it (`3`, `resources[2] R001`).
        public var row: String
        public var problems: [ValidationIssue]

        public init(object: JSONValue?, given: Set<String>, row: String, problems: [ValidationIssue] = []) {
            (self.object, self.given, self.row, self.problems) = (object, given, row, problems)
        }
    }

    /// Saves rows of one file, in order. A stored record keeps every field its row does not give, and its data items
    /// unless the row gives `items`, so nothing is lost to a source that cannot express it (a DCAT catalog without
    /// data items, a CSV file without a column). What a row needs neither the ledger nor the import's other rows for
    /// (decoding, normalizing, validating the record) is worked out on every core, a batch of rows at a time.
    public mutating func save(_ rows: [RecordRow], kind: RecordKind, file: String, summary: inout FileSummary) throws {
        switch kind {
        case .units: try save(GovUnit.self, rows, file: file, summary: &summary)
        case .projects: try save(Project.self, rows, file: file, summary: &summary)
        case .systems: try save(InfoSystem.self, rows, file: file, summary: &summary)
        case .resources: try save(CatalogResource.self, rows, file: file, summary: &summary)
        case .dataItems: break
        }
    }

    private mutating func save<E: StoredEntity>(_ type: E.Type, _ rows: [RecordRow], file: String, summary: inout FileSummary) throws {
        let keyField = E.self == GovUnit.self ? "uscc" : "code"
        let access = self.rows
        let keys = rows.map { row in row.object?.value(at: keyField)?.stringValue.map { Normalize.text($0) } }
        try access.prefetch(table: E.table, keys: keys.compactMap { $0 })
        let stored = try keys.map { key in try key.flatMap { try access.storedRow(table: E.table, key: $0) } }
        let writer = writer
        let candidates = try Array(zip(rows, stored)).concurrentlyMapped { row, stored in
            try RowCandidate<E>(row, stored: stored, writer: writer)
        }
        // The rows the batch's records name, read together before the checks ask for each.
        let named = Dictionary(grouping: candidates.flatMap { $0.record?.references ?? [] }, by: \.table)
        for (table, references) in named { try access.prefetch(table: table, keys: references.map(\.key)) }
        for (index, found) in candidates.enumerated() {
            let row = rows[index]
            try save(found, keyField: keyField, given: row.given, stored: stored[index], file: file, row: row.row, summary: &summary)
        }
    }

    /// The rest of saving a row, in file order: what reads the ledger or this import's earlier rows.
    private mutating func save<E: StoredEntity>(
        _ found: RowCandidate<E>, keyField: String, given: Set<String>, stored: StoredRow?, file: String, row: String,
        summary: inout FileSummary
    ) throws {
        record(found.issues, file: file, row: row)
        guard var candidate = found.record else {
            summary.rejected += 1
            return
        }
        let seenKey = "\(E.table)\u{1F}\(candidate.naturalKey)"
        if let first = firstRows[seenKey] {
            summary.rejected += 1
            record(
                [
                    ValidationIssue(
                        field: keyField, value: candidate.naturalKey, rule: "import.duplicate-key",
                        message: "与\(first)的\(E.label)重复：同一次导入中每个\(E.label)只能出现一次")
                ],
                file: file, row: row)
            return
        }
        firstRows[seenKey] = row.first?.isNumber == true ? "\(file)第\(row)行" : "\(file) \(row)"
        if let refused = try outsideUnit(candidate) {
            summary.rejected += 1
            record([refused], file: file, row: row)
            return
        }
        if let stored, !given.contains("items"), E.hasChildItems { candidate = candidate.withChildItems(try rows.items(ofResource: stored.id)) }
        do {
            let checked = try writer.check(
                candidate, mode: .upsert, rows: rows, pending: pending, limitsChecked: true, validated: found.validated)
            pending.insert(table: E.table, key: checked.record.naturalKey)
            dependencies.insert(table: E.table, key: checked.record.naturalKey)
            for reference in checked.record.references { dependencies.insert(table: reference.table, key: reference.key) }
            if let system = checked.record as? InfoSystem { pendingSystemUnits[system.code] = system.unitUSCC }
            if let items = checked.record.childItems, !items.isEmpty { pendingItems[checked.record.naturalKey] = items }
            if checked.outcome != .unchanged, !isCheckOnly {
                // Reads what the write derives from other rows here, on the snapshot; the rest is pure.
                let columns = try checked.record.columnValues { try unit(ofSystem: $0) }.map { $0?.databaseValue ?? .null }
                let indexSearch = rows.indexesOnWrite
                try emit { [writer] in try writer.prepare(checked, columns: columns, indexSearch: indexSearch) }
            }
            switch checked.outcome {
            case .created: summary.created += 1
            case .updated: summary.updated += 1
            case .unchanged: summary.unchanged += 1
            }
            record(checked.warnings.filter { !(itemsFollow && $0.rule == "items.required") }, file: file, row: row)
        } catch let error as LedgerError {
            summary.rejected += 1
            let details =
                error.details.isEmpty
                ? [ValidationIssue(field: "", value: "", rule: error.kind.rawValue, message: error.message)] : error.details
            record(details, file: file, row: row)
        }
    }

    // MARK: Data items

    /// Adds one data item of a data-items file; `false` when the row is refused (its issues are recorded).
    public mutating func addItem(_ row: ItemRow, file: String, row location: String) throws -> Bool {
        var items = takeItems()
        defer { self.items = items }
        return try items.add(row, run: &self, file: file, row: location)
    }

    /// Ends the data items of a file: the resource read last gets its items.
    public mutating func finishItems() throws {
        var items = takeItems()
        defer { self.items = items }
        try items.finish(run: &self)
    }

    /// The item reader, moved out (not copied: its lists stay uniquely referenced, so adding to them copies nothing)
    /// while it works on this session.
    private mutating func takeItems() -> ItemImport {
        var taken = ItemImport()
        swap(&taken, &items)
        return taken
    }
}

extension ImportSession {
    /// When the import is limited to one unit: an issue for a record of another unit, or one that would take over
    /// another unit's record with the same key.
    func outsideUnit<E: StoredEntity>(_ record: E) throws -> ValidationIssue? {
        guard let unit else { return nil }
        func unitKey(_ table: String, _ key: String) throws -> String? { try rows.unit(ofRow: table, key: key) }
        let (field, owner): (String, String?) =
            switch record {
            case let found as GovUnit: ("uscc", found.uscc)
            case let project as Project: ("unitUSCC", project.unitUSCC)
            case let system as InfoSystem: ("unitUSCC", system.unitUSCC)
            case let resource as CatalogResource:
                ("systemCode", try unitKey("system", resource.systemCode) ?? pendingSystemUnits[resource.systemCode])
            default: ("", nil)
            }
        let existing = try unitKey(E.table, record.naturalKey)
        guard owner != unit || (existing != nil && existing != unit) else { return nil }
        return ValidationIssue(
            field: field, value: owner ?? "", rule: "import.own-unit",
            message: "数据专员只能导入本单位（\(unit)）的\(E.label)；“\(record.naturalKey)”属"
                + "于\(existing ?? owner ?? "未登记的单位")",
            article: "Art. 5")
    }
}
