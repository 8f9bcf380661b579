import Foundation
import GRDB
import LedgerCore
import Spreadsheet

/// Which part of the ledger an export covers.
public enum ExportScope: Sendable {
    case all
    /// One unit with its projects, systems and resources.
    case unit(String)
    /// One system with its unit, projects and resources.
    case system(String)
}

/// Writes the ledger losslessly as one JSON document or as a folder of CSV files (UTF-8 with BOM):
/// importing an export into an empty database and exporting again gives identical output.
/// Rows are streamed in natural-key order, so memory stays flat whatever the size.
public struct Exporter: Sendable {
    public let ledger: Ledger
    public let scope: ExportScope

    public init(ledger: Ledger, scope: ExportScope = .all) {
        self.ledger = ledger
        self.scope = scope
    }

    /// The JSON document: `{"format": "ybz-ledger/1", "units": [...], "projects": [...], "systems": [...], "resources": [...]}`.
    public func writeJSON(to url: URL) async throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: url.path) else {
            throw LedgerError(.badRequest, "无法写入文件 \(url.path)")
        }
        do {
            try await writeJSON(to: handle)
        } catch {
            try? handle.close()  // the write's own error is the one to report
            throw error
        }
        try handle.close()
    }

    /// The JSON document, written to an open handle (standard output, say).
    public func writeJSON(to handle: FileHandle) async throws {
        let filters = try await resolveScope()
        try await ledger.database.writer.read { db in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            var output = Data("{\n  \"format\" : \"ybz-ledger/1\"".utf8)
            func section<E: StoredEntity>(_ type: E.Type, _ kind: RecordKind) throws {
                output.append(contentsOf: Array(",\n  \"\(kind.rawValue)\" : [".utf8))
                var first = true
                try forEach(E.self, filter: filters[kind]!, in: db) { record in
                    output.append(contentsOf: Array((first ? "\n" : ",\n").utf8))
                    first = false
                    output.append(try encoder.encode(record))
                    if output.count > 1 << 20 {
                        try handle.write(contentsOf: output)
                        output.removeAll(keepingCapacity: true)
                    }
                }
                output.append(contentsOf: Array((first ? "]" : "\n  ]").utf8))
            }
            try section(GovUnit.self, .units)
            try section(Project.self, .projects)
            try section(InfoSystem.self, .systems)
            try section(CatalogResource.self, .resources)
            output.append(contentsOf: Array("\n}\n".utf8))
            try handle.write(contentsOf: output)
        }
    }

    /// One CSV file per kind in `directory` (`units.csv` … `data-items.csv`); returns their URLs.
    @discardableResult
    public func writeCSV(to directory: URL) async throws -> [URL] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let filters = try await resolveScope()
        return try await ledger.database.writer.read { db in
            try RecordKind.allCases.map { kind in
                let url = directory.appendingPathComponent(kind.fileName)
                var csv = try CSVWriter(url: url)
                try forEachRow(kind, filters: filters, in: db) { try csv.write($0) }
                try csv.close()
                return url
            }
        }
    }

    /// One Excel workbook: a sheet per kind (建设单位 … 信息项) with Chinese headers, drop-down lists of the code
    /// lists (kept on a hidden 代码表 sheet), integers as numbers. With `template`, the sheets hold headers only.
    public func xlsxData(template: Bool = false) async throws -> Data {
        let filters = try await resolveScope()
        let codes = ledger.codes
        let book = try await ledger.database.writer.read { db in
            var lists = CodeSheet()
            let sheets = try RecordKind.allCases.map { kind in
                var rows: [[String]] = []
                try forEachRow(kind, filters: filters, in: db) { row in
                    rows.append(row)
                    if template { throw CancellationError() }
                }
                let choices = kind.choices(codes: codes)
                let columns = kind.columns
                return Sheet(
                    name: kind.sheetName, rows: rows,
                    numericColumns: Set(columns.indices.filter { columns[$0].kind == .int }),
                    listValidations: Dictionary(
                        uniqueKeysWithValues: columns.indices.compactMap { index in
                            choices[columns[index].path].map { (index, lists.range(for: $0, named: columns[index].header)) }
                        }))
            }
            return Workbook(sheets: sheets + [lists.sheet])
        }
        return try XLSXWriter.data(book)
    }

    /// Every record of one kind in the scope (resources with their data items), in natural-key order.
    func records<E: StoredEntity>(_ type: E.Type) async throws -> [E] {
        let filters = try await resolveScope()
        let kind = RecordText.kind(of: E.self) ?? .resources
        return try await ledger.database.writer.read { db in
            var all: [E] = []
            try forEach(E.self, filter: filters[kind]!, in: db) { all.append($0) }
            return all
        }
    }

    /// The header row and then each row of `kind` in the scope, as cells.
    private func forEachRow(_ kind: RecordKind, filters: [RecordKind: Filter], in db: Database, _ emit: ([String]) throws -> Void) throws {
        func table<E: StoredEntity>(_ type: E.Type) throws {
            try forEach(E.self, filter: filters[kind]!, withItems: false, in: db) { record in
                let object = try CanonicalJSON.decoder.decode(JSONValue.self, from: try CanonicalJSON.encode(record))
                try emit(kind.columns.map { CellCodec.encode(object.value(at: $0.path), as: $0.kind) })
            }
        }
        do {
            try emit(kind.columns.map(\.header))
            switch kind {
            case .units: try table(GovUnit.self)
            case .projects: try table(Project.self)
            case .systems: try table(InfoSystem.self)
            case .resources: try table(CatalogResource.self)
            case .dataItems:
                let filter = filters[.resources]!
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT r.key, d.seq, d.name, d.type, d.length, d.description
                        FROM data_item d JOIN resource r ON r.id = d.resource_id
                        \(filter.sql.replacingOccurrences(of: "WHERE ", with: "WHERE r.")) ORDER BY r.key, d.seq
                        """, arguments: filter.arguments)
                while let row = try rows.next() {
                    let length: Int? = row[4]
                    let description: String? = row[5]
                    try emit([row[0], String(row[1] as Int), row[2], row[3], length.map(String.init) ?? "", description ?? ""])
                }
            }
        } catch is CancellationError {}  // a template wants the header only
    }

    /// A `WHERE` clause on one table.
    struct Filter: Sendable {
        var sql: String
        var arguments: StatementArguments
    }

    /// The rows of each kind the scope covers.
    private func resolveScope() async throws -> [RecordKind: Filter] {
        let all = Filter(sql: "", arguments: [])
        switch scope {
        case .all:
            return Dictionary(uniqueKeysWithValues: RecordKind.allCases.map { ($0, all) })
        case .unit(let uscc):
            _ = try await ledger.records.fetch(GovUnit.self, key: uscc)
            let byUnit = Filter(sql: "WHERE unit_key = ?", arguments: [uscc])
            return [
                .units: Filter(sql: "WHERE key = ?", arguments: [uscc]), .projects: byUnit, .systems: byUnit,
                .resources: byUnit, .dataItems: byUnit
            ]
        case .system(let code):
            let system = try await ledger.records.fetch(InfoSystem.self, key: code).record
            let projects =
                system.projectCodes.isEmpty
                ? "WHERE 0" : "WHERE key IN (\(Array(repeating: "?", count: system.projectCodes.count).joined(separator: ", ")))"
            return [
                .units: Filter(sql: "WHERE key = ?", arguments: [system.unitUSCC]),
                .projects: Filter(sql: projects, arguments: StatementArguments(system.projectCodes)),
                .systems: Filter(sql: "WHERE key = ?", arguments: [code]),
                .resources: Filter(sql: "WHERE system_key = ?", arguments: [code]),
                .dataItems: Filter(sql: "WHERE system_key = ?", arguments: [code])
            ]
        }
    }

    private func forEach<E: StoredEntity>(
        _ type: E.Type, filter: Filter, withItems: Bool = true, in db: Database,
        _ body: (E) throws -> Void
    ) throws {
        let decoder = JSONDecoder()
        let rows = try Row.fetchCursor(
            db, sql: "SELECT id, body FROM \(E.table) \(filter.sql) ORDER BY key",
            arguments: filter.arguments)
        while let row = try rows.next() {
            var record = try decoder.decode(E.self, from: Data((row["body"] as String).utf8))
            if withItems { try E.loadChildren(into: &record, rowID: row["id"], in: db) }
            try body(record)
        }
    }
}

/// The hidden 代码表 sheet: one column per code list, which the drop-downs of the other sheets point to.
struct CodeSheet {
    static let name = "代码表"
    private var columns: [[String]] = []

    /// The absolute range of `values` on this sheet, adding them as a new column headed `title`.
    mutating func range(for values: [String], named title: String) -> String {
        columns.append([title] + values)
        let letter = Sheet.columnName(columns.count - 1)
        return "\(Self.name)!$\(letter)$2:$\(letter)$\(values.count + 1)"
    }

    var sheet: Sheet {
        let height = columns.map(\.count).max() ?? 0
        return Sheet(name: Self.name, rows: (0..<height).map { row in columns.map { row < $0.count ? $0[row] : "" } }, hidden: true)
    }
}
