import Foundation
import GRDB
import LedgerCore
import Spreadsheet

/// Imports JSON documents and CSV files of units, projects, systems, resources and data items in one
/// transaction: all or nothing. Every row is checked by the same write path as the API, and every
/// rejected row is reported with its file, row, field and rule. CSV is streamed, whatever its size.
public struct Importer: Sendable {
    public let ledger: Ledger

    public init(ledger: Ledger) { self.ledger = ledger }

    /// Imports `files` (JSON documents, CSV files, Excel workbooks; with `dcat`, JSON and `.jsonld` files are DCAT
    /// catalogs); with `dryRun` (the `validate` command, the web preview) everything is checked and nothing is kept.
    /// With `unit`, every record must belong to that unit (a data officer's import); other rows are refused.
    public func run(files: [URL], dryRun: Bool, unit: String? = nil, dcat: DCATImport? = nil,
                    progress: @escaping @Sendable (ImportProgress) -> Void = { _ in }) async throws -> ImportReport {
        var documents: [JSONDocument] = []
        var tables: [ImportTable] = []
        var skipped: [RowIssue] = []
        for url in files {
            let file = url.lastPathComponent
            switch url.pathExtension.lowercased() {
            case "json" where dcat == nil:
                guard case .object(let document)? = try? JSONDecoder().decode(JSONValue.self, from: try Data(contentsOf: url)) else {
                    throw LedgerError(.badRequest, "\(file)：不是JSON对象（应为 {\"units\": [...], \"systems\": [...], ...}）")
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
                        skipped.append(RowIssue(file: "\(file)#\(sheet.name)", row: "1", issue: ValidationIssue(
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
        let (writer, ordered, jsonFiles, unreadSheets) = (ledger.writer, tables, documents, skipped)
        return try await ledger.database.writer.writeWithoutTransaction { db in
            var report = ImportReport(dryRun: dryRun)
            // A large transaction spills the page cache to the WAL early; 64 MB keeps a county's import in memory.
            try db.execute(sql: "PRAGMA cache_size = -65536")
            try db.inTransaction {
                var run = ImportRun(writer: writer, db: db, now: Ledger.timestamp(), unit: unit, progress: progress)
                run.issues = unreadSheets
                run.itemsFollow = ordered.contains { $0.kind == .dataItems }
                for document in jsonFiles { report.files += try run.importJSON(document) }
                for table in ordered { report.files.append(try run.importTable(table)) }
                report.issues = run.issues
                report.committed = !dryRun && report.rejectedRows == 0
                return report.committed ? .commit : .rollback
            }
            return report
        }
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

/// The state of one import inside its transaction.
struct ImportRun {
    let writer: RecordWriter
    let db: Database
    let now: String
    /// The only unit whose records this import may write (a data officer's), or `nil` for any.
    let unit: String?
    let progress: @Sendable (ImportProgress) -> Void
    var issues: [RowIssue] = []
    /// A data-items file is part of this import, so resources without items are not yet incomplete.
    var itemsFollow = false
    /// The Chinese headers of the CSV file being read, by field path, to name columns in issues.
    private var columnHeaders: [String: String] = [:]
    private let decoder = JSONDecoder()

    init(writer: RecordWriter, db: Database, now: String, unit: String?, progress: @escaping @Sendable (ImportProgress) -> Void) {
        self.writer = writer
        self.db = db
        self.now = now
        self.unit = unit
        self.progress = progress
    }

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
        let encoding = try table.source.forEachRow(progress: { read, total in
            progress(ImportProgress(file: file, bytesRead: read, totalBytes: total, rows: summary.rows))
        }) { cells, row in
            if row <= table.headerRow {
                if row == table.headerRow {
                    columns = mapHeaders(cells, kind: kind, file: file, row: row).sorted { $0.key < $1.key }
                    csvPaths = Set(columns.map(\.1.path))
                }
                columnHeaders = Dictionary(columns.map { ($0.1.path, $0.1.header) }, uniquingKeysWith: { first, _ in first })
                return
            }
            summary.rows += 1
            let location = String(row)
            if kind == .dataItems {
                let accepted = try items.add(cells: cells, columns: columns, run: &self, file: file, row: location)
                if accepted { summary.created += 1 } else { summary.rejected += 1 }
                return
            }
            switch decodeRow(cells, columns: columns, kind: kind, file: file, row: location) {
            case nil: summary.rejected += 1
            case let object?:
                try save(object, kind: kind, csvPaths: csvPaths, file: file, row: location, summary: &summary)
            }
        }
        try items.finish(run: &self)
        columnHeaders = [:]
        summary.encoding = encoding
        return summary
    }

    private mutating func mapHeaders(_ cells: [String], kind: RecordKind, file: String, row: Int) -> [Int: CSVColumn] {
        var mapped: [Int: CSVColumn] = [:]
        for (index, cell) in cells.enumerated() {
            let key = Self.headerKey(cell)
            if let column = kind.columns.first(where: { $0.header == key || $0.path == key }) {
                mapped[index] = column
            } else if !key.isEmpty {
                record([ValidationIssue(field: key, value: "", rule: "header.unknown", message: "未识别的列，已忽略",
                                        severity: .warning)], file: file, row: String(row))
            }
        }
        return mapped
    }

    /// The JSON object of one row, or `nil` (with issues recorded) when a cell cannot be read.
    mutating func decodeRow(_ cells: [String], columns: [(Int, CSVColumn)], kind: RecordKind,
                            file: String, row: String) -> JSONValue? {
        var object = JSONValue.object([:])
        var failed = false
        for (index, column) in columns {
            let cell = index < cells.count ? cells[index] : ""
            switch CellCodec.decode(cell, as: column.kind) {
            case .success(let value?): object.set(value, at: Substring(column.path))
            case .success(nil): continue
            case .failure(let error):
                failed = true
                record([ValidationIssue(field: column.path, value: cell, rule: error.rule, message: error.message)],
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
                try save(object, kind: kind, csvPaths: nil, file: file, row: "\(kind.rawValue)[\(index)]\(key)", summary: &summary)
                if index % 1000 == 0 {
                    progress(ImportProgress(file: file, bytesRead: Int64(index), totalBytes: Int64(records.count), rows: index))
                }
            }
            summaries.append(summary)
        }
        return summaries
    }

    // MARK: Records

    /// Saves one record. A CSV row (`csvPaths` = its columns) updates a stored resource without touching its
    /// data items (they come from the data-items file) or, when the file has no state column, its state.
    private mutating func save(_ object: JSONValue, kind: RecordKind, csvPaths: Set<String>?, file: String, row: String,
                               summary: inout FileSummary) throws {
        switch kind {
        case .units: try save(GovUnit.self, object, file: file, row: row, summary: &summary)
        case .projects: try save(Project.self, object, file: file, row: row, summary: &summary)
        case .systems: try save(InfoSystem.self, object, file: file, row: row, summary: &summary)
        case .resources:
            let (db, writer) = (self.db, self.writer)
            try save(CatalogResource.self, object, file: file, row: row, summary: &summary) { resource in
                guard let csvPaths, let stored = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT id, body FROM resource WHERE key = ?"), arguments: [resource.naturalKey])
                else { return }
                try CatalogResource.loadChildren(into: &resource, rowID: stored["id"], in: db)
                if !csvPaths.contains("state") {
                    let previous = try writer.decode(CatalogResource.self, body: stored["body"])
                    resource.state = previous.state
                    resource.returnReason = previous.returnReason
                }
            }
        case .dataItems: break
        }
    }

    private mutating func save<E: StoredEntity>(_ type: E.Type, _ object: JSONValue, file: String, row: String,
                                                summary: inout FileSummary,
                                                prepare: (inout E) throws -> Void = { _ in }) throws {
        var candidate: E
        do {
            candidate = try decoder.decode(E.self, from: object.data)
        } catch let error as DecodingError {
            summary.rejected += 1
            record([DecodingProblem.issue(for: error)], file: file, row: row)
            return
        }
        candidate.normalize(codes: writer.codes)
        if let refused = try outsideUnit(candidate) {
            summary.rejected += 1
            record([refused], file: file, row: row)
            return
        }
        try prepare(&candidate)
        do {
            let (stored, outcome) = try writer.save(candidate, mode: .upsert, now: now, in: db)
            switch outcome {
            case .created: summary.created += 1
            case .updated: summary.updated += 1
            case .unchanged: summary.unchanged += 1
            }
            record(stored.warnings.filter { !(itemsFollow && $0.rule == "items.required") }, file: file, row: row)
        } catch let error as LedgerError {
            summary.rejected += 1
            let details = error.details.isEmpty
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
            try String.fetchOne(db.cachedStatement(sql: "SELECT \(table == "unit" ? "key" : "unit_key") FROM \(table) WHERE key = ?"), arguments: [key])
        }
        let (field, owner): (String, String?) = switch record {
        case let found as GovUnit: ("uscc", found.uscc)
        case let project as Project: ("unitUSCC", project.unitUSCC)
        case let system as InfoSystem: ("unitUSCC", system.unitUSCC)
        case let resource as CatalogResource: ("systemCode", try unitKey("system", resource.systemCode))
        default: ("", nil)
        }
        let existing = try unitKey(E.table, record.naturalKey)
        guard owner != unit || (existing != nil && existing != unit) else { return nil }
        return ValidationIssue(field: field, value: owner ?? "", rule: "import.own-unit",
                               message: "数据专员只能导入本单位（\(unit)）的\(E.label)；“\(record.naturalKey)”属于\(existing ?? owner ?? "未登记的单位")",
                               article: "Art. 5")
    }
}

/// Data items from a CSV file: rows of one resource must be contiguous; the file replaces the items of
/// each resource it names. A resource whose items change gets a new version and an audit entry with the old and
/// new item lists.
struct ItemImport {
    private var current: (key: String, id: Int64, old: [DataItem], items: [DataItem], seen: Set<String>, seq: Int)?
    private var finished: Set<String> = []

    mutating func add(cells: [String], columns: [(Int, CSVColumn)], run: inout ImportRun, file: String, row: String) throws -> Bool {
        // The cells are read directly (no JSON object per row): this file is the bulk of a large import.
        func cell(_ path: String) -> String {
            guard let index = columns.first(where: { $0.1.path == path })?.0, index < cells.count else { return "" }
            return cells[index]
        }
        var numbers: [String: Int] = [:]
        for path in ["seq", "length"] {
            switch CellCodec.decode(cell(path), as: .int) {
            case .success(.int(let value)?): numbers[path] = Int(value)
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
            if finished.contains(key) {
                return reject("resourceCode", key, "items.contiguous", "同一信息资源的信息项应连续排列")
            }
            guard let found = try Row.fetchOne(run.db.cachedStatement(sql: "SELECT id, unit_key FROM resource WHERE key = ?"),
                                               arguments: [key]) else {
                return reject("resourceCode", key, "reference.exists", "信息资源“\(key)”不存在，请先导入信息资源")
            }
            if let unit = run.unit, found["unit_key"] != unit {
                return reject("resourceCode", key, "import.own-unit", "数据专员只能导入本单位（\(unit)）信息资源的信息项", article: "Art. 5")
            }
            let id: Int64 = found["id"]
            let old = try CatalogResource.storedItems(rowID: id, in: run.db)
            try run.db.cachedStatement(sql: "DELETE FROM data_item WHERE resource_id = ?").execute(arguments: [id])
            current = (key, id, old, [], [], 0)
        }
        let description = Normalize.text(cell("description"))
        var item = DataItem(name: Normalize.text(cell("name")), type: cell("type"), length: numbers["length"],
                            description: description.isEmpty ? nil : description)
        item.type = run.writer.codes.dataType(item.type)?.code ?? Normalize.text(item.type)
        var problems = DataItem.issues(of: item, codes: run.writer.codes)
        if current!.seen.contains(item.name) {
            problems.append(ValidationIssue(field: "name", value: item.name, rule: "items.unique-name",
                                            message: "信息项名称“\(item.name)”重复", article: Reference.catalogGuideline))
        }
        run.record(problems, file: file, row: row)
        if problems.hasErrors { return false }
        let seq = numbers["seq"] ?? current!.seq + 1
        current!.seq = max(current!.seq, seq)
        current!.items.append(item)
        current!.seen.insert(item.name)
        try run.db.cachedStatement(
            sql: "INSERT INTO data_item (resource_id, seq, name, type, length, description) VALUES (?, ?, ?, ?, ?, ?)"
        ).execute(arguments: [current!.id, seq, item.name, item.type, item.length, item.description])
        return true
    }

    /// Refreshes the search text of the resource whose items were just replaced.
    mutating func finish(run: inout ImportRun) throws {
        guard let done = current else { return }
        current = nil
        finished.insert(done.key)
        guard let row = try Row.fetchOne(run.db.cachedStatement(
            sql: "SELECT name, json_extract(body, '$.summary') AS summary FROM resource WHERE id = ?"), arguments: [done.id])
        else { return }
        let text = CatalogResource.searchText(code: done.key, name: row["name"], summary: row["summary"] ?? "", itemNames: done.items.map(\.name))
        try SearchIndex(table: CatalogResource.table).replace(run.db, id: done.id, name: row["name"], text: text)
        guard done.items != done.old else { return }
        try run.db.cachedStatement(sql: "UPDATE resource SET version = version + 1, updated_at = ? WHERE id = ?").execute(arguments: [run.now, done.id])
        func json(_ items: [DataItem]) throws -> String? { items.isEmpty ? nil : try CanonicalJSON.text(items) }
        try AuditLog.append(run.db, actor: run.writer.actor, action: "update", entity: CatalogResource.table, key: done.key,
                            changes: [FieldChange(field: "items", old: try json(done.old), new: try json(done.items))])
    }
}
