import Foundation
import GRDB
import LedgerCore

/// Imports JSON documents and CSV files of units, projects, systems, resources and data items in one
/// transaction: all or nothing. Every row is checked by the same write path as the API, and every
/// rejected row is reported with its file, row, field and rule. CSV is streamed, whatever its size.
public struct Importer: Sendable {
    public let ledger: Ledger

    public init(ledger: Ledger) { self.ledger = ledger }

    /// Imports `files`; with `dryRun` (the `validate` command) everything is checked and nothing is kept.
    public func run(files: [URL], dryRun: Bool,
                    progress: @escaping @Sendable (ImportProgress) -> Void = { _ in }) async throws -> ImportReport {
        // JSON documents first, then CSV files in dependency order (units before the systems naming them).
        let ordered = try files.map { ($0, try Self.kind(of: $0)) }.sorted { lhs, rhs in
            guard let right = rhs.1 else { return false }
            guard let left = lhs.1 else { return true }
            return left < right
        }
        let writer = ledger.writer
        return try await ledger.database.writer.writeWithoutTransaction { db in
            var report = ImportReport(dryRun: dryRun)
            try db.inTransaction {
                var run = ImportRun(writer: writer, db: db, now: Ledger.timestamp(), progress: progress)
                run.itemsFollow = ordered.contains { $0.1 == .dataItems }
                for (url, kind) in ordered {
                    if let kind {
                        report.files.append(try run.importCSV(url, kind: kind))
                    } else {
                        report.files += try run.importJSON(url)
                    }
                }
                report.issues = run.issues
                report.committed = !dryRun && report.rejectedRows == 0
                return report.committed ? .commit : .rollback
            }
            return report
        }
    }

    /// `nil` for a JSON document (which holds every kind), else the CSV file's kind from its header row.
    static func kind(of url: URL) throws -> RecordKind? {
        switch url.pathExtension.lowercased() {
        case "json": return nil
        case "csv", "txt":
            var headers: [String]?
            do {
                _ = try CSVReader(url: url).forEachRow { row, _ in
                    headers = row.map(ImportRun.headerKey)
                    throw CancellationError()  // the header row is all that is needed
                }
            } catch is CancellationError {}
            guard let headers, let kind = RecordKind.detect(headers: headers) else {
                throw LedgerError(.badRequest, "\(url.lastPathComponent)：无法从表头识别文件类型（应含“统一社会信用代码”“项目编号”“系统编号”“信息资源代码”或“信息项名称”列）")
            }
            return kind
        default:
            throw LedgerError(.badRequest, "\(url.lastPathComponent)：只支持 .json 和 .csv 文件")
        }
    }
}

/// The state of one import inside its transaction.
struct ImportRun {
    let writer: RecordWriter
    let db: Database
    let now: String
    let progress: @Sendable (ImportProgress) -> Void
    var issues: [RowIssue] = []
    /// A data-items file is part of this import, so resources without items are not yet incomplete.
    var itemsFollow = false
    /// The Chinese headers of the CSV file being read, by field path, to name columns in issues.
    private var columnHeaders: [String: String] = [:]
    private let decoder = JSONDecoder()

    init(writer: RecordWriter, db: Database, now: String, progress: @escaping @Sendable (ImportProgress) -> Void) {
        self.writer = writer
        self.db = db
        self.now = now
        self.progress = progress
    }

    /// Adds issues of one row, naming the CSV column where the field has one.
    mutating func record(_ found: [ValidationIssue], file: String, row: String) {
        issues += found.map { RowIssue(file: file, row: row, issue: $0, column: columnHeaders[$0.field]) }
    }

    static func headerKey(_ cell: String) -> String {
        Normalize.text(cell).trimmingCharacters(in: CharacterSet(charactersIn: "*＊"))
    }

    // MARK: CSV

    mutating func importCSV(_ url: URL, kind: RecordKind) throws -> FileSummary {
        let file = url.lastPathComponent
        var summary = FileSummary(file: file, kind: kind.rawValue, encoding: "")
        var columns: [Int: CSVColumn] = [:]
        var items = ItemImport()
        let encoding = try CSVReader(url: url).forEachRow(progress: { read, total in
            progress(ImportProgress(file: file, bytesRead: read, totalBytes: total, rows: summary.rows))
        }) { cells, row in
            if columns.isEmpty && row == 1 {
                columns = mapHeaders(cells, kind: kind, file: file)
                columnHeaders = Dictionary(columns.values.map { ($0.path, $0.header) }, uniquingKeysWith: { first, _ in first })
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
                try save(object, kind: kind, csvPaths: Set(columns.values.map(\.path)), file: file, row: location, summary: &summary)
            }
        }
        try items.finish(run: &self)
        columnHeaders = [:]
        summary.encoding = encoding.rawValue
        return summary
    }

    private mutating func mapHeaders(_ cells: [String], kind: RecordKind, file: String) -> [Int: CSVColumn] {
        var mapped: [Int: CSVColumn] = [:]
        for (index, cell) in cells.enumerated() {
            let key = Self.headerKey(cell)
            if let column = kind.columns.first(where: { $0.header == key || $0.path == key }) {
                mapped[index] = column
            } else if !key.isEmpty {
                record([ValidationIssue(field: key, value: "", rule: "header.unknown", message: "未识别的列，已忽略",
                                        severity: .warning)], file: file, row: "1")
            }
        }
        return mapped
    }

    /// The JSON object of one row, or `nil` (with issues recorded) when a cell cannot be read.
    mutating func decodeRow(_ cells: [String], columns: [Int: CSVColumn], kind: RecordKind,
                            file: String, row: String) -> JSONValue? {
        var object = JSONValue.object([:])
        var failed = false
        for (index, column) in columns.sorted(by: { $0.key < $1.key }) {
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

    mutating func importJSON(_ url: URL) throws -> [FileSummary] {
        let file = url.lastPathComponent
        let data = try Data(contentsOf: url)
        guard case .object(let document)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw LedgerError(.badRequest, "\(file)：不是JSON对象（应为 {\"units\": [...], \"systems\": [...], ...}）")
        }
        var summaries: [FileSummary] = []
        for kind in RecordKind.allCases where kind != .dataItems {
            guard case .array(let records)? = document[kind.rawValue] else { continue }
            var summary = FileSummary(file: file, kind: kind.rawValue, encoding: TextEncoding.utf8.rawValue)
            for (index, object) in records.enumerated() {
                summary.rows += 1
                let key = object.value(at: kind == .units ? "uscc" : "code")?.stringValue.map { " \($0)" } ?? ""
                try save(object, kind: kind, csvPaths: nil, file: file, row: "\(kind.rawValue)[\(index)]\(key)", summary: &summary)
                if index % 1000 == 0 {
                    progress(ImportProgress(file: file, bytesRead: Int64(data.count), totalBytes: Int64(data.count), rows: index))
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

/// Data items from a CSV file: rows of one resource must be contiguous; the file replaces the items of
/// each resource it names.
struct ItemImport {
    private var current: (key: String, id: Int64, names: [String], seen: Set<String>, seq: Int)?
    private var finished: Set<String> = []

    mutating func add(cells: [String], columns: [Int: CSVColumn], run: inout ImportRun, file: String, row: String) throws -> Bool {
        guard let object = run.decodeRow(cells, columns: columns, kind: .dataItems, file: file, row: row) else { return false }
        let key = Normalize.text(object.value(at: "resourceCode")?.stringValue ?? "")
        func reject(_ field: String, _ value: String, _ rule: String, _ message: String) -> Bool {
            run.record([ValidationIssue(field: field, value: value, rule: rule, message: message,
                                        article: Reference.catalogGuideline)], file: file, row: row)
            return false
        }
        if current?.key != key {
            try finish(run: &run)
            if finished.contains(key) {
                return reject("resourceCode", key, "items.contiguous", "同一信息资源的信息项应连续排列")
            }
            guard let id = try Int64.fetchOne(run.db.cachedStatement(sql: "SELECT id FROM resource WHERE key = ?"),
                                              arguments: [key]) else {
                return reject("resourceCode", key, "reference.exists", "信息资源“\(key)”不存在，请先导入信息资源")
            }
            try run.db.cachedStatement(sql: "DELETE FROM data_item WHERE resource_id = ?").execute(arguments: [id])
            current = (key, id, [], [], 0)
        }
        var item = DataItem(name: object.value(at: "name")?.stringValue ?? "", type: object.value(at: "type")?.stringValue ?? "",
                            length: object.value(at: "length")?.intValue.map { Int($0) },
                            description: object.value(at: "description")?.stringValue)
        item.name = Normalize.text(item.name)
        item.type = run.writer.codes.dataType(item.type)?.code ?? Normalize.text(item.type)
        var problems = DataItem.issues(of: item, codes: run.writer.codes)
        if current!.seen.contains(item.name) {
            problems.append(ValidationIssue(field: "name", value: item.name, rule: "items.unique-name",
                                            message: "信息项名称“\(item.name)”重复", article: Reference.catalogGuideline))
        }
        run.record(problems, file: file, row: row)
        if problems.hasErrors { return false }
        let seq = object.value(at: "seq")?.intValue.map { Int($0) } ?? current!.seq + 1
        current!.seq = max(current!.seq, seq)
        current!.names.append(item.name)
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
        let text = CatalogResource.searchText(code: done.key, name: row["name"], summary: row["summary"] ?? "", itemNames: done.names)
        try run.db.cachedStatement(sql: "UPDATE resource_fts SET text = ? WHERE rowid = ?").execute(arguments: [text, done.id])
    }
}
