import Foundation
import GRDB
import LedgerCore
import SystemZlib

/// The texts of funding batches' inputs and decisions as `evaluation_document.body` keeps them: deflated (zlib, its
/// fastest level), behind the length of the text as four bytes, little-endian. A province's first batch writes 50,000
/// inputs and decisions, 714 MB as text and a sixth of it deflated, and it was bound by that writing. Their hashes are
/// those of the texts, so a document is found by its text as before; documents stored as text before (a `TEXT` value,
/// not a `BLOB`) are read as they are.
enum DeflatedText {
    /// The longest text a stored document is inflated to; a longer length is a damaged document.
    static let maxLength = 256 << 20

    /// `text` deflated, behind its length.
    static func deflate(_ text: some ContiguousBytes) -> Data {
        text.withUnsafeBytes { source in
            var length = compressBound(uLong(source.count))
            var stored = Data(count: 4 + Int(length))
            stored.withUnsafeMutableBytes { target in
                let count = UInt32(source.count)
                for shift in 0..<4 { target[shift] = UInt8(truncatingIfNeeded: count >> (8 * shift)) }
                let out = target.baseAddress!.advanced(by: 4).assumingMemoryBound(to: Bytef.self)
                let result = compress2(out, &length, source.baseAddress?.assumingMemoryBound(to: Bytef.self), uLong(source.count), 1)
                precondition(result == Z_OK, "zlib compress2 failed (\(result)) with a buffer of compressBound bytes")
            }
            stored.count = 4 + Int(length)
            return stored
        }
    }

    /// The text of a stored document: a `BLOB` inflated, a `TEXT` as it is.
    static func text(_ value: DatabaseValue) throws -> String {
        switch value.storage {
        case .string(let text): return text
        case .blob(let stored): return try inflate(stored)
        default: throw damaged("既不是文本也不是压缩数据")
        }
    }

    private static func inflate(_ stored: Data) throws -> String {
        guard stored.count > 4 else { throw damaged("长度不足") }
        let length = stored.prefix(4).reversed().reduce(0) { $0 << 8 | Int($1) }
        guard length <= maxLength else { throw damaged("声明的长度 \(length) 超过上限 \(maxLength)") }
        var text = [UInt8](repeating: 0, count: length)
        var produced = uLong(length)
        let result = stored.withUnsafeBytes { source in
            text.withUnsafeMutableBytes { target in
                uncompress(
                    target.baseAddress?.assumingMemoryBound(to: Bytef.self), &produced,
                    source.baseAddress!.advanced(by: 4).assumingMemoryBound(to: Bytef.self), uLong(stored.count - 4))
            }
        }
        guard result == Z_OK, produced == uLong(length) else { throw damaged("解压失败（zlib \(result)）") }
        return String(decoding: text, as: UTF8.self)
    }

    private static func damaged(_ why: String) -> LedgerError {
        LedgerError(.conflict, "评估文档已损坏：\(why)")
    }
}
