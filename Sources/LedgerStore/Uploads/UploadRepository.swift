import Foundation
import LedgerCore

/// Files uploaded for an import, kept until their owner confirms it (the web import checks an upload by a dry run
/// first) or until they expire.
public protocol UploadRepository: Sendable {
    /// Keeps `files` (name and bytes) for `owner` under a new id, which it returns; clears out expired uploads.
    func save(_ files: [(name: String, data: [UInt8])], owner: String) throws -> String
    /// The files of upload `id`, as local files an importer reads, in name order; with `owner`, only if that user
    /// uploaded them.
    func files(_ id: String, owner: String?) throws -> [URL]
    /// Forgets upload `id` (its import was committed).
    func remove(_ id: String)
}

/// How long an upload waits for its import to be confirmed.
public enum UploadLimits {
    public static let keepHours = 24.0
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
            // A name is one path component (the multipart reader keeps the last one); an empty one gets a number.
            let name = file.name.isEmpty || file.name.contains("/") ? "upload-\(index)" : file.name
            try Data(file.data).write(to: upload.appendingPathComponent("files").appendingPathComponent(name))
        }
        return id
    }

    func files(_ id: String, owner: String?) throws -> [URL] {
        let place = folder.appendingPathComponent(id).appendingPathComponent("files")
        // `try?`: an upload that cannot be listed is gone for the user; the message below says what to do.
        guard id.allSatisfy(\.isHexDigit), id.count == 32,
            let files = try? FileManager.default.contentsOfDirectory(at: place, includingPropertiesForKeys: nil)  // gone: message below
        else {
            throw LedgerError(.notFound, "上传的文件已过期或不存在（保留 \(Int(UploadLimits.keepHours)) 小时），请重新上传")
        }
        if let owner {
            let ownerFile = folder.appendingPathComponent(id).appendingPathComponent("owner")
            let stored = (try? String(contentsOf: ownerFile, encoding: .utf8)) ?? ""  // unreadable: nobody's, so refused below
            guard stored == owner else { throw LedgerError(.forbidden, "只有上传文件的用户可以确认这次导入") }
        }
        return files.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    func remove(_ id: String) {
        guard id.allSatisfy(\.isHexDigit), id.count == 32 else { return }
        // `try?`: an upload left behind is cleared with the stale ones at the next upload.
        try? FileManager.default.removeItem(at: folder.appendingPathComponent(id))  // cleared with stale ones
    }
}
