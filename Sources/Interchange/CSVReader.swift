import Foundation
import LedgerCore
import LedgerStore
import Presentation

/// A streaming RFC 4180 CSV parser over UTF-8 bytes: quoted fields, doubled quotes, CRLF or LF, and line
/// breaks inside quotes. Row numbers count physical lines from 1 (the header), as a spreadsheet shows them.
struct CSVReader: Sendable {
    let url: URL
    /// The most cells one row may have, and the most bytes one cell may hold (docs/limits.md): a file past either
    /// is not a ledger table (often a quote left open), and is refused before memory grows with it.
    static let maxCells = 500
    static let maxCellBytes = 256 << 10

    /// Calls `body` with each row's cells and its row number; `progress` gets the bytes read so far.
    func forEachRow(
        progress: (Int64, Int64) -> Void = { _, _ in },
        _ body: ([String], Int) throws -> Void
    ) throws -> TextEncoding {
        let reader = try UTF8ChunkReader(url: url)
        var field: [UInt8] = []
        var row: [String] = []
        var inQuotes = false
        var quoteSeen = false
        var line = 1
        var rowStart = 1
        var previous: UInt8 = 0

        func endField() throws {
            let text = String(decoding: field, as: UTF8.self)
            row.append(field.first == UInt8(ascii: "'") ? CSVLine.restore(text) : text)
            field.removeAll(keepingCapacity: true)
            quoteSeen = false
            if row.count > Self.maxCells {
                throw LedgerError(.badRequest, "\(url.lastPathComponent):\(rowStart)：一行超过\(Self.maxCells)列，不是账本表格")
            }
        }
        func append(_ byte: UInt8) throws {
            field.append(byte)
            if field.count > Self.maxCellBytes {
                let place = "\(url.lastPathComponent):\(rowStart)：第\(row.count + 1)列"
                throw LedgerError(.badRequest, "\(place)的单元格超过\(Self.maxCellBytes >> 10) KB（可能引号未闭合）")
            }
        }
        func endRow() throws {
            try endField()
            if !(row.count == 1 && row[0].isEmpty) { try body(row, rowStart) }
            row.removeAll(keepingCapacity: true)
        }

        while let chunk = try reader.next() {
            for byte in chunk {
                if inQuotes {
                    if byte == UInt8(ascii: "\"") {
                        inQuotes = false
                    } else {
                        if byte == UInt8(ascii: "\n") { line += 1 }
                        try append(byte)
                    }
                } else {
                    switch byte {
                    case UInt8(ascii: "\""):
                        if quoteSeen && previous == UInt8(ascii: "\"") { try append(byte) }
                        inQuotes = true
                        quoteSeen = true
                    case UInt8(ascii: ","):
                        try endField()
                    case UInt8(ascii: "\n"):
                        try endRow()
                        line += 1
                        rowStart = line
                    case UInt8(ascii: "\r"):
                        break
                    default:
                        try append(byte)
                    }
                }
                previous = byte
            }
            progress(reader.bytesRead, reader.totalBytes)
        }
        if inQuotes {
            throw LedgerError(.badRequest, "\(url.lastPathComponent):\(rowStart)：引号未闭合")
        }
        if !field.isEmpty || !row.isEmpty { try endRow() }
        return reader.encoding
    }
}

/// Writes CSV that Excel opens cleanly: UTF-8 with BOM, CRLF, fields quoted where needed.
struct CSVWriter {
    private let handle: FileHandle
    private var buffer = Data()

    init(url: URL) throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: Data([0xEF, 0xBB, 0xBF]))
        guard let handle = FileHandle(forWritingAtPath: url.path) else {
            throw LedgerError(.badRequest, "无法写入文件 \(url.path)")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    mutating func write(_ cells: [String]) throws {
        buffer.append(contentsOf: Array(CSVLine.encode(cells).utf8))
        if buffer.count > 1 << 20 { try flush() }
    }

    mutating func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func close() throws {
        try flush()
        try handle.close()
    }
}
