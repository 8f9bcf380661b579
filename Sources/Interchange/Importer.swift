import Foundation
import LedgerCore
import LedgerStore
import Spreadsheet

/// Imports JSON documents, CSV files and Excel workbooks of units, projects, systems, resources and data items, and
/// DCAT catalogs, in one transaction: all or nothing (`LedgerImport`). Every row is checked by the same write path as
/// the API, and every rejected row is reported with its file, row, field and rule. CSV is streamed, whatever its size.
public struct Importer: Sendable {
    /// The store's side: the ledger and who imports (every row written is recorded for this actor in the audit trail).
    public let target: LedgerImport

    /// An importer into `ledger` for `actor`.
    public init(ledger: Ledger, actor: Actor) {
        target = LedgerImport(ledger: ledger, actor: actor)
    }

    /// Imports `files` (JSON documents, CSV files, Excel workbooks; with `dcat`, JSON files are DCAT catalogs, and
    /// `.jsonld`, `.ttl` (Turtle) and `.rdf` (RDF/XML) files always are); with `dryRun` (the `validate` command, the
    /// web preview) everything is checked and nothing is kept.
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
                guard case .object(let document)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {  // described below
                    let place = DecodingProblem.syntaxPlace(in: data).map { "不是有效的JSON（\($0)）" }
                    throw LedgerError(.badRequest, "\(file)：\(place ?? "不是JSON对象")（应为 {\"units\": [...], \"systems\": [...], ...}）")
                }
                documents.append(JSONDocument(file: file, fields: document, refused: 0))
            case "json", "jsonld", "ttl", "rdf", "owl":
                let (resources, issues) = try await (dcat ?? DCATImport()).resources(
                    from: try Data(contentsOf: url), file: file, ledger: target.ledger)
                skipped += issues
                let refused = Set(issues.filter { $0.severity == .error }.map(\.row)).count
                documents.append(JSONDocument(file: file, fields: ["resources": .array(resources)], refused: refused))
            case "csv", "txt":
                guard let table = try ImportTable.detect(CSVReader(url: url)) else { throw Self.unrecognised(url.lastPathComponent) }
                tables.append(table)
            case "xlsx":
                let workbook = try XLSXReader.read(try Data(contentsOf: url), file: file)
                var found = 0
                for sheet in workbook.sheets where sheet.name != CodeSheet.name {
                    if let table = try ImportTable.detect(SheetSource(file: file, sheet: sheet)) {
                        tables.append(table)
                        found += 1
                    } else if !sheet.hidden && !sheet.rows.isEmpty {
                        skipped.append(
                            RowIssue(
                                file: "\(file)#\(sheet.name)", row: "1",
                                issue: ValidationIssue(
                                    field: "", value: "", rule: "sheet.unrecognised", message: "工作表无可识别的表头，已跳过",
                                    severity: .warning)))
                    }
                }
                guard found > 0 else { throw Self.unrecognised(file) }
            default:
                throw LedgerError(
                    .badRequest,
                    "\(url.lastPathComponent)：只支持 .json、.csv、.xlsx 文件和 DCAT 目录（.jsonld、.ttl、.rdf）"
                        + "（.xls 请在 Excel 中另存为 .xlsx）")
            }
        }
        // JSON documents first, then tables in dependency order (units before the systems naming them).
        tables.sort { $0.kind < $1.kind }
        let (ordered, jsonFiles) = (tables, documents)
        return try await target.run(
            dryRun: dryRun, unit: unit, issues: skipped, itemsFollow: tables.contains { $0.kind == .dataItems }, progress: progress
        ) { session in
            var files: [FileSummary] = []
            for document in jsonFiles { files += try session.importJSON(document) }
            for table in ordered { files.append(try session.importTable(table)) }
            return files
        }
    }

    /// Imports catalog resources given as JSON objects (a harvest's mapped datasets), all or nothing, each as the row
    /// `resources[i]` of `file` in the report.
    public func run(resources: [JSONValue], file: String, dryRun: Bool) async throws -> ImportReport {
        let document = JSONDocument(file: file, fields: ["resources": .array(resources)], refused: 0)
        return try await target.run(dryRun: dryRun, unit: nil) { session in try session.importJSON(document) }
    }

    static func unrecognised(_ file: String) -> LedgerError {
        LedgerError(
            .badRequest,
            "\(file)：无法从表头识别文件类型（应含“统一社会信用代码”“项目编号”“系统编"
                + "号”“信息资源代码”或“信息项名称”列）")
    }
}

/// A JSON document read before the import's transaction: the ledger's own format, or a DCAT catalog mapped to
/// resources (`refused` datasets could not be mapped and count as refused rows).
struct JSONDocument: Sendable {
    var file: String
    var fields: [String: JSONValue]
    var refused: Int
}

/// How a file's rows become the records and data items an import session checks.
extension ImportSession {
    static func headerKey(_ cell: String) -> String {
        Normalize.text(cell).trimmingCharacters(in: CharacterSet(charactersIn: "*＊"))
    }

    // MARK: Tables (CSV files, workbook sheets)

    mutating func importTable(_ table: ImportTable) throws -> FileSummary {
        let (file, kind) = (table.source.name, table.kind)
        var summary = FileSummary(file: file, kind: kind.rawValue, encoding: "")
        var columns: [(Int, CSVColumn)] = []
        var csvPaths = Set<String>()
        var headerCount = 0
        func report(read: Int64, total: Int64) {
            progress(ImportProgress(file: file, bytesRead: read, totalBytes: total, rows: summary.rows))
        }
        var batch: [(cells: [String], row: String)] = []
        func saveBatch() throws {
            let (columns, headerCount, complete, given) = (columns, headerCount, table.source.rowsAreComplete, csvPaths)
            let rows = try batch.concurrentlyMapped { cells, row in
                if let problem = Self.columnCountProblem(cells, headerCount: headerCount, complete: complete) {
                    return RecordRow(object: nil, given: [], row: row, problems: [problem])
                }
                let (object, problems) = Self.decodeRow(cells, columns: columns)
                return RecordRow(object: object, given: given, row: row, problems: problems)
            }
            batch.removeAll(keepingCapacity: true)
            try save(rows, kind: kind, file: file, summary: &summary)
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
            guard kind == .dataItems else {
                batch.append((cells, location))
                if batch.count == Self.batchSize { try saveBatch() }
                return
            }
            if let problem = Self.columnCountProblem(cells, headerCount: headerCount, complete: table.source.rowsAreComplete) {
                summary.rejected += 1
                record([problem], file: file, row: location)
                return
            }
            let accepted = try addItem(cells, columns: columns, file: file, row: location)
            if accepted { summary.created += 1 } else { summary.rejected += 1 }
        }
        try saveBatch()
        try finishItems()
        columnHeaders = [:]
        summary.encoding = encoding
        return summary
    }

    /// Rows saved together, their records decoded on every core (`ImportSession.save`).
    static let batchSize = 256

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

    mutating func mapHeaders(_ cells: [String], kind: RecordKind, file: String, row: Int) -> [Int: CSVColumn] {
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

    /// The JSON object of one row, or `nil` with the problems of the cells that cannot be read.
    static func decodeRow(_ cells: [String], columns: [(Int, CSVColumn)]) -> (JSONValue?, [ValidationIssue]) {
        var object = JSONValue.object([:])
        var problems: [ValidationIssue] = []
        for (index, column) in columns {
            let cell = index < cells.count ? cells[index] : ""
            switch CellCodec.decode(cell, as: column.kind) {
            case .success(let value?): object.set(value, at: Substring(column.path))
            case .success(nil): continue
            case .failure(let error):
                problems.append(ValidationIssue(field: column.path, value: cell, rule: error.rule, message: error.message))
            }
        }
        return (problems.isEmpty ? object : nil, problems)
    }

    // MARK: JSON

    mutating func importJSON(_ document: JSONDocument) throws -> [FileSummary] {
        let file = document.file
        var summaries: [FileSummary] = []
        for kind in RecordKind.allCases where kind != .dataItems {
            guard case .array(let records)? = document.fields[kind.rawValue] else { continue }
            var summary = FileSummary(file: file, kind: kind.rawValue, encoding: TextEncoding.utf8.rawValue)
            if kind == .resources { (summary.rows, summary.rejected) = (document.refused, document.refused) }
            for start in stride(from: 0, to: records.count, by: Self.batchSize) {
                let rows = records.indices.clamped(to: start..<(start + Self.batchSize)).map { index in
                    let object = records[index]
                    let key = object.value(at: kind == .units ? "uscc" : "code")?.stringValue.map { " \($0)" } ?? ""
                    let given = Set(object.objectValue?.keys.map { $0 } ?? [])
                    return RecordRow(object: object, given: given, row: "\(kind.rawValue)[\(index)]\(key)")
                }
                summary.rows += rows.count
                try save(rows, kind: kind, file: file, summary: &summary)
                progress(ImportProgress(file: file, bytesRead: Int64(start), totalBytes: Int64(records.count), rows: start))
            }
            summaries.append(summary)
        }
        return summaries
    }

    /// Reads one row of a data-items file: its cells directly (no JSON object per row), for this file is the bulk of a
    /// large import; `false` when it is refused.
    mutating func addItem(_ cells: [String], columns: [(Int, CSVColumn)], file: String, row: String) throws -> Bool {
        func cell(_ path: String) -> String {
            guard let index = columns.first(where: { $0.1.path == path })?.0, index < cells.count else { return "" }
            return cells[index]
        }
        var numbers: [String: Int] = [:]
        for path in ["seq", "length"] {
            switch CellCodec.decode(cell(path), as: .int) {
            case .success(.int(let value)?): numbers[path] = Int(value)  // Int is 64 bits on every platform built for
            case .success: continue
            case .failure(let error):
                record([ValidationIssue(field: path, value: cell(path), rule: error.rule, message: error.message)], file: file, row: row)
                return false
            }
        }
        let item = ItemRow(
            resourceCode: cell("resourceCode"), seq: numbers["seq"], name: cell("name"), type: cell("type"),
            length: numbers["length"], description: cell("description"))
        return try addItem(item, file: file, row: row)
    }
}
