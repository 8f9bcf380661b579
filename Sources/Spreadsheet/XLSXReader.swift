import Foundation
import LedgerCore
import ZIPFoundation

/// Reads what Excel and WPS write: shared and inline strings, rich text, numbers, dates stored as serial numbers
/// (1900 and 1904 systems, recognised by the cell's number format), booleans, merged cells (every cell of a merged
/// range reads as its top-left value, so a merged header names each column it spans). A file that is not a
/// readable workbook is refused naming the file and the part.
public enum XLSXReader {
    /// What one part of a workbook may inflate to, all parts together, and the most a part larger than
    /// `ratioFloor` may inflate per compressed byte (docs/limits.md). Each is checked while the part is inflated,
    /// so a ZIP bomb is refused before its memory or disk is spent.
    public struct Limits: Sendable {
        public var partBytes: Int64 = 256 << 20
        public var totalBytes: Int64 = 512 << 20
        public var ratio: Int64 = 100
        public var ratioFloor: Int64 = 1 << 20
        public init() {}
    }

    /// Reads a workbook. Parts are inflated to a temporary folder, within `limits`, and parsed from there as a stream.
    public static func read(_ data: Data, file: String, limits: Limits = Limits()) throws -> Workbook {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ybz-xlsx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // `try?`: removing our own temporary folder; if it cannot be removed there is nothing for the user to act on.
        defer { try? FileManager.default.removeItem(at: folder) }  // our temp folder
        // Read from a file: ZIPFoundation's in-memory archive traps on some corrupt archives (found by fuzzing).
        let zip = folder.appendingPathComponent("workbook.zip")
        try data.write(to: zip)
        let archive: Archive
        do { archive = try Archive(url: zip, accessMode: .read) } catch {
            throw LedgerError(.badRequest, "\(file)：不是 Excel 工作簿（.xlsx 应为 ZIP 压缩包；.xls 等旧格式请在 Excel 中另存为 .xlsx）")
        }
        var inflated: Int64 = 0
        var count = 0
        func part(_ path: String) throws -> URL? {
            guard let entry = archive[path] else { return nil }
            count += 1
            let target = folder.appendingPathComponent("part\(count).xml")
            let handle: FileHandle
            do {
                guard FileManager.default.createFile(atPath: target.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
                handle = try FileHandle(forWritingTo: target)
            } catch {
                throw LedgerError(.badRequest, "\(file)：无法写入临时目录以读取 \(path)")
            }
            // `try?`: closing a file that was only written to; a failed write was already thrown as an error.
            defer { try? handle.close() }  // written file; writes were checked
            var written: Int64 = 0
            do {
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    written += Int64(chunk.count)
                    inflated += Int64(chunk.count)
                    // A header may state any size (ZIP64 writes a placeholder): a part is never larger than the file.
                    let compressed = max(min(Int64(entry.compressedSize), Int64(data.count)), 1)
                    if written > limits.partBytes || inflated > limits.totalBytes
                        || (written > limits.ratioFloor && written / compressed > limits.ratio)
                    {
                        throw InflationLimit()
                    }
                    try handle.write(contentsOf: chunk)
                }
            } catch is InflationLimit {
                throw LedgerError(
                    .tooLarge,
                    "\(file)：\(path) 解压后过大（单个部件不超过\(limits.partBytes >> 20) MB、合计不超过"
                        + "\(limits.totalBytes >> 20) MB、压缩比不超过\(limits.ratio)倍），疑似压缩炸弹，已拒绝")
            } catch {
                throw LedgerError(.badRequest, "\(file)：\(path) 无法解压（文件损坏或不是 Excel 工作簿）")
            }
            return target
        }
        guard let workbookXML = try part("xl/workbook.xml") else {
            throw LedgerError(.badRequest, "\(file)：缺少 xl/workbook.xml，不是 Excel 工作簿")
        }
        let book = try WorkbookPart.parse(workbookXML, file: file)
        let targets = try (part("xl/_rels/workbook.xml.rels")).map { try Relationships.parse($0, file: file) } ?? [:]
        let strings = try part("xl/sharedStrings.xml").map { try SharedStringsPart.parse($0, file: file) } ?? []
        let styles = try part("xl/styles.xml").map { try StylesPart.parse($0, file: file) } ?? StylesPart()
        var sheets: [Sheet] = []
        for (name, relationship, hidden) in book.sheets {
            guard let target = targets[relationship] else {
                throw LedgerError(.badRequest, "\(file)：工作表“\(name)”在 workbook.xml.rels 中没有对应文件")
            }
            let path = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
            guard let xml = try part(path) else { throw LedgerError(.badRequest, "\(file)：工作表“\(name)”的文件 \(path) 不存在") }
            let rows = try SheetPart.parse(xml, file: file, sheet: name, strings: strings, styles: styles, date1904: book.date1904)
            sheets.append(Sheet(name: name, rows: rows, hidden: hidden))
        }
        return Workbook(sheets: sheets)
    }

    /// Thrown inside the inflating closure to stop at a limit.
    struct InflationLimit: Error {}
}

/// Reads one part's XML as events: each element's start (namespace prefix dropped) with its attributes, and its end
/// with the text directly before it. A small reader of its own rather than Foundation's `XMLParser`, which traps on
/// some malformed documents (found by fuzzing) and refuses a single chunk over 10 MB. It takes what spreadsheets
/// write — elements, attributes, character and the five predefined entity references, CDATA, comments, processing
/// instructions — and refuses a DTD (no entity of a document is ever expanded). The part is mapped, not read in.
enum XMLEvents {
    static func parse(
        _ url: URL, file: String, part: String, start: (String, [String: String]) -> Void = { _, _ in },
        end: (String, String) -> Void = { _, _ in }
    ) throws {
        let data = try Data(contentsOf: url, options: .alwaysMapped)
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var reader = Reader(bytes: bytes)
            do { try reader.run(start: start, end: end) } catch let problem as Reader.Problem {
                let line = bytes[..<min(problem.offset, bytes.count)].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
                throw LedgerError(.badRequest, "\(file)：\(part) 不是有效的XML（第\(line)行：\(problem.message)）")
            }
        }
    }

    static func local(_ name: String) -> String { name.split(separator: ":").last.map(String.init) ?? name }

    struct Reader {
        struct Problem: Error {
            var offset: Int
            var message: String
        }

        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        func starts(_ prefix: String, at position: Int) -> Bool {
            let utf8 = Array(prefix.utf8)
            return position + utf8.count <= bytes.count && bytes[position..<(position + utf8.count)].elementsEqual(utf8)
        }

        /// The position just past the next `terminator` from `index`.
        func after(_ terminator: String, what: String) throws -> Int {
            let utf8 = Array(terminator.utf8)
            var position = index
            while position + utf8.count <= bytes.count {
                if bytes[position] == utf8[0], bytes[position..<(position + utf8.count)].elementsEqual(utf8) { return position + utf8.count }
                position += 1
            }
            throw Problem(offset: index, message: "\(what)没有结束")
        }

        static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        static func endsName(_ byte: UInt8) -> Bool {
            isSpace(byte) || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=")
        }

        mutating func name() throws -> String {
            let begin = index
            while index < bytes.count, !Self.endsName(bytes[index]) { index += 1 }
            guard index > begin else { throw Problem(offset: begin, message: "缺少名称") }
            return String(decoding: bytes[begin..<index], as: UTF8.self)
        }

        mutating func skipSpace() { while index < bytes.count, Self.isSpace(bytes[index]) { index += 1 } }

        /// The entity references XML predefines.
        static let namedEntities: [Substring: Unicode.Scalar] = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'"]

        /// Text with its entity references resolved; a reference the XML standard does not predefine is refused.
        func decode(_ raw: ArraySlice<UInt8>, at offset: Int) throws -> String {
            guard raw.contains(UInt8(ascii: "&")) else { return String(decoding: raw, as: UTF8.self) }
            var out = String.UnicodeScalarView()
            var text = Substring(String(decoding: raw, as: UTF8.self))
            while let amp = text.firstIndex(of: "&") {
                out.append(contentsOf: text[..<amp].unicodeScalars)
                guard let semicolon = text[amp...].firstIndex(of: ";"), text.distance(from: amp, to: semicolon) <= 10 else {
                    throw Problem(offset: offset, message: "“&”后没有实体引用")
                }
                let entity = text[text.index(after: amp)..<semicolon]
                if let scalar = Self.namedEntities[entity] {
                    out.append(scalar)
                } else if entity.hasPrefix("#"),
                    let value = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16) : UInt32(entity.dropFirst()),
                    let scalar = Unicode.Scalar(value)
                {
                    out.append(scalar)
                } else {
                    throw Problem(offset: offset, message: "不认识的实体引用“&\(entity);”")
                }
                text = text[text.index(after: semicolon)...]
            }
            out.append(contentsOf: text.unicodeScalars)
            return String(out)
        }

        mutating func run(start: (String, [String: String]) -> Void, end: (String, String) -> Void) throws {
            var text: [UInt8] = []
            var textStart = 0
            var open: [String] = []  // the elements not yet closed, to refuse a document whose tags do not match
            while index < bytes.count {
                guard bytes[index] == UInt8(ascii: "<") else {
                    if text.isEmpty { textStart = index }
                    text.append(bytes[index])
                    index += 1
                    continue
                }
                if starts("<?", at: index) {
                    index = try after("?>", what: "处理指令")
                } else if starts("<!--", at: index) {
                    index = try after("-->", what: "注释")
                } else if starts("<![CDATA[", at: index) {
                    let close = try after("]]>", what: "CDATA")
                    text.append(contentsOf: bytes[(index + 9)..<(close - 3)])
                    index = close
                } else if starts("<!", at: index) {
                    throw Problem(offset: index, message: "不接受DTD（<!DOCTYPE>）")
                } else if starts("</", at: index) {
                    index += 2
                    let at = index
                    let element = try name()
                    index = try after(">", what: "结束标签")
                    guard open.popLast() == element else { throw Problem(offset: at, message: "结束标签</\(element)>与开始标签不匹配") }
                    end(XMLEvents.local(element), try decode(text[...], at: textStart))
                    text.removeAll(keepingCapacity: true)
                } else {
                    index += 1
                    let element = try name()
                    var attributes: [String: String] = [:]
                    while true {
                        skipSpace()
                        guard index < bytes.count else { throw Problem(offset: index, message: "标签没有结束") }
                        if bytes[index] == UInt8(ascii: ">") {
                            index += 1
                            break
                        }
                        if starts("/>", at: index) {
                            index += 2
                            attributes["/"] = ""
                            break
                        }
                        let attribute = try name()
                        skipSpace()
                        guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
                            throw Problem(offset: index, message: "属性\(attribute)缺少“=”")
                        }
                        index += 1
                        skipSpace()
                        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
                            throw Problem(offset: index, message: "属性\(attribute)的值缺少引号")
                        }
                        let quote = bytes[index]
                        let begin = index + 1
                        guard let close = bytes[begin...].firstIndex(of: quote) else {
                            throw Problem(offset: index, message: "属性值没有结束")
                        }
                        attributes[attribute] = try decode(bytes[begin..<close].map { $0 }[...], at: begin)
                        index = close + 1
                    }
                    let selfClosing = attributes.removeValue(forKey: "/") != nil
                    if !selfClosing { open.append(element) }
                    text.removeAll(keepingCapacity: true)
                    start(XMLEvents.local(element), attributes)
                    if selfClosing { end(XMLEvents.local(element), "") }
                }
            }
            if let unclosed = open.last { throw Problem(offset: bytes.count, message: "<\(unclosed)>没有结束标签") }
        }
    }
}

/// The workbook part: sheet names in order with their relationship ids, and the date system.
struct WorkbookPart {
    var sheets: [(name: String, relationship: String, hidden: Bool)] = []
    var date1904 = false

    static func parse(_ data: URL, file: String) throws -> WorkbookPart {
        var book = WorkbookPart()
        try XMLEvents.parse(
            data, file: file, part: "xl/workbook.xml",
            start: { name, attributes in
                if name == "sheet", let sheetName = attributes["name"],
                    let id = attributes.first(where: { $0.key == "r:id" || $0.key.hasSuffix(":id") })?.value
                {
                    book.sheets.append((sheetName, id, attributes["state"] == "hidden" || attributes["state"] == "veryHidden"))
                }
                if name == "workbookPr", let flag = attributes["date1904"] { book.date1904 = flag == "1" || flag == "true" }
            })
        return book
    }
}

enum Relationships {
    static func parse(_ data: URL, file: String) throws -> [String: String] {
        var targets: [String: String] = [:]
        try XMLEvents.parse(
            data, file: file, part: "xl/_rels/workbook.xml.rels",
            start: { name, attributes in
                if name == "Relationship", let id = attributes["Id"], let target = attributes["Target"] { targets[id] = target }
            })
        return targets
    }
}

/// Shared strings; a rich-text item is the concatenation of its runs, phonetic guides left out.
enum SharedStringsPart {
    static func parse(_ data: URL, file: String) throws -> [String] {
        var strings: [String] = []
        var current = ""
        var phonetic = false
        try XMLEvents.parse(
            data, file: file, part: "xl/sharedStrings.xml",
            start: { name, _ in
                if name == "si" { current = "" }
                if name == "rPh" { phonetic = true }
            },
            end: { name, text in
                switch name {
                case "t" where !phonetic: current += text
                case "rPh": phonetic = false
                case "si": strings.append(XString.decode(current))
                default: break
                }
            })
        return strings
    }
}

/// Which cell formats show dates.
struct StylesPart {
    /// By cell format index (`s` of a cell): whether its number format is a date.
    var dateFormats: [Bool] = []

    static let builtInDates: Set<Int> = Set(14...22).union(27...36).union(45...47).union(50...58)

    static func parse(_ data: URL, file: String) throws -> StylesPart {
        var custom: [Int: String] = [:]
        var formats: [Int] = []
        var inCellFormats = false
        try XMLEvents.parse(
            data, file: file, part: "xl/styles.xml",
            start: { name, attributes in
                if name == "numFmt", let id = attributes["numFmtId"].flatMap(Int.init) { custom[id] = attributes["formatCode"] ?? "" }
                if name == "cellXfs" { inCellFormats = true }
                if name == "xf", inCellFormats { formats.append(attributes["numFmtId"].flatMap(Int.init) ?? 0) }
            },
            end: { name, _ in
                if name == "cellXfs" { inCellFormats = false }
            })
        return StylesPart(
            dateFormats: formats.map { id in
                if let code = custom[id] { return isDateFormat(code) }
                return builtInDates.contains(id)
            })
    }

    /// A format code shows a date when, outside quoted text and [brackets], it has a year, month-day or day part.
    static func isDateFormat(_ code: String) -> Bool {
        var visible = ""
        var quoted = false
        var bracket = false
        for character in code {
            switch character {
            case "\"": quoted.toggle()
            case "[" where !quoted: bracket = true
            case "]" where !quoted: bracket = false
            default: if !quoted && !bracket { visible.append(character) }
            }
        }
        let lower = visible.lowercased()
        return lower.contains("y") || lower.contains("d") || visible.contains("年") || visible.contains("日")
    }

    func isDate(style: Int) -> Bool { style < dateFormats.count && dateFormats[style] }
}

/// One worksheet's cells as text rows.
enum SheetPart {
    static func parse(_ data: URL, file: String, sheet: String, strings: [String], styles: StylesPart, date1904: Bool) throws -> [[String]] {
        var cells: [Int: [Int: String]] = [:]
        var merges: [String] = []
        var nextRow = 1
        var row = 0
        var nextColumn = 0
        var cell: (column: Int, type: String, style: Int)?
        var value = ""
        var inline = ""
        var problem: String?
        try XMLEvents.parse(
            data, file: file, part: "工作表“\(sheet)”",
            start: { name, attributes in
                switch name {
                case "row":
                    row = attributes["r"].flatMap(Int.init) ?? nextRow
                    if !(1...Sheet.maxRows).contains(row) {
                        problem = problem ?? "的行号 \(attributes["r"] ?? "")超出 Excel 的范围（1—\(Sheet.maxRows)）"
                        row = min(max(row, 1), Sheet.maxRows)
                    }
                    nextRow = row + 1
                    nextColumn = 0
                case "c":
                    var column = attributes["r"].flatMap { Sheet.columnIndex(of: $0) } ?? nextColumn
                    if !(0..<Sheet.maxColumns).contains(column) {
                        problem = problem ?? "的单元格 \(attributes["r"] ?? "")超出 Excel 的列范围（A—XFD）"
                        column = 0
                    }
                    nextColumn = column + 1
                    cell = (column, attributes["t"] ?? "n", attributes["s"].flatMap(Int.init) ?? 0)
                    value = ""
                    inline = ""
                case "mergeCell":
                    if let reference = attributes["ref"] { merges.append(reference) }
                default: break
                }
            },
            end: { name, text in
                switch name {
                case "v": value = text
                case "t": inline += text
                case "c":
                    guard let current = cell else { return }
                    let reference = "\(Sheet.columnName(current.column))\(row)"
                    switch current.type {
                    case "s":
                        guard let index = Int(value), index < strings.count else {
                            problem = problem ?? "单元格 \(reference) 引用的共享字符串 \(value) 不存在"
                            return
                        }
                        cells[row, default: [:]][current.column] = strings[index]
                    case "inlineStr": cells[row, default: [:]][current.column] = XString.decode(inline)
                    case "b": cells[row, default: [:]][current.column] = value == "1" ? "TRUE" : "FALSE"
                    case "d": cells[row, default: [:]][current.column] = String(value.prefix(10))
                    case "n" where styles.isDate(style: current.style) && !value.isEmpty:
                        guard let serial = Double(value), (0...2_958_465).contains(serial) else {  // up to 9999-12-31
                            problem = problem ?? "单元格 \(reference) 的日期值“\(value)”不是有效的日期序号"
                            return
                        }
                        cells[row, default: [:]][current.column] = date(serial: Int(serial.rounded(.down)), date1904: date1904).description
                    case "n": cells[row, default: [:]][current.column] = number(value)
                    default: cells[row, default: [:]][current.column] = value  // str (formula text), e (an error such as #N/A)
                    }
                    cell = nil
                default: break
                }
            })
        if let problem { throw LedgerError(.badRequest, "\(file)：工作表“\(sheet)”\(problem)") }
        for range in merges { fill(range, in: &cells) }
        guard let last = cells.keys.max() else { return [] }
        return (1...last).map { number in
            guard let row = cells[number], let width = row.keys.max() else { return [] }
            var texts = (0...width).map { row[$0] ?? "" }
            while texts.last?.isEmpty == true { texts.removeLast() }
            return texts
        }
    }

    /// Every cell of a merged range takes the top-left cell's value.
    static func fill(_ range: String, in cells: inout [Int: [Int: String]]) {
        let ends = range.split(separator: ":")
        guard ends.count == 2, let left = Sheet.columnIndex(of: ends[0]), let top = Sheet.rowNumber(of: ends[0]),
            let right = Sheet.columnIndex(of: ends[1]), let bottom = Sheet.rowNumber(of: ends[1]),
            left <= right, top <= bottom, bottom - top <= 1000, right - left <= 1000,
            let value = cells[top]?[left]
        else { return }
        for row in top...bottom {
            for column in left...right where cells[row]?[column] == nil { cells[row, default: [:]][column] = value }
        }
    }

    /// A number as Excel shows it in a General cell: integers without a decimal point.
    static func number(_ text: String) -> String {
        guard let value = Double(text), value.rounded() == value, abs(value) < 1e15 else { return text }
        return String(Int64(value))
    }

    /// The day of a serial number: 1900 system (with Excel's phantom 1900-02-29 at 60) or 1904 system.
    static func date(serial: Int, date1904: Bool) -> CivilDate {
        if date1904 { return CivilDate(dayNumber: CivilDate(year: 1904, month: 1, day: 1)!.dayNumber + serial) }
        let base = CivilDate(year: 1899, month: 12, day: serial < 60 ? 31 : 30)!
        return CivilDate(dayNumber: base.dayNumber + serial)
    }
}
