import Foundation
import GRDB
import LedgerCore
import Spreadsheet

/// Imports JSON documents and CSV files of units, projects, systems, resources and data items in one
/// transaction: all or nothing. Every row is checked by the same write path as the API, and every
/// rejected row is reported with its file, row, field and rule. CSV is streamed, whatever its size.
public struct Importer: Sendable {
    public let ledger: Ledger
    /// Who imports: every row written is recorded for this actor in the audit trail.
    public let actor: Actor

    /// An importer into `ledger` for `actor`.
    public init(ledger: Ledger, actor: Actor) {
        self.ledger = ledger
        self.actor = actor
    }

    /// Imports `files` (JSON documents, CSV files, Excel workbooks; with `dcat`, JSON and `.jsonld` files are DCAT
    /// catalogs); with `dryRun` (the `validate` command, the web preview) everything is checked and nothing is kept.
    /// With `unit`, every record must belong to that unit (a data officer's import); other rows are refused.
    public func run(
        files: [URL], dryRun: Bool, unit: String? = nil, dcat: DCATImport? = nil,
        progress: @escaping @Sendable (ImportProgress) -> Void = { _ in }
    ) async throws -> ImportReport {
        var documents: [JSONDocument] = []
        var tables: [ImportTable] = []
        var skipped: [RowIssue] = []
        for url in files {
            let file = url.lastPathComponent
            switch url.pathExtension.lowercased() {
            case "json" where dcat == nil:
                let data = try Data(contentsOf: url)
                // `try?`: any failure is described below, with the place of a syntax error.
                guard case .object(let document)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
                    let place = DecodingProblem.syntaxPlace(in: data).map { "不是有效的JSON（\($0)）" }
                    throw LedgerError(.badRequest, "\(file)：\(place ?? "不是JSON对象")（应为 {\"units\": [...], \"systems\": [...], ...}）")
                }
                documents.append(JSONDocument(file: file, fields: document, refused: 0))
            case "json", "jsonld":
                let (resources, issues) = try await (dcat ?? DCATImport()).resources(from: try Data(contentsOf: url), file: file, ledger: ledger)
                skipped += issues
                let refused = Set(issues.filter { $0.severity == .error }.map(\.row)).count
                documents.append(JSONDocument(file: file, fields: ["resources": .array(resources)], refused: refused))
            case "csv", "txt":
                guard let table = try ImportTable.detect(CSVReader(url: url)) else { throw Self.unrecognised(url.lastPathComponent) }
                tables.append(table)
            case "xlsx":
                let workbook = try XLSXReader.read(try Data(contentsOf: url), file: file)
                var found = 0
                for sheet in workbook.sheets {
                    if let table = try ImportTable.detect(SheetSource(file: file, sheet: sheet)) {
                        tables.append(table)
                        found += 1
                    } else if !sheet.hidden && !sheet.rows.isEmpty {
                        skipped.append(
                            RowIssue(
                                file: "\(file)#\(sheet.name)", row: "1",
                                issue: ValidationIssue(
                                    field: "", value: "", rule: "sheet.unrecognised", message: "工作表无可识别的表头，已跳过", severity: .warning)))
                    }
                }
                guard found > 0 else { throw Self.unrecognised(file) }
            default:
                throw LedgerError(.badRequest, "\(url.lastPathComponent)：只支持 .json、.csv 和 .xlsx 文件（.xls 请在 Excel 中另存为 .xlsx）")
            }
        }
        // JSON documents first, then tables in dependency order (units before the systems naming them).
        tables.sort { $0.kind < $1.kind }
        let (writer, ordered, jsonFiles, unreadSheets) = (RecordWriter(codes: ledger.codes, actor: actor), tables, documents, skipped)
        let now = Ledger.timestamp()
        @Sendable func pass(_ db: Database, sink: ImportSink) throws -> (ImportReport, RowKeys) {
            var report = ImportReport(dryRun: dryRun)
            var run = ImportRun(writer: writer, db: db, now: now, unit: unit, sink: sink, progress: progress)
            run.issues = unreadSheets
            run.itemsFollow = ordered.contains { $0.kind == .dataItems }
            for document in jsonFiles { report.files += try run.importJSON(document) }
            for table in ordered { report.files.append(try run.importTable(table)) }
            if case .write = sink { try run.search.flush(db) }
            report.issues = run.issues
            return (report, run.dependencies)
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

    static func unrecognised(_ file: String) -> LedgerError {
        LedgerError(.badRequest, "\(file)：无法从表头识别文件类型（应含“统一社会信用代码”“项目编号”“系统编号”“信息资源代码”或“信息项名称”列）")
    }
}

/// A JSON document read before the import's transaction: the ledger's own format, or a DCAT catalog mapped to
/// resources (`refused` datasets could not be mapped and count as refused rows).
struct JSONDocument: Sendable {
    var file: String
    var fields: [String: JSONValue]
    var refused: Int
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

/// The state of one import inside its transaction.
struct ImportRun {
    let writer: RecordWriter
    let db: Database
    let now: String
    /// The only unit whose records this import may write (a data officer's), or `nil` for any.
    let unit: String?
    let progress: @Sendable (ImportProgress) -> Void
    let sink: ImportSink
    /// Records accepted so far, for references between rows before they are written, each system's unit, and the
    /// data items of resources accepted with items (what a data-items file in the same import replaces).
    private var pending = RowKeys()
    private var pendingSystemUnits: [String: String] = [:]
    private var pendingItems: [String: [DataItem]] = [:]
    /// The rows this import's checks read or its writes replace: its write pass applies the spooled writes unless a
    /// write by someone else since the snapshot touched one of them.
    var dependencies = RowKeys()
    var issues: [RowIssue] = []
    /// The rows written to searchable tables, indexed once at the end of the write pass.
    var search = SearchBacklog()
    /// A data-items file is part of this import, so resources without items are not yet incomplete.
    var itemsFollow = false
    /// The resources whose data items this import gives (each once).
    var itemsGiven: Set<String> = []
    /// Where each record key was first met in this import (`resources.csv第3行`), to refuse a second row with it.
    private var firstRows: [String: String] = [:]
    /// The Chinese headers of the CSV file being read, by field path, to name columns in issues.
    private var columnHeaders: [String: String] = [:]
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
        return try InfoSystem.unit(ofSystem: code, in: db)
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

    /// Adds issues of one row, naming the CSV column where the field has one.
    mutating func record(_ found: [ValidationIssue], file: String, row: String) {
        issues += found.map { RowIssue(file: file, row: row, issue: $0, column: columnHeaders[$0.field]) }
    }

    static func headerKey(_ cell: String) -> String {
        Normalize.text(cell).trimmingCharacters(in: CharacterSet(charactersIn: "*＊"))
    }

    // MARK: Tables (CSV files, workbook sheets)

    mutating func importTable(_ table: ImportTable) throws -> FileSummary {
        let (file, kind) = (table.source.name, table.kind)
        var summary = FileSummary(file: file, kind: kind.rawValue, encoding: "")
        var columns: [(Int, CSVColumn)] = []
        var csvPaths = Set<String>()
        var items = ItemImport()
        var headerCount = 0
        func report(read: Int64, total: Int64) {
            progress(ImportProgress(file: file, bytesRead: read, totalBytes: total, rows: summary.rows))
        }
        let encoding = try table.source.forEachRow(progress: report) { cells, row in
            if row <= table.headerRow {
                if row == table.headerRow {
                    columns = mapHeaders(cells, kind: kind, file: file, row: row).sorted { $0.key < $1.key }
                    csvPaths = Set(columns.map(\.1.path))
                    headerCount = cells.count
                }
                columnHeaders = Dictionary(columns.map { ($0.1.path, $0.1.header) }, uniquingKeysWith: { first, _ in first })
                return
            }
            summary.rows += 1
            let location = String(row)
            if let problem = Self.columnCountProblem(cells, headerCount: headerCount, complete: table.source.rowsAreComplete) {
                summary.rejected += 1
                record([problem], file: file, row: location)
                return
            }
            if kind == .dataItems {
                let accepted = try items.add(cells: cells, columns: columns, run: &self, file: file, row: location)
                if accepted { summary.created += 1 } else { summary.rejected += 1 }
                return
            }
            switch decodeRow(cells, columns: columns, kind: kind, file: file, row: location) {
            case nil: summary.rejected += 1
            case let object?:
                try save(object, kind: kind, given: csvPaths, file: file, row: location, summary: &summary)
            }
        }
        try items.finish(run: &self)
        columnHeaders = [:]
        summary.encoding = encoding
        return summary
    }

    /// An issue for a row with cells past the header's last column (they would be dropped unread) or, in a CSV file,
    /// with fewer cells than the header (a missing separator or a quote left open shifts every later column).
    static func columnCountProblem(_ cells: [String], headerCount: Int, complete: Bool) -> ValidationIssue? {
        if cells.count > headerCount, cells[headerCount...].contains(where: { !$0.isEmpty }) {
            return ValidationIssue(
                field: "", value: "", rule: "row.extra-columns",
                message: "本行有\(cells.count)列，多于表头的\(headerCount)列；"
                    + "多出的单元格无处存放（可能缺少引号或多了分隔符）")
        }
        if complete, cells.count < headerCount {
            return ValidationIssue(
                field: "", value: "", rule: "row.missing-columns",
                message: "本行只有\(cells.count)列，少于表头的\(headerCount)列"
                    + "（可能少了分隔符，或上一行的引号未闭合）")
        }
        return nil
    }

    private mutating func mapHeaders(_ cells: [String], kind: RecordKind, file: String, row: Int) -> [Int: CSVColumn] {
        var mapped: [Int: CSVColumn] = [:]
        for (index, cell) in cells.enumerated() {
            let key = Self.headerKey(cell)
            if let column = kind.columns.first(where: { $0.header == key || $0.path == key }) {
                mapped[index] = column
            } else if !key.isEmpty {
                record(
                    [
                        ValidationIssue(
                            field: key, value: "", rule: "header.unknown", message: "未识别的列，已忽略",
                            severity: .warning)
                    ], file: file, row: String(row))
            }
        }
        return mapped
    }

    /// The JSON object of one row, or `nil` (with issues recorded) when a cell cannot be read.
    mutating func decodeRow(
        _ cells: [String], columns: [(Int, CSVColumn)], kind: RecordKind,
        file: String, row: String
    ) -> JSONValue? {
        var object = JSONValue.object([:])
        var failed = false
        for (index, column) in columns {
            let cell = index < cells.count ? cells[index] : ""
            switch CellCodec.decode(cell, as: column.kind) {
            case .success(let value?): object.set(value, at: Substring(column.path))
            case .success(nil): continue
            case .failure(let error):
                failed = true
                record(
                    [ValidationIssue(field: column.path, value: cell, rule: error.rule, message: error.message)],
                    file: file, row: row)
            }
        }
        return failed ? nil : object
    }

    // MARK: JSON

    mutating func importJSON(_ document: JSONDocument) throws -> [FileSummary] {
        let file = document.file
        var summaries: [FileSummary] = []
        for kind in RecordKind.allCases where kind != .dataItems {
            guard case .array(let records)? = document.fields[kind.rawValue] else { continue }
            var summary = FileSummary(file: file, kind: kind.rawValue, encoding: TextEncoding.utf8.rawValue)
            if kind == .resources { (summary.rows, summary.rejected) = (document.refused, document.refused) }
            for (index, object) in records.enumerated() {
                summary.rows += 1
                let key = object.value(at: kind == .units ? "uscc" : "code")?.stringValue.map { " \($0)" } ?? ""
                let given = Set(object.objectValue?.keys.map { $0 } ?? [])
                try save(object, kind: kind, given: given, file: file, row: "\(kind.rawValue)[\(index)]\(key)", summary: &summary)
                if index % 1000 == 0 {
                    progress(ImportProgress(file: file, bytesRead: Int64(index), totalBytes: Int64(records.count), rows: index))
                }
            }
            summaries.append(summary)
        }
        return summaries
    }

    // MARK: Records

    /// Saves one record. `given` names the fields the source speaks about (a CSV file's columns, a JSON object's
    /// keys); a stored record keeps every other field, its data items unless `items` is given, and so nothing is
    /// lost to a source that cannot express it (a DCAT catalog without data items, a CSV file without a column).
    private mutating func save(
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
        if let stored, !given.contains("items") { try E.loadChildren(into: &candidate, rowID: stored["id"], in: db) }
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
}

extension ImportRun {
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

/// Data items from a CSV file: rows of one resource must be contiguous; the file replaces the items of
/// each resource it names, in the order of their sequence numbers. A resource whose items change gets a new version
/// and an audit entry with the old and new item lists.
struct ItemImport {
    /// The resource whose items are being read: its row (`nil` in the check pass for a resource of the same import),
    /// its items with their sequence numbers, and their names so far.
    private var current: (key: String, id: Int64?, items: [(seq: Int, item: DataItem)], seen: Set<String>, seq: Int)?

    mutating func add(cells: [String], columns: [(Int, CSVColumn)], run: inout ImportRun, file: String, row: String) throws -> Bool {
        // The cells are read directly (no JSON object per row): this file is the bulk of a large import.
        func cell(_ path: String) -> String {
            guard let index = columns.first(where: { $0.1.path == path })?.0, index < cells.count else { return "" }
            return cells[index]
        }
        var numbers: [String: Int] = [:]
        for path in ["seq", "length"] {
            switch CellCodec.decode(cell(path), as: .int) {
            case .success(.int(let value)?):
                // The length's range is a rule of the item (`DataItem.issues`); the sequence number's is checked here,
                // before the next row's number is counted from it.
                if path == "seq", !(1...FieldLimits.maxItems).contains(Int(value)) {
                    run.record(
                        [
                            ValidationIssue(
                                field: path, value: cell(path), rule: "seq.range",
                                message: "序号应在1至\(FieldLimits.maxItems)之间", article: Reference.catalogGuideline)
                        ],
                        file: file, row: row)
                    return false
                }
                numbers[path] = Int(value)
            case .success: continue
            case .failure(let error):
                run.record([ValidationIssue(field: path, value: cell(path), rule: error.rule, message: error.message)], file: file, row: row)
                return false
            }
        }
        let key = Normalize.text(cell("resourceCode"))
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
        let description = Normalize.text(cell("description"))
        var item = DataItem(
            name: Normalize.text(cell("name")), type: cell("type"), length: numbers["length"],
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
        let seq = numbers["seq"] ?? current!.seq + 1
        current!.seq = max(current!.seq, seq)
        current!.items.append((seq, item))
        current!.seen.insert(item.name)
        return true
    }

    /// Replaces the items of the resource just read, in the order of their sequence numbers (rows with the same number
    /// in file order), when they differ from what it has.
    mutating func finish(run: inout ImportRun) throws {
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
