import Foundation
import ZIPFoundation

/// Writes a workbook as an Office Open XML spreadsheet (.xlsx) that Excel and WPS open: shared strings, a bold
/// frozen header row, integer columns as numbers, drop-down lists, hidden code-list sheets.
public enum XLSXWriter {
    /// The media type of a workbook.
    public static let contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    /// The .xlsx file's bytes.
    public static func data(_ workbook: Workbook) throws -> Data {
        var strings = SharedStrings()
        let sheets = workbook.sheets.map { sheetXML($0, strings: &strings) }
        let archive = try Archive(accessMode: .create)
        var parts: [(String, String)] = [
            ("[Content_Types].xml", contentTypes(sheetCount: sheets.count)),
            (
                "_rels/.rels",
                """
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"\
                 Target="xl/workbook.xml"/>\
                </Relationships>
                """
            ),
            ("xl/workbook.xml", workbookXML(workbook)),
            ("xl/_rels/workbook.xml.rels", workbookRels(sheetCount: sheets.count)),
            ("xl/styles.xml", styles),
            ("xl/sharedStrings.xml", strings.xml)
        ]
        parts += sheets.enumerated().map { ("xl/worksheets/sheet\($0.offset + 1).xml", $0.element) }
        for (path, text) in parts {
            let bytes = Data((header + text).utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let data = archive.data else { throw CocoaError(.fileWriteUnknown) }
        return data
    }

    static let header = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"

    /// Escapes text for XML content and attribute values, dropping characters XML 1.0 cannot carry.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default: if scalar.value >= 0x20 { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    /// Digits with an optional sign and decimal part: what Excel stores as a number without changing it.
    static func isPlainNumber(_ text: String) -> Bool {
        let body = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        return (1...2).contains(parts.count) && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
            && body.count <= 15
    }

    static func sheetXML(_ sheet: Sheet, strings: inout SharedStrings) -> String {
        var xml = "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        if !sheet.hidden, !sheet.rows.isEmpty {
            xml +=
                "<sheetViews><sheetView workbookViewId=\"0\">"
                + "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/></sheetView></sheetViews>"
        }
        let widest = sheet.rows.map(\.count).max() ?? 0
        if widest > 0 { xml += "<cols><col min=\"1\" max=\"\(widest)\" width=\"18\" customWidth=\"1\"/></cols>" }
        xml += "<sheetData>"
        for (rowIndex, row) in sheet.rows.enumerated() {
            xml += "<row r=\"\(rowIndex + 1)\">"
            for (column, text) in row.enumerated() where !text.isEmpty {
                let reference = "\(Sheet.columnName(column))\(rowIndex + 1)"
                let style = rowIndex == 0 ? " s=\"1\"" : ""
                if rowIndex > 0, sheet.numericColumns.contains(column), isPlainNumber(text) {
                    xml += "<c r=\"\(reference)\"\(style)><v>\(text)</v></c>"
                } else {
                    xml += "<c r=\"\(reference)\"\(style) t=\"s\"><v>\(strings.index(of: text))</v></c>"
                }
            }
            xml += "</row>"
        }
        xml += "</sheetData>"
        if !sheet.listValidations.isEmpty {
            xml += "<dataValidations count=\"\(sheet.listValidations.count)\">"
            for (column, range) in sheet.listValidations.sorted(by: { $0.key < $1.key }) {
                let letter = Sheet.columnName(column)
                xml +=
                    "<dataValidation type=\"list\" allowBlank=\"1\" showErrorMessage=\"1\" errorTitle=\"不在代码表中\" "
                    + "error=\"请从下拉列表中选择\" sqref=\"\(letter)2:\(letter)1048576\"><formula1>\(escape(range))</formula1></dataValidation>"
            }
            xml += "</dataValidations>"
        }
        return xml + "</worksheet>"
    }

    static func workbookXML(_ workbook: Workbook) -> String {
        let sheets = workbook.sheets.enumerated().map { index, sheet in
            "<sheet name=\"\(escape(sheet.name))\" sheetId=\"\(index + 1)\"\(sheet.hidden ? " state=\"hidden\"" : "") r:id=\"rId\(index + 1)\"/>"
        }.joined()
        return """
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>\(sheets)</sheets></workbook>
            """
    }

    static func workbookRels(sheetCount: Int) -> String {
        let base = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        let sheets = (0..<sheetCount).map { $0 + 1 }.map {
            "<Relationship Id=\"rId\($0)\" Type=\"\(base)/worksheet\" Target=\"worksheets/sheet\($0).xml\"/>"
        }.joined()
        return """
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\(sheets)\
            <Relationship Id="rId\(sheetCount + 1)" Type="\(base)/styles" Target="styles.xml"/>\
            <Relationship Id="rId\(sheetCount + 2)" Type="\(base)/sharedStrings" Target="sharedStrings.xml"/></Relationships>
            """
    }

    static func contentTypes(sheetCount: Int) -> String {
        let main = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        let sheets = (0..<sheetCount).map {
            "<Override PartName=\"/xl/worksheets/sheet\($0 + 1).xml\" ContentType=\"\(main).worksheet+xml\"/>"
        }.joined()
        return """
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/xl/workbook.xml" ContentType="\(main).sheet.main+xml"/>\
            <Override PartName="/xl/styles.xml" ContentType="\(main).styles+xml"/>\
            <Override PartName="/xl/sharedStrings.xml" ContentType="\(main).sharedStrings+xml"/>\(sheets)</Types>
            """
    }

    /// Two cell formats: plain, and the bold shaded header.
    static let styles = """
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
        <fonts count="2"><font><sz val="11"/><name val="等线"/></font><font><b/><sz val="11"/><name val="等线"/></font></fonts>\
        <fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>\
        <fill><patternFill patternType="solid"><fgColor rgb="FFDDE6F0"/></patternFill></fill></fills>\
        <borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>\
        <cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>\
        <xf numFmtId="49" fontId="1" fillId="2" borderId="0" applyFont="1" applyFill="1" applyNumberFormat="1"/></cellXfs>\
        <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>
        """
}

/// The shared string table: each distinct text once.
struct SharedStrings {
    private var indexes: [String: Int] = [:]
    private var ordered: [String] = []

    mutating func index(of text: String) -> Int {
        if let index = indexes[text] { return index }
        indexes[text] = ordered.count
        ordered.append(text)
        return ordered.count - 1
    }

    var xml: String {
        "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"\(ordered.count)\" uniqueCount=\"\(ordered.count)\">"
            + ordered.map { "<si><t xml:space=\"preserve\">\(XLSXWriter.escape(XString.encode($0)))</t></si>" }.joined() + "</sst>"
    }
}
