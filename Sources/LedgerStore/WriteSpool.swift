import Dispatch
import Foundation
import GRDB
import LedgerCore
import Synchronization

/// The writes an import's check pass prepared, kept in a temporary file in order, so that its write pass, which holds
/// the write lock, only reads and applies them: parsing, checking and encoding are done before the lock is taken.
/// Each write is a length-prefixed binary record, in a file that has no name once it is open.
final class WriteSpool: Sendable {
    private let state: Mutex<State>
    /// Where the writes are read back from: a second descriptor of the file, which has no name once opened.
    private let reader: FileHandle

    private struct State {
        let handle: FileHandle
        var buffer: [UInt8] = []
        /// Bytes written to the file.
        var size: Int64 = 0
    }

    /// A new, empty spool in the temporary folder. The file is removed as soon as it is open: its space is freed when
    /// the spool is released or the process ends, even by `kill -9`, so no spool is ever left behind.
    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ybz-import-\(UUID().uuidString).spool")
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw SpoolFailure(description: "无法在临时目录（\(url.deletingLastPathComponent().path)）创建导入暂存文件")
        }
        defer { try? FileManager.default.removeItem(at: url) }  // a leftover named file is the only harm, and is temporary
        state = Mutex(State(handle: try FileHandle(forWritingTo: url)))
        reader = try FileHandle(forReadingFrom: url)
    }

    deinit {
        state.withLock { try? $0.handle.close() }  // the file has no name: closing frees it, an error changes nothing
        try? reader.close()  // the same file, read only: closing frees it, an error changes nothing
    }

    /// The spool's size in bytes, once flushed.
    var size: Int64 { state.withLock { $0.size + Int64($0.buffer.count) } }

    /// Adds a write at the end.
    func append(_ write: PreparedWrite) throws {
        let bytes = Self.record(write)
        try state.withLock { state in
            state.buffer.append(contentsOf: bytes)
            if state.buffer.count >= 1 << 20 { try Self.flush(&state) }
        }
    }

    /// The bytes of one write in the file: its length, then its fields.
    static func record(_ write: PreparedWrite) -> [UInt8] {
        var record = SpoolEncoder()
        record.encode(write)
        return withUnsafeBytes(of: UInt32(record.bytes.count).littleEndian, Array.init) + record.bytes
    }

    private static func flush(_ state: inout State) throws {
        guard !state.buffer.isEmpty else { return }
        try state.handle.write(contentsOf: state.buffer)
        state.size += Int64(state.buffer.count)
        state.buffer.removeAll(keepingCapacity: true)
    }

    /// Reads every write back in order, once, calling `body` with each and the bytes read so far. The writes are read
    /// and decoded on another core, a few hundred ahead of `body`, and `finish` completes each there, in order (an
    /// import links its audit entries into the chain): the caller, who holds the write lock, only applies them.
    func replay(
        finish: @escaping @Sendable (inout PreparedWrite) -> Void, _ body: (PreparedWrite, Int64) throws -> Void
    ) throws {
        try state.withLock { try Self.flush(&$0) }
        let handoff = Handoff()
        let reader = reader
        DispatchQueue(label: "ybz.import.replay").async {
            var chunk: [(PreparedWrite, Int64)] = []
            let outcome = Result {
                try Self.read(reader) { write, read in
                    guard !handoff.isCancelled else { throw CancellationError() }
                    var write = write
                    finish(&write)
                    chunk.append((write, read))
                    if chunk.count == Handoff.chunk {
                        handoff.put(.writes(chunk))
                        chunk.removeAll(keepingCapacity: true)
                    }
                }
            }
            if !chunk.isEmpty { handoff.put(.writes(chunk)) }
            handoff.put(.end(outcome))
        }
        do {
            while true {
                switch handoff.take() {
                case .writes(let writes): for (write, read) in writes { try body(write, read) }
                case .end(let outcome): return try outcome.get()
                }
            }
        } catch {
            handoff.cancel()  // the reader stops at its next write; what it handed over is drained unread
            throw error
        }
    }

    /// Reads the records of a spool file from `handle` in order; a record that does not read back whole is a damaged
    /// file (`SpoolFailure`).
    static func read(_ handle: FileHandle, _ body: (PreparedWrite, Int64) throws -> Void) throws {
        var pending: [UInt8] = []
        var offset = 0
        var read: Int64 = 0
        while true {
            let available = pending.count - offset
            let length = available < 4 ? nil : Self.length(pending, at: offset)
            guard let length, available >= 4 + length else {
                guard let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty else { break }
                pending.removeFirst(offset)
                pending.append(contentsOf: chunk)
                offset = 0
                continue
            }
            let write = try pending.withUnsafeBufferPointer { buffer in
                var decoder = SpoolDecoder(bytes: UnsafeBufferPointer(rebasing: buffer[(offset + 4)..<(offset + 4 + length)]))
                return try decoder.decodeWrite()
            }
            offset += 4 + length
            read += Int64(4 + length)
            try body(write, read)
        }
        guard offset == pending.count else { throw SpoolDecoder.corrupt }
    }

    /// The length prefix at `offset`, which has its four bytes.
    private static func length(_ bytes: [UInt8], at offset: Int) -> Int {
        (0..<4).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
    }
}

/// Writes read back from a spool, handed from the core that decodes them to the one that applies them a chunk at a
/// time; at most a few chunks wait, so memory stays bounded whatever the spool's size.
private final class Handoff: Sendable {
    enum Piece: Sendable {
        case writes([(PreparedWrite, Int64)])
        case end(Result<Void, any Error>)
    }

    static let chunk = 256
    private let pieces = Mutex<(waiting: [Piece], cancelled: Bool, outcome: Result<Void, any Error>?)>(([], false, nil))
    private let available = DispatchSemaphore(value: 0)
    private let space = DispatchSemaphore(value: 4)

    /// Hands a piece over, waiting while four chunks wait already (never once cancelled).
    func put(_ piece: Piece) {
        if !isCancelled { space.wait() }
        pieces.withLock { $0.waiting.append(piece) }
        available.signal()
    }

    /// The next piece, waiting for it.
    func take() -> Piece {
        available.wait()
        space.signal()
        return pieces.withLock { state in
            let piece = state.waiting.removeFirst()
            if case .end(let outcome) = piece { state.outcome = outcome }
            return piece
        }
    }

    private var isEnded: Bool { pieces.withLock { $0.outcome != nil } }
    var isCancelled: Bool { pieces.withLock { $0.cancelled } }

    /// Stops the reader and waits until it has ended, so that nothing reads the spool afterwards.
    func cancel() {
        pieces.withLock { $0.cancelled = true }
        space.signal()  // a reader waiting for space goes on, and sees the cancellation
        while !isEnded { _ = take() }
    }
}

/// Prepares an import's writes on a second core while its check pass goes on, and spools them in the order given.
/// At most a few hundred writes wait at a time, so memory stays bounded whatever the import's size.
final class SpoolPipeline: Sendable {
    let spool: WriteSpool
    private let queue = DispatchQueue(label: "ybz.import.prepare")
    private let slots = DispatchSemaphore(value: 256)
    private let failure = Mutex<(any Error)?>(nil)

    init(spool: WriteSpool) {
        self.spool = spool
    }

    /// Queues a write to prepare and spool; throws the failure of one queued earlier, if any.
    func submit(_ prepare: @escaping @Sendable () throws -> PreparedWrite) throws {
        if let error = failure.withLock({ $0 }) { throw error }
        slots.wait()
        queue.async { [self] in
            defer { slots.signal() }
            guard failure.withLock({ $0 == nil }) else { return }
            do {
                try spool.append(try prepare())
            } catch {
                failure.withLock { $0 = error }
            }
        }
    }

    /// Runs `body`, which submits writes, then waits until every write is spooled; throws the first failure.
    func draining<T>(_ body: () throws -> T) throws -> T {
        let outcome = Result { try body() }
        queue.sync {}  // every queued write is done, whether or not `body` finished
        let value = try outcome.get()
        if let error = failure.withLock({ $0 }) { throw error }
        return value
    }
}

/// The spool file could not be made or read back whole: nothing is written, and the message says so.
struct SpoolFailure: Error, CustomStringConvertible {
    let description: String
}

/// The binary form of one spooled write: strings and integers in a fixed order, optionals behind a presence byte.
private struct SpoolEncoder {
    var bytes: [UInt8] = []

    mutating func encode(_ write: PreparedWrite) {
        switch write.operation {
        case .insert: bytes.append(1)
        case .update(let id, let version):
            bytes.append(2)
            integer(id)
            integer(Int64(version))
        case .replaceItems: bytes.append(3)
        }
        for text in [write.table, write.key, write.name, write.body, write.auditChanges] { string(text) }
        integer(Int64(write.columnNames.count))
        for (name, value) in zip(write.columnNames, write.values) {
            string(name)
            switch value.storage {
            case .null: bytes.append(0)
            case .int64(let number):
                bytes.append(1)
                integer(number)
            case .string(let text):
                bytes.append(2)
                string(text)
            case .double(let number):
                bytes.append(3)
                integer(Int64(bitPattern: number.bitPattern))
            case .blob(let data):
                bytes.append(4)
                integer(Int64(data.count))
                bytes.append(contentsOf: data)
            }
        }
        optional(write.auditAction) { $0.string($1) }
        optional(write.search) {
            $0.string($1.name)
            $0.string($1.text)
        }
        optional(write.items) { encoder, items in
            encoder.integer(Int64(items.count))
            for item in items {
                encoder.string(item.name)
                encoder.string(item.type)
                encoder.optional(item.length) { $0.integer(Int64($1)) }
                encoder.optional(item.description) { $0.string($1) }
            }
        }
    }

    mutating func integer(_ value: Int64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ value: String) {
        integer(Int64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    mutating func optional<T>(_ value: T?, _ encode: (inout SpoolEncoder, T) -> Void) {
        guard let value else {
            bytes.append(0)
            return
        }
        bytes.append(1)
        encode(&self, value)
    }
}

/// Reads what `SpoolEncoder` wrote; a record that does not read back whole is a damaged spool file.
private struct SpoolDecoder {
    static let corrupt = SpoolFailure(description: "导入暂存文件已损坏，本次导入未写入任何内容，请重新导入")
    /// One record's bytes, read in place (copying each field out of a `Data` was a tenth of the write pass).
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func decodeWrite() throws -> PreparedWrite {
        let operation: PreparedWrite.Operation
        switch try byte() {
        case 1: operation = .insert
        case 2: operation = .update(id: try integer(), version: Int(try integer()))
        case 3: operation = .replaceItems
        default: throw Self.corrupt
        }
        var write = PreparedWrite(operation: operation, table: try string(), key: try string())
        (write.name, write.body, write.auditChanges) = (try string(), try string(), try string())
        for _ in 0..<(try count()) {
            write.columnNames.append(try string())
            switch try byte() {
            case 0: write.values.append(.null)
            case 1: write.values.append(try integer().databaseValue)
            case 2: write.values.append(try string().databaseValue)
            case 3: write.values.append(Double(bitPattern: UInt64(bitPattern: try integer())).databaseValue)
            case 4: write.values.append(Data(try take(try count())).databaseValue)
            default: throw Self.corrupt
            }
        }
        write.auditAction = try optional { try $0.string() }
        write.search = try optional { PreparedWrite.Search(name: try $0.string(), text: try $0.string()) }
        write.items = try optional { decoder in
            try (0..<(try decoder.count())).map { _ in
                DataItem(
                    name: try decoder.string(), type: try decoder.string(),
                    length: try decoder.optional { Int(try $0.integer()) }, description: try decoder.optional { try $0.string() })
            }
        }
        guard position == bytes.count else { throw Self.corrupt }
        return write
    }

    mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw Self.corrupt }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func integer() throws -> Int64 {
        let raw = try take(8)
        return Int64(littleEndian: UnsafeRawBufferPointer(raw).loadUnaligned(as: Int64.self))
    }

    /// A length or count: never negative, never past the record's end.
    mutating func count() throws -> Int {
        let value = try integer()
        guard value >= 0, value <= Int64(bytes.count - position) else { throw Self.corrupt }
        return Int(value)
    }

    mutating func string() throws -> String {
        String(decoding: try take(try count()), as: UTF8.self)
    }

    mutating func take(_ length: Int) throws -> UnsafeBufferPointer<UInt8> {
        guard length >= 0, bytes.count - position >= length else { throw Self.corrupt }
        defer { position += length }
        return UnsafeBufferPointer(rebasing: bytes[position..<(position + length)])
    }

    mutating func optional<T>(_ decode: (inout SpoolDecoder) throws -> T) throws -> T? {
        try byte() == 0 ? nil : try decode(&self)
    }
}
