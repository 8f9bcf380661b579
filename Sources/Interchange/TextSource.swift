import Foundation
import LedgerCore
import LedgerStore

/// The text encodings an import file may use.
public enum TextEncoding: String, Sendable {
    case utf8 = "UTF-8"
    case utf8BOM = "UTF-8 (BOM)"
    case gb18030 = "GB18030"
}

/// Reads a file in chunks and yields it as UTF-8 bytes, detecting UTF-8 (with or without BOM) or GB18030
/// (as Excel writes CSV on Chinese Windows). Memory use is one chunk, whatever the file size.
final class UTF8ChunkReader {
    let url: URL
    let handle: FileHandle
    let totalBytes: Int64
    private(set) var bytesRead: Int64 = 0
    private(set) var encoding: TextEncoding = .utf8
    private var pending: [UInt8] = []
    private var converter: GB18030Converter?
    private var started = false
    static let chunkSize = 1 << 20

    init(url: URL) throws {
        self.url = url
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw LedgerError(.badRequest, "无法打开文件 \(url.path)")
        }
        self.handle = handle
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        totalBytes = (attributes[.size] as? NSNumber)?.int64Value ?? 0
    }

    deinit { try? handle.close() }  // read only: closing cannot lose anything

    /// The next chunk of UTF-8 bytes, ending on a character boundary, or `nil` at the end.
    func next() throws -> [UInt8]? {
        let data = try handle.read(upToCount: Self.chunkSize) ?? Data()
        bytesRead += Int64(data.count)
        var bytes = pending + [UInt8](data)
        pending = []
        if !started {
            started = true
            try detect(&bytes)
        }
        if bytes.isEmpty { return nil }
        let atEnd = data.isEmpty
        if let converter {
            return try converter.convert(bytes, atEnd: atEnd, file: url, offset: bytesRead)
        }
        let cut = atEnd ? bytes.count : Self.completeUTF8Prefix(bytes)
        pending = Array(bytes[cut...])
        let chunk = Array(bytes[..<cut])
        guard String(validating: chunk, as: UTF8.self) != nil else {
            throw LedgerError(
                .badRequest,
                "文件 \(url.lastPathComponent) 在第\(bytesRead - Int64(bytes.count))字节附近不是有效的UTF-8文本（文件开头"
                    + "按\(encoding.rawValue)识别），请另存为UTF-8或GB18030")
        }
        return chunk.isEmpty && !atEnd ? try next() : chunk
    }

    private func detect(_ bytes: inout [UInt8]) throws {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            bytes.removeFirst(3)
            encoding = .utf8BOM
        } else if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            throw LedgerError(.badRequest, "文件 \(url.lastPathComponent) 为UTF-16编码，请另存为“CSV UTF-8”或GB18030")
        } else if String(validating: bytes[..<Self.completeUTF8Prefix(bytes)], as: UTF8.self) == nil {
            encoding = .gb18030
            converter = try GB18030Converter()
        }
    }

    /// The length of the longest prefix that does not end inside a multi-byte UTF-8 sequence.
    static func completeUTF8Prefix(_ bytes: [UInt8]) -> Int {
        var index = bytes.count
        var continuation = 0
        while index > 0, bytes[index - 1] & 0xC0 == 0x80, continuation < 3 {
            index -= 1
            continuation += 1
        }
        guard index > 0 else { return bytes.count }
        let lead = bytes[index - 1]
        let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        return length > continuation + 1 ? index - 1 : bytes.count
    }
}

/// GB18030 to UTF-8 through the C library's iconv, chunk by chunk.
final class GB18030Converter {
    private let descriptor: iconv_t
    private var carry: [UInt8] = []

    init() throws {
        descriptor = iconv_open("UTF-8", "GB18030")
        if descriptor == iconv_t(bitPattern: -1) {
            throw LedgerError(.badRequest, "本机的iconv不支持GB18030")
        }
    }

    deinit { iconv_close(descriptor) }

    func convert(_ input: [UInt8], atEnd: Bool, file: URL, offset: Int64) throws -> [UInt8] {
        var source = carry + input
        carry = []
        var output = [UInt8](repeating: 0, count: source.count * 2 + 16)
        let (consumed, produced, failure) = source.withUnsafeMutableBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(src.baseAddress!).assumingMemoryBound(to: CChar.self)
                var inLeft = src.count
                var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(dst.baseAddress!).assumingMemoryBound(to: CChar.self)
                var outLeft = dst.count
                let result = iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
                let error = result == -1 ? errno : 0
                return (src.count - inLeft, dst.count - outLeft, error)
            }
        }
        if failure == EILSEQ || (failure == EINVAL && atEnd) {
            throw LedgerError(.badRequest, "文件 \(file.lastPathComponent) 在第\(offset - Int64(input.count) + Int64(consumed))字节附近既不是UTF-8也不是GB18030文本")
        }
        carry = Array(source[consumed...])
        return Array(output[..<produced])
    }
}
