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
    /// Excel's largest sheet: 1,048,576 rows by 16,384 columns (XFD).
    static let maxRows = 1_048_576
    static let maxColumns = 16_384

    public static func columnIndex(of reference: some StringProtocol) -> Int? {
        var index = 0
        var letters = 0
        for scalar in reference.unicodeScalars {
            guard (65...90).contains(scalar.value) || (97...122).contains(scalar.value) else { break }
            // Excel's last column is XFD (16,384): a longer run of letters is no cell reference (and would overflow).
            guard letters < 3 else { return nil }
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

/// The escape of OOXML string items (ECMA-376 Part 1, 22.9.2.19 ST_Xstring): a character XML cannot keep — a carriage
/// return, which XML parsers turn into a line feed, or another control character — is written `_xHHHH_`, and a text
/// that itself looks like such an escape has its underscore written `_x005F_`. Excel reads and writes the same.
enum XString {
    /// The text as written inside `<t>`.
    static func encode(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "_" || ($0.value < 0x20 && $0 != "\t" && $0 != "\n") }) else { return text }
        var out = ""
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            if scalar.value < 0x20 && scalar != "\t" && scalar != "\n" {
                out += "_x" + hex4(scalar.value) + "_"
            } else if scalar == "_", isEscape(scalars, at: index) {
                out += "_x005F_"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The text an `encode`d (or Excel-written) string item stands for.
    static func decode(_ text: String) -> String {
        guard text.contains("_x") else { return text }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if isEscape(scalars, at: index), let value = UInt32(String(String.UnicodeScalarView(scalars[(index + 2)..<(index + 6)])), radix: 16),
                let scalar = Unicode.Scalar(value)
            {
                out.append(scalar)
                index += 7
            } else {
                out.append(scalars[index])
                index += 1
            }
        }
        return String(out)
    }

    /// Whether `_xHHHH_` starts at `index`.
    private static func isEscape(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        guard index + 6 < scalars.count, scalars[index] == "_", scalars[index + 1] == "x", scalars[index + 6] == "_" else { return false }
        return scalars[(index + 2)..<(index + 6)].allSatisfy { $0.properties.isASCIIHexDigit }
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}
