import Foundation
import LedgerCore
import Testing
import ZIPFoundation

@testable import Spreadsheet

@Suite struct XLSXTests {
    @Test func writtenWorkbookReadsBackCellForCell() throws {
        let rows = [
            ["信息资源代码", "名称", "记录数", "说明"],
            ["101001/000004", "企业登记信息 & <法人>", "1200", "含\"引号\"与\n换行"],
            ["000123", "", "7"],
            ["", "仅第二列"]
        ]
        let codes = Sheet(name: "代码表", rows: [["共享类型"], ["无条件共享"], ["有条件共享"], ["不予共享"]], hidden: true)
        let book = Workbook(sheets: [Sheet(name: "信息资源", rows: rows, numericColumns: [2], listValidations: [1: "代码表!$A$2:$A$4"]), codes])
        let data = try XLSXWriter.data(book)
        let read = try XLSXReader.read(data, file: "目录.xlsx")
        #expect(read.sheets.map(\.name) == ["信息资源", "代码表"])
        #expect(read["信息资源"]?.rows == rows)
        #expect(read["代码表"]?.hidden == true)
        #expect(read["代码表"]?.rows == codes.rows)
        // The integer column is stored as a number, the leading-zero code as text.
        let archive = try Archive(data: data, accessMode: .read)
        var sheetXML = Data()
        _ = try archive.extract(archive["xl/worksheets/sheet1.xml"]!) { sheetXML.append($0) }
        let xml = String(decoding: sheetXML, as: UTF8.self)
        #expect(xml.contains("<c r=\"C2\"><v>1200</v></c>"))
        #expect(xml.contains("<dataValidation type=\"list\""))
        #expect(xml.contains("sqref=\"B2:B1048576\""))
    }

    @Test func readsWhatExcelAndWPSWrite() throws {
        // Inline strings, rich text with a phonetic guide, date serials under a built-in and a Chinese custom format,
        // a number Excel stored with a decimal point, booleans, cells without references, and a merged header.
        let sheet = """
            <?xml version="1.0" encoding="UTF-8"?>
            <x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>
            <x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>基本信息</x:t></x:is></x:c><x:c r="C1" t="s"><x:v>0</x:v></x:c></x:row>
            <x:row r="2"><x:c t="s"><x:v>1</x:v></x:c><x:c t="inlineStr"><x:is><x:t>名称</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>\
            发布日期</x:t>\
            </x:is></x:c></x:row>
            <x:row r="4"><x:c r="A4"><x:v>1500000.0</x:v></x:c><x:c r="B4" t="b"><x:v>1</x:v></x:c><x:c r="C4" s="1"><x:v>45658</x:v></x:c><x:c\
             r="D4" s="2"><x:v>61</x:v></x:c><x:c r="E4" t="str"><x:v>#N/A</x:v></x:c></x:row>
            </x:sheetData><x:mergeCells count="1"><x:mergeCell ref="A1:B1"/></x:mergeCells></x:worksheet>
            """
        let strings = """
            <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><r><t>数据</t></r><r><rPr><b/></rPr><t>时间</t></r><rPh\
             sb="0"\
             eb="2"><t>シ</t></rPh></si><si><t>代码</t></si></sst>
            """
        let styles = """
            <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="176"\
             formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>
            <cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="176"/><xf numFmtId="14"/></cellXfs></styleSheet>
            """
        let data = try Self.workbook(sheet: sheet, strings: strings, styles: styles, date1904: false)
        let rows = try XLSXReader.read(data, file: "wps.xlsx").sheets[0].rows
        #expect(rows[0] == ["基本信息", "基本信息", "数据时间"])
        #expect(rows[1] == ["代码", "名称", "发布日期"])
        #expect(rows[2] == [])
        #expect(rows[3] == ["1500000", "TRUE", "2025-01-01", "1900-03-01", "#N/A"])
    }

    @Test func the1904DateSystemShiftsSerials() throws {
        let sheet = """
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" s="1"><v>0</v></c><c\
             r="B1" s="1"><v>44196</v></c></row></sheetData></worksheet>
            """
        let styles = "<styleSheet><cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/></cellXfs></styleSheet>"
        let data = try Self.workbook(sheet: sheet, strings: nil, styles: styles, date1904: true)
        #expect(try XLSXReader.read(data, file: "mac.xlsx").sheets[0].rows == [["1904-01-01", "2025-01-01"]])
    }

    @Test func unreadableFilesAreRefusedNamingFileAndPart() throws {
        #expect(throws: LedgerError.self) { try XLSXReader.read(Data("资源代码,名称\n".utf8), file: "目录.xlsx") }
        do {
            _ = try XLSXReader.read(Data("not a zip".utf8), file: "目录.xlsx")
        } catch let error as LedgerError {
            #expect(error.message.contains("目录.xlsx") && error.message.contains(".xls"))
        }
        let broken = try Self.workbook(
            sheet: "<worksheet><sheetData><row><c t=\"s\"><v>3</v></c></row></sheetData></worksheet>", strings: nil,
            styles: nil, date1904: false)
        do {
            _ = try XLSXReader.read(broken, file: "坏.xlsx")
            Issue.record("a reference to a missing shared string was accepted")
        } catch let error as LedgerError {
            #expect(error.message == "坏.xlsx：工作表“Sheet1”单元格 A1 引用的共享字符串 3 不存在")
        }
        let malformed = try Self.workbook(sheet: "<worksheet><sheetData><row></sheetData></worksheet>", strings: nil, styles: nil, date1904: false)
        #expect(throws: LedgerError.self) { try XLSXReader.read(malformed, file: "坏.xlsx") }
    }

    @Test func columnNamesAndIndexesAreInverse() {
        for (index, name) in [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA"), (16383, "XFD")] {
            #expect(Sheet.columnName(index) == name)
            #expect(Sheet.columnIndex(of: "\(name)12") == index)
        }
        #expect(Sheet.columnIndex(of: "12") == nil)
    }

    /// A minimal workbook with one sheet built from raw parts, as another program would write it.
    static func workbook(sheet: String, strings: String?, styles: String?, date1904: Bool) throws -> Data {
        let archive = try Archive(accessMode: .create)
        var parts = [
            (
                "xl/workbook.xml",
                """
                <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"\
                 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
                <workbookPr date1904="\(date1904 ? 1 : 0)"/><sheets><sheet name="Sheet1" sheetId="1" r:id="rId7"/></sheets></workbook>
                """
            ),
            (
                "xl/_rels/workbook.xml.rels",
                """
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId7"\
                 Target="/xl/worksheets/data.xml" Type="worksheet"/></Relationships>
                """
            ),
            ("xl/worksheets/data.xml", sheet)
        ]
        if let strings { parts.append(("xl/sharedStrings.xml", strings)) }
        if let styles { parts.append(("xl/styles.xml", styles)) }
        for (path, text) in parts {
            let bytes = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count)) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return archive.data!
    }
}
