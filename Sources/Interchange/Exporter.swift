import Foundation
import LedgerCore
import LedgerStore
import Spreadsheet

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
        try await ledger.records.scan(scope) { scan in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            var output = Data("{\n  \"format\" : \"ybz-ledger/1\"".utf8)
            func section<E: StoredEntity>(_ type: E.Type, _ kind: RecordKind) throws {
                output.append(contentsOf: Array(",\n  \"\(kind.rawValue)\" : [".utf8))
                var first = true
                try scan.forEach(E.self, withItems: true) { record in
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
        return try await ledger.records.scan(scope) { scan in
            try RecordKind.allCases.map { kind in
                let url = directory.appendingPathComponent(kind.fileName)
                var csv = try CSVWriter(url: url)
                try Self.forEachRow(kind, in: scan) { try csv.write($0) }
                try csv.close()
                return url
            }
        }
    }

    /// One Excel workbook: a sheet per kind (建设单位 … 信息项) with Chinese headers, drop-down lists of the code
    /// lists, integers as numbers, and the 代码表 sheet listing every allowed code (the drop-downs' lists, the resource
    /// classification, data types with their names, the multi-value lists). With `template`, the sheets hold headers
    /// only.
    public func xlsxData(template: Bool = false) async throws -> Data {
        let codes = ledger.codes
        let book = try await ledger.records.scan(scope) { scan in
            var lists = CodeSheet()
            let sheets = try RecordKind.allCases.map { kind in
                var rows: [[String]] = []
                try Self.forEachRow(kind, in: scan) { row in
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
            lists.addReference(codes)
            return Workbook(sheets: sheets + [lists.sheet])
        }
        return try XLSXWriter.data(book)
    }

    /// Every record of one kind in the scope (resources with their data items), in natural-key order.
    func records<E: StoredEntity>(_ type: E.Type) async throws -> [E] {
        try await ledger.records.scan(scope) { scan in
            var all: [E] = []
            try scan.forEach(E.self, withItems: true) { all.append($0) }
            return all
        }
    }

    /// The header row and then each row of `kind` in the scope, as cells.
    private static func forEachRow(_ kind: RecordKind, in scan: any RecordScan, _ emit: ([String]) throws -> Void) throws {
        func table<E: StoredEntity>(_ type: E.Type) throws {
            try scan.forEach(E.self, withItems: false) { record in
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
                try scan.forEachDataItem { code, seq, item in
                    try emit([code, String(seq), item.name, item.type, item.length.map(String.init) ?? "", item.description ?? ""])
                }
            }
        } catch is CancellationError {}  // a template wants the header only
    }
}

/// The 代码表 sheet: one column per code list — those the drop-downs of the other sheets point to, then the codes to
/// look up (classification, data types, the lists a cell may name several of). The import passes over it.
public struct CodeSheet {
    /// The sheet's name, which the import recognises and skips.
    public static let name = "代码表"
    private var columns: [[String]] = []

    /// Adds the codes people look up rather than pick: every classification code with its names (the first six digits
    /// of a resource code), every data type with its name, and the multi-value lists (several values separated by “;”).
    mutating func addReference(_ codes: CodeLists) {
        columns.append(["信息资源分类（资源代码前6位）"] + codes.classificationSubjects.map { "\($0.code) \($0.path)" })
        columns.append(["数据类型（代码 名称）"] + codes.dataTypes.map { "\($0.code) \($0.name)" })
        for (header, list) in [("应用类别", codes.appCategories), ("网络类型", codes.networks), ("验收材料", codes.materials)] {
            columns.append(["\(header)（可填多个，用“;”分隔）"] + list.map(\.name))
        }
    }

    /// The absolute range of `values` on this sheet, adding them as a new column headed `title`.
    mutating func range(for values: [String], named title: String) -> String {
        columns.append([title] + values)
        let letter = Sheet.columnName(columns.count - 1)
        return "\(Self.name)!$\(letter)$2:$\(letter)$\(values.count + 1)"
    }

    var sheet: Sheet {
        let height = columns.map(\.count).max() ?? 0
        return Sheet(name: Self.name, rows: (0..<height).map { row in columns.map { row < $0.count ? $0[row] : "" } })
    }
}
