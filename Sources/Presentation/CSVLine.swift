/// One CSV line (RFC 4180): cells with a comma, quote or line break are quoted, lines end with CRLF.
///
/// Cells a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) are
/// written with a leading `'`, as OWASP's CSV injection guidance recommends, so Excel and WPS show them as text; the
/// importer removes that one quote again (`restore`), so an export imports back unchanged.
public enum CSVLine {
    /// The line for `cells`, with its CRLF.
    public static func encode(_ cells: [String]) -> String {
        cells.map { raw in
            let cell = neutralize(raw)
            return cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
        }.joined(separator: ",") + "\r\n"
    }

    /// The characters that make a spreadsheet read a cell as a formula.
    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// Whether `cell` must be written behind a `'`: it starts a formula, or it is itself a quote before such a cell
    /// (so that a text really starting with `'=` survives the round trip).
    static func needsQuote(_ cell: Substring) -> Bool {
        guard let first = cell.unicodeScalars.first else { return false }
        if formulaStarts.contains(first) { return true }
        return first == "'" && needsQuote(cell.dropFirst())
    }

    /// The cell as written to a CSV file: behind a `'` when a spreadsheet would take it for a formula.
    public static func neutralize(_ cell: String) -> String {
        needsQuote(Substring(cell)) ? "'" + cell : cell
    }

    /// The cell as it was before `neutralize` (a cell read from a CSV file).
    public static func restore(_ cell: String) -> String {
        cell.first == "'" && needsQuote(cell.dropFirst()) ? String(cell.dropFirst()) : cell
    }

    /// The UTF-8 byte order mark Excel needs to read UTF-8 CSV as such.
    public static let byteOrderMark = "\u{FEFF}"

    /// A whole CSV document for Excel: the byte order mark, then one line per row (the header first).
    public static func document(_ rows: [[String]]) -> String {
        byteOrderMark + rows.map(encode).joined()
    }
}
