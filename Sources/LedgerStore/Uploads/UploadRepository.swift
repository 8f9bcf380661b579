import Foundation
import LedgerCore

/// Files uploaded for an import, kept until their owner confirms it (the web import checks an upload by a dry run
/// first) or until they expire.
public protocol UploadRepository: Sendable {
    /// Keeps `files` (name and bytes) for `owner` under a new id, which it returns; clears out expired uploads.
    func save(_ files: [(name: String, data: [UInt8])], owner: String) async throws -> String
    /// Runs `body` on the files of upload `id`, as local files an importer reads, in name order; with `owner`, only if
    /// that user uploaded them. The files are there while `body` runs.
    func withFiles<T: Sendable>(_ id: String, owner: String?, _ body: ([URL]) async throws -> T) async throws -> T
    /// Forgets upload `id` (its import was committed).
    func remove(_ id: String) async
}

/// How long an upload waits for its import to be confirmed, and what both stores say of one.
public enum UploadLimits {
    public static let keepHours = 24.0

    /// The name a file of an upload is kept under: one path component (the multipart reader keeps the last one); an
    /// empty one, or one that is not, gets its number.
    static func fileName(_ name: String, index: Int) -> String {
        name.isEmpty || name.contains("/") || name == "." || name == ".." ? "upload-\(index)" : name
    }

    /// Whether `id` is one that `save` makes (32 hexadecimal digits), before anything is looked up by it.
    static func isID(_ id: String) -> Bool { id.count == 32 && id.allSatisfy(\.isHexDigit) }

    /// The answer for an upload that is gone (expired, removed, or never made).
    static var gone: LedgerError {
        LedgerError(.notFound, "上传的文件已过期或不存在（保留 \(Int(keepHours)) 小时），请重新上传")
    }

    /// The answer for someone who asks for another user's upload.
    static var notOwner: LedgerError { LedgerError(.forbidden, "只有上传文件的用户可以确认这次导入") }
}

/// Uploads as folders under one folder (`AppDatabase`'s, beside the ledger's file): `<id>/owner` and `<id>/files/…`.
struct FolderUploads: UploadRepository {
    let folder: URL

    func save(_ files: [(name: String, data: [UInt8])], owner: String) throws -> String {
        let manager = FileManager.default
        try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        // Clearing out stale uploads is housekeeping: what cannot be read or removed now is tried again next time.
        let keys: [URLResourceKey] = [.contentModificationDateKey]
        for stale in (try? manager.contentsOfDirectory(at: folder, includingPropertiesForKeys: keys)) ?? [] {  // housekeeping
            let modified = (try? stale.resourceValues(forKeys: Set(keys)))?.contentModificationDate ?? Date()  // housekeeping
            if Date().timeIntervalSince(modified) > UploadLimits.keepHours * 3600 { try? manager.removeItem(at: stale) }  // housekeeping
        }
        let id = Hex.random(bytes: 16)
        let upload = folder.appendingPathComponent(id)
        try manager.createDirectory(at: upload.appendingPathComponent("files"), withIntermediateDirectories: true)
        try Data(owner.utf8).write(to: upload.appendingPathComponent("owner"))
        for (index, file) in files.enumerated() {
            try Data(file.data).write(
                to: upload.appendingPathComponent("files").appendingPathComponent(UploadLimits.fileName(file.name, index: index)))
        }
        return id
    }

    func withFiles<T: Sendable>(_ id: String, owner: String?, _ body: ([URL]) async throws -> T) async throws -> T {
        let place = folder.appendingPathComponent(id).appendingPathComponent("files")
        // `try?`: an upload that cannot be listed is gone for the user; the message says what to do.
        guard UploadLimits.isID(id), let files = try? FileManager.default.contentsOfDirectory(at: place, includingPropertiesForKeys: nil)  // gone
        else { throw UploadLimits.gone }
        if let owner {
            let ownerFile = folder.appendingPathComponent(id).appendingPathComponent("owner")
            let stored = (try? String(contentsOf: ownerFile, encoding: .utf8)) ?? ""  // unreadable: nobody's, so refused below
            guard stored == owner else { throw UploadLimits.notOwner }
        }
        return try await body(files.sorted { $0.lastPathComponent < $1.lastPathComponent })
    }

    func remove(_ id: String) async {
        guard UploadLimits.isID(id) else { return }
        // `try?`: an upload left behind is cleared with the stale ones at the next upload.
        try? FileManager.default.removeItem(at: folder.appendingPathComponent(id))  // cleared with stale ones
    }
}
