/// One CSV line (RFC 4180): cells with a comma, quote or line break are quoted, lines end with CRLF.
public enum CSVLine {
    /// The line for `cells`, with its CRLF.
    public static func encode(_ cells: [String]) -> String {
        cells.map { cell in
            cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
        }.joined(separator: ",") + "\r\n"
    }

    /// The UTF-8 byte order mark Excel needs to read UTF-8 CSV as such.
    public static let byteOrderMark = "\u{FEFF}"

    /// A whole CSV document for Excel: the byte order mark, then one line per row (the header first).
    public static func document(_ rows: [[String]]) -> String {
        byteOrderMark + rows.map(encode).joined()
    }
}
