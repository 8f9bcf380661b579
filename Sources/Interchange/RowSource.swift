import Foundation
import LedgerCore
import LedgerStore
import Spreadsheet

/// The rows of one table to import: a CSV file, or one sheet of an Excel workbook. Row numbers are the ones a
/// spreadsheet shows (header = 1 unless rows above it hold titles).
protocol RowSource: Sendable {
    /// How the table is named in reports: `resources.csv`, `目录.xlsx#信息资源`.
    var name: String { get }
    /// Whether every row carries as many cells as it has columns (CSV); a sheet leaves trailing empty cells out.
    var rowsAreComplete: Bool { get }
    /// Calls `body` with each row's cells and number; returns the text encoding for the report.
    func forEachRow(progress: (Int64, Int64) -> Void, _ body: ([String], Int) throws -> Void) throws -> String
}

extension CSVReader: RowSource {
    var name: String { url.lastPathComponent }
    var rowsAreComplete: Bool { true }

    func forEachRow(progress: (Int64, Int64) -> Void, _ body: ([String], Int) throws -> Void) throws -> String {
        try forEachRow(progress: progress, body).rawValue
    }
}

/// One sheet of a workbook already read into memory.
struct SheetSource: RowSource {
    let file: String
    let sheet: Sheet

    var name: String { "\(file)#\(sheet.name)" }
    var rowsAreComplete: Bool { false }

    func forEachRow(progress: (Int64, Int64) -> Void, _ body: ([String], Int) throws -> Void) throws -> String {
        for (index, row) in sheet.rows.enumerated() where !row.allSatisfy(\.isEmpty) {
            try body(row, index + 1)
            if index % 1000 == 0 { progress(Int64(index), Int64(sheet.rows.count)) }
        }
        return "XLSX"
    }
}

/// One table of an import with its kind, found from its header row.
struct ImportTable: Sendable {
    let source: any RowSource
    let kind: RecordKind
    /// The row holding the column names (titles may sit above it in a workbook).
    let headerRow: Int

    /// How many leading rows may hold titles before the header.
    static let headerSearchRows = 5

    /// The kind and header row of a source, or `nil` when none of its first rows is a known header.
    static func detect(_ source: any RowSource) throws -> ImportTable? {
        var found: ImportTable?
        do {
            func quiet(_: Int64, _: Int64) {}
            _ = try source.forEachRow(progress: quiet) { row, number in
                if let kind = RecordKind.detect(headers: row.map(ImportSession.headerKey)) {
                    found = ImportTable(source: source, kind: kind, headerRow: number)
                }
                if found != nil || number >= headerSearchRows { throw CancellationError() }  // the header is all that is needed
            }
        } catch is CancellationError {}
        return found
    }
}
