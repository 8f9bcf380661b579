/// A workbook as the product reads and writes it: named sheets of text cells. Numbers are kept as the text
/// Excel shows, dates as `YYYY-MM-DD`, so values pass through a spreadsheet unchanged.
public struct Workbook: Sendable, Equatable {
    public var sheets: [Sheet]

    public init(sheets: [Sheet]) { self.sheets = sheets }

    /// The sheet called `name`.
    public subscript(name: String) -> Sheet? { sheets.first { $0.name == name } }
}

/// One worksheet.
public struct Sheet: Sendable, Equatable {
    public var name: String
    /// Rows from the first; a row holds cells from column A, trailing empty cells left out.
    public var rows: [[String]]
    /// Written as numbers (right-aligned, summable in Excel) when the text is a plain decimal number (`12`, `-3.50`):
    /// column indexes.
    public var numericColumns: Set<Int>
    /// Drop-down lists: column index → the range of allowed values (`代码表!$A$2:$A$9`), applied below the header.
    public var listValidations: [Int: String]
    /// Hidden sheets (code lists the drop-downs point to).
    public var hidden: Bool

    public init(name: String, rows: [[String]], numericColumns: Set<Int> = [], listValidations: [Int: String] = [:], hidden: Bool = false) {
        self.name = name
        self.rows = rows
        self.numericColumns = numericColumns
        self.listValidations = listValidations
        self.hidden = hidden
    }

    /// The spreadsheet name of column `index` (0 → A, 26 → AA).
    public static func columnName(_ index: Int) -> String {
        var name = ""
        var number = index + 1
        while number > 0 {
            let remainder = (number - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + remainder))) + name
            number = (number - 1) / 26
        }
        return name
    }

    /// The column index of a cell reference's letters (`AB12` → 27), or `nil` when it has none.
    public static func columnIndex(of reference: some StringProtocol) -> Int? {
        var index = 0
        var letters = 0
        for scalar in reference.unicodeScalars {
            guard (65...90).contains(scalar.value) || (97...122).contains(scalar.value) else { break }
            index = index * 26 + Int(scalar.value & 0xDF) - 64
            letters += 1
        }
        return letters == 0 ? nil : index - 1
    }

    /// The row number of a cell reference (`AB12` → 12).
    static func rowNumber(of reference: some StringProtocol) -> Int? {
        Int(reference.drop { !$0.isNumber })
    }
}
