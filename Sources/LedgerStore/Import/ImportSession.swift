import Foundation
import GRDB
import LedgerCore

/// The store's side of an import: the records that a reader of files (`Interchange`) hands over, checked by the same
/// write path as the API and written in one transaction, all or nothing. `feed` hands the records of every file to an
/// `ImportSession`; it is called once for the check pass, on a read snapshot without the write lock (a dry run and a
/// refused import end there), and once more under the lock only when a row the import depends on changed meanwhile.
public struct LedgerImport: Sendable {
    public let ledger: Ledger
    /// Who imports: every row written is recorded for this actor in the audit trail.
    public let actor: Actor

    /// An import into `ledger` for `actor`.
    public init(ledger: Ledger, actor: Actor) {
        self.ledger = ledger
        self.actor = actor
    }

    /// Runs the import that `feed` describes; with `dryRun` everything is checked and nothing is kept. With `unit`, every
    /// record must belong to that unit (a data officer's import); other rows are refused. `issues` are problems found
    /// before any record (an unreadable sheet); `itemsFollow` says a data-items file is part of the import.
    public func run(
        dryRun: Bool, unit: String?, issues: [RowIssue] = [], itemsFollow: Bool = false,
        progress: @escaping @Sendable (ImportProgress) -> Void = { _ in },
        feed: @escaping @Sendable (inout ImportSession) throws -> [FileSummary]
    ) async throws -> ImportReport {
        let (writer, now) = (RecordWriter(codes: ledger.codes, actor: actor), Ledger.timestamp())
        @Sendable func pass(_ db: Database, sink: ImportSink) throws -> (ImportReport, RowKeys) {
            var report = ImportReport(dryRun: dryRun)
            var session = ImportSession(writer: writer, db: db, now: now, unit: unit, sink: sink, progress: progress)
            session.issues = issues
            session.itemsFollow = itemsFollow
            report.files = try feed(&session)
            if case .write = sink { try session.search.flush(db) }
            report.issues = session.issues
            return (report, session.dependencies)
        }
        // The check pass reads a snapshot and takes no write lock: a dry run, and a refused import, end here while
        // the server goes on writing. It also prepares every write (bodies, audit changes, data items) into a spool,
        // so that the write pass, the only part holding the lock, applies them and computes nothing but the audit
        // chain's hashes.
        let spool = dryRun ? nil : try WriteSpool()
        let (checked, dependencies, generation) = try await ledger.database.writer.read { db in
            guard let spool else {
                let (report, dependencies) = try pass(db, sink: .check)
                return (report, dependencies, try AuditLog.generation(db))
            }
            let pipeline = SpoolPipeline(spool: spool)
            let (report, dependencies) = try pipeline.draining { try pass(db, sink: .spool(pipeline)) }
            return (report, dependencies, try AuditLog.generation(db))
        }
        guard let spool, checked.rejectedRows == 0 else { return checked }
        let actor = actor
        return try await ledger.database.writer.writeWithoutTransaction { db in
            var report = checked
            // A large transaction spills the page cache to the WAL early; 64 MB keeps a county's import in memory.
            try db.execute(sql: "PRAGMA cache_size = -65536")
            try db.inTransaction {
                // Every ledger write since the snapshot left an audit entry naming its record.
                let changed = try AuditLog.records(changedAfter: generation, in: db)
                if changed.allSatisfy({ !dependencies.contains(table: $0.entity, key: $0.key) }) {
                    // None touched a row this import read or replaces: every check made on the snapshot still holds.
                    try Self.apply(spool, actor: actor, now: now, progress: progress, in: db)
                } else {
                    // Someone changed a row this import depends on: everything is checked again against the ledger as
                    // it now is, and all is refused if a row now fails.
                    report = try pass(db, sink: .write).0
                }
                report.committed = report.rejectedRows == 0
                return report.committed ? .commit : .rollback
            }
            return report
        }
    }

    /// The write pass when no row the import depends on changed since its snapshot: applies the spooled writes in
    /// order, then indexes the rows written.
    private static func apply(
        _ spool: WriteSpool, actor: Actor, now: String,
        progress: @Sendable (ImportProgress) -> Void, in db: Database
    ) throws {
        var search = SearchBacklog()
        let (total, label) = (spool.size, "写入账本")
        var applied = 0
        try spool.replay { write, read in
            search.note(write, id: try write.apply(actor: actor, now: now, in: db))
            applied += 1
            if applied % 1000 == 0 { progress(ImportProgress(file: label, bytesRead: read, totalBytes: total, rows: applied)) }
        }
        try search.flush(db)
    }
}

/// Where an import's accepted rows go.
enum ImportSink {
    /// Nowhere: they are only checked (a dry run).
    case check
    /// Prepared, on the second core, into the spool that the write pass applies (the check pass of an import).
    case spool(SpoolPipeline)
    /// Written at once (the write pass when the ledger changed after the check pass, which checks everything again).
    case write
}

/// One pass of an import inside its snapshot or transaction: what a reader of files hands each record to.
public struct ImportSession {
    let writer: RecordWriter
    let db: Database
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
    private let decoder = JSONDecoder()

    init(
        writer: RecordWriter, db: Database, now: String, unit: String?, sink: ImportSink,
        progress: @escaping @Sendable (ImportProgress) -> Void
    ) {
        self.writer = writer
        self.db = db
        self.now = now
        self.unit = unit
        self.sink = sink
        self.progress = progress
    }

    /// Whether rows are only checked (a dry run).
    var isCheckOnly: Bool {
        if case .check = sink { return true }
        return false
    }

    /// The unit of a system: as accepted by this import, or as stored.
    func unit(ofSystem code: String) throws -> String? {
        if let unit = pendingSystemUnits[code] { return unit }
        return try SQLiteRows.unit(ofSystem: code, in: db)
    }

    /// The data items a resource has when this import replaces them: those stored, or those given by this import.
    func currentItems(resource key: String, rowID: Int64?) throws -> [DataItem] {
        if let items = pendingItems[key] { return items }
        guard let rowID else { return [] }
        return try DataItemRows.read(rowID: rowID, in: db)
    }

    /// Writes a write, prepared by `prepare`, or has it prepared and spooled on the second core, by the sink; a
    /// written row is noted for the search index.
    mutating func emit(_ prepare: @escaping @Sendable () throws -> PreparedWrite) throws {
        switch sink {
        case .check: break
        case .spool(let pipeline): try pipeline.submit(prepare)
        case .write:
            let write = try prepare()
            search.note(write, id: try write.apply(actor: writer.actor, now: now, in: db))
        }
    }

    /// Whether a resource of this import not yet written (check pass) has `key`.
    func isPending(resource key: String) -> Bool { pending.contains(table: CatalogResource.table, key: key) }

    /// Adds issues of one row, naming the file's column where the field has one.
    public mutating func record(_ found: [ValidationIssue], file: String, row: String) {
        issues += found.map { RowIssue(file: file, row: row, issue: $0, column: columnHeaders[$0.field]) }
    }

    // MARK: Records

    /// Saves one record. `given` names the fields the source speaks about (a CSV file's columns, a JSON object's
    /// keys); a stored record keeps every other field, its data items unless `items` is given, and so nothing is
    /// lost to a source that cannot express it (a DCAT catalog without data items, a CSV file without a column).
    public mutating func save(
        _ object: JSONValue, kind: RecordKind, given: Set<String>, file: String, row: String,
        summary: inout FileSummary
    ) throws {
        switch kind {
        case .units: try save(GovUnit.self, object, given: given, file: file, row: row, summary: &summary)
        case .projects: try save(Project.self, object, given: given, file: file, row: row, summary: &summary)
        case .systems: try save(InfoSystem.self, object, given: given, file: file, row: row, summary: &summary)
        case .resources: try save(CatalogResource.self, object, given: given, file: file, row: row, summary: &summary)
        case .dataItems: break
        }
    }

    private mutating func save<E: StoredEntity>(
        _ type: E.Type, _ object: JSONValue, given: Set<String>, file: String, row: String,
        summary: inout FileSummary
    ) throws {
        var candidate: E
        let keyField = E.self == GovUnit.self ? "uscc" : "code"
        let stored = try object.value(at: keyField)?.stringValue.flatMap { key in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id, body FROM \(E.table) WHERE key = ?"), arguments: [Normalize.text(key)])
        }
        do {
            var source = object
            if let stored {
                source = try decoder.decode(JSONValue.self, from: Data((stored["body"] as String).utf8))
                for path in given { source.set(object.value(at: path) ?? .null, at: Substring(path)) }
            }
            // The limits are checked on the JSON itself: encoding the decoded record again to check them doubled the
            // cost of a row.
            let tooLong = FieldLimits.issues(in: source)
            if !tooLong.isEmpty {
                summary.rejected += 1
                record(tooLong, file: file, row: row)
                return
            }
            candidate = try decoder.decode(E.self, from: source.data)
        } catch let error as DecodingError {
            summary.rejected += 1
            record([DecodingProblem.issue(for: error)], file: file, row: row)
            return
        }
        candidate.normalize(codes: writer.codes)
        do {
            if let held = try heldToWorkflow(&candidate, storedBody: stored?["body"]) { record([held], file: file, row: row) }
        } catch let error as LedgerError {
            summary.rejected += 1
            record(
                [ValidationIssue(field: "state", value: "", rule: "state.editable", message: error.message, article: "Art. 27")], file: file, row: row
            )
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
        if let stored, !given.contains("items") { candidate = try SQLiteRows.loadChildren(candidate, rowID: stored["id"], in: db) }
        do {
            let checked = try writer.check(candidate, mode: .upsert, in: db, pending: pending, limitsChecked: true)
            pending.insert(table: E.table, key: checked.record.naturalKey)
            dependencies.insert(table: E.table, key: checked.record.naturalKey)
            for reference in checked.record.references { dependencies.insert(table: reference.table, key: reference.key) }
            if let system = checked.record as? InfoSystem { pendingSystemUnits[system.code] = system.unitUSCC }
            if let items = checked.record.childItems, !items.isEmpty { pendingItems[checked.record.naturalKey] = items }
            if checked.outcome != .unchanged, !isCheckOnly {
                // Reads what the write derives from other rows here, on the snapshot; the rest is pure.
                let columns = try checked.record.columnValues { try unit(ofSystem: $0) }.map { $0?.databaseValue ?? .null }
                try emit { [writer] in try writer.prepare(checked, columns: columns, indexSearch: false) }
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
    /// Art. 27: a resource's catalog state changes only through the review workflow. Unless the importer may approve
    /// (a reviewer, the administrator), a new record is registered as the API registers it (a resource as 待提交) and a
    /// stored one keeps the state it has, as an edit through the API would (`StoredEntity.registeringNew`, `editing`);
    /// a record that may not be edited any more is refused. Returns a warning when the file asked for another state.
    func heldToWorkflow<E: StoredEntity>(_ record: inout E, storedBody: String?) throws -> ValidationIssue? {
        guard !Permission.reviewCatalog.allows(writer.actor) else { return nil }
        let wanted = (record as? CatalogResource)?.state
        if let storedBody {
            record = try record.editing(try RecordWriter.decode(E.self, body: storedBody))
        } else {
            record = record.registeringNew()
        }
        guard let wanted, let kept = (record as? CatalogResource)?.state, wanted != kept else { return nil }
        return ValidationIssue(
            field: "state", value: wanted.rawValue, rule: "state.workflow",
            message: "目录状态“\(wanted.rawValue)”未采用：信息资源的状态只能经提交、审核改变，本行导入后为“\(kept.rawValue)”",
            article: "Art. 27", severity: .warning)
    }

    /// When the import is limited to one unit: an issue for a record of another unit, or one that would take over
    /// another unit's record with the same key.
    func outsideUnit<E: StoredEntity>(_ record: E) throws -> ValidationIssue? {
        guard let unit else { return nil }
        func unitKey(_ table: String, _ key: String) throws -> String? {
            try String.fetchOne(
                db.cachedStatement(sql: "SELECT \(table == "unit" ? "key" : "unit_key") FROM \(table) WHERE key = ?"), arguments: [key])
        }
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
            message: "数据专员只能导入本单位（\(unit)）的\(E.label)；“\(record.naturalKey)”属于\(existing ?? owner ?? "未登记的单位")",
            article: "Art. 5")
    }
}

/// One row of a data-items file, its numbers already read.
public struct ItemRow: Sendable {
    public var resourceCode: String
    /// The sequence number, `nil` when the cell is empty (the next after the last).
    public var seq: Int?
    public var name: String
    public var type: String
    public var length: Int?
    public var description: String

    public init(resourceCode: String, seq: Int?, name: String, type: String, length: Int?, description: String) {
        (self.resourceCode, self.seq, self.name, self.type, self.length, self.description) =
            (resourceCode, seq, name, type, length, description)
    }
}

/// Data items from a data-items file: rows of one resource must be contiguous; the file replaces the items of
/// each resource it names, in the order of their sequence numbers. A resource whose items change gets a new version
/// and an audit entry with the old and new item lists.
struct ItemImport {
    /// The resource whose items are being read: its row (`nil` in the check pass for a resource of the same import),
    /// its items with their sequence numbers, and their names so far.
    private var current: (key: String, id: Int64?, items: [(seq: Int, item: DataItem)], seen: Set<String>, seq: Int)?

    mutating func add(_ given: ItemRow, run: inout ImportSession, file: String, row: String) throws -> Bool {
        // The sequence number's range is checked here, before the next row's number is counted from it; the length's is
        // a rule of the item (`DataItem.issues`).
        if let seq = given.seq, !(1...FieldLimits.maxItems).contains(seq) {
            run.record(
                [
                    ValidationIssue(
                        field: "seq", value: String(seq), rule: "seq.range",
                        message: "序号应在1至\(FieldLimits.maxItems)之间", article: Reference.catalogGuideline)
                ],
                file: file, row: row)
            return false
        }
        let key = Normalize.text(given.resourceCode)
        func reject(_ field: String, _ value: String, _ rule: String, _ message: String, article: String = Reference.catalogGuideline) -> Bool {
            run.record([ValidationIssue(field: field, value: value, rule: rule, message: message, article: article)], file: file, row: row)
            return false
        }
        if current?.key != key {
            try finish(run: &run)
            run.dependencies.insert(table: CatalogResource.table, key: key)
            if !run.itemsGiven.insert(key).inserted {
                return reject(
                    "resourceCode", key, "items.contiguous",
                    "同一信息资源的信息项应连续排列，一次导入中只能给出一次")
            }
            let found = try Row.fetchOne(run.db.cachedStatement(sql: "SELECT id, unit_key FROM resource WHERE key = ?"), arguments: [key])
            if found == nil, run.isPending(resource: key) {
                current = (key, nil, [], [], 0)  // registered by this import's resources file; its unit was checked there
            } else {
                guard let found else {
                    return reject("resourceCode", key, "reference.exists", "信息资源“\(key)”不存在，请先导入信息资源")
                }
                if let unit = run.unit, found["unit_key"] != unit {
                    return reject(
                        "resourceCode", key, "import.own-unit", "数据专员只能导入本单位（\(unit)）信息资源的信息项",
                        article: "Art. 5")
                }
                current = (key, found["id"], [], [], 0)
            }
        }
        let description = Normalize.text(given.description)
        var item = DataItem(
            name: Normalize.text(given.name), type: given.type, length: given.length,
            description: description.isEmpty ? nil : description)
        item.type = run.writer.codes.dataType(item.type)?.code ?? Normalize.text(item.type)
        var problems = DataItem.issues(of: item, codes: run.writer.codes)
        if current!.seen.contains(item.name) {
            problems.append(
                ValidationIssue(
                    field: "name", value: item.name, rule: "items.unique-name",
                    message: "信息项名称“\(item.name)”重复", article: Reference.catalogGuideline))
        }
        if current!.items.count >= FieldLimits.maxItems {
            problems.append(
                ValidationIssue(
                    field: "resourceCode", value: key, rule: "field.max-count",
                    message: "一个信息资源最多\(FieldLimits.maxItems)个信息项"))
        }
        run.record(problems, file: file, row: row)
        if problems.hasErrors { return false }
        let seq = given.seq ?? current!.seq + 1
        current!.seq = max(current!.seq, seq)
        current!.items.append((seq, item))
        current!.seen.insert(item.name)
        return true
    }

    /// Replaces the items of the resource just read, in the order of their sequence numbers (rows with the same number
    /// in file order), when they differ from what it has.
    mutating func finish(run: inout ImportSession) throws {
        guard let done = current else { return }
        current = nil
        guard !run.isCheckOnly else { return }
        let items = done.items.enumerated().sorted { ($0.element.seq, $0.offset) < ($1.element.seq, $1.offset) }.map(\.element.item)
        let old = try run.currentItems(resource: done.key, rowID: done.id)
        // Unchanged items leave the version, the audit trail and the search text as they are.
        guard items != old else { return }
        let key = done.key
        try run.emit {
            var write = PreparedWrite(operation: .replaceItems, table: CatalogResource.table, key: key)
            write.items = items
            write.auditAction = "update"
            // The audit entry names an empty list as none.
            let (before, after) = (old.isEmpty ? nil : try DataItemRows.json(old), items.isEmpty ? nil : try DataItemRows.json(items))
            write.auditChanges = try CanonicalJSON.text([FieldChange(field: "items", old: before, new: after)])
            return write
        }
    }
}
