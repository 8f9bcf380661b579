import Foundation
import LedgerCore
import PostgresNIO

/// `UploadRepository` on PostgreSQL (issue 18): the files in the database (`upload`, `upload_file`), so that the server
/// that checks an upload and the one that commits it need not be the same machine. Ages are told by the database's
/// clock, which every server shares. An importer reads local files: `withFiles` writes the upload's files to a folder of
/// its own in the temporary folder and removes it when the body returns.
struct PostgresUploads: UploadRepository {
    let store: PostgresStore

    func save(_ files: [(name: String, data: [UInt8])], owner: String) async throws -> String {
        let id = Hex.random(bytes: 16)
        try await store.transaction { connection in
            try await connection.run(
                "DELETE FROM upload WHERE created_at < clock_timestamp() - make_interval(hours => \(Int(UploadLimits.keepHours))::integer)")
            try await connection.run("INSERT INTO upload (id, owner, created_at) VALUES (\(id), \(owner), clock_timestamp())")
            for (index, file) in files.enumerated() {
                try await connection.run(
                    """
                    INSERT INTO upload_file (upload_id, name, data) VALUES (\(id), \(UploadLimits.fileName(file.name, index: index)),
                        \(ByteBuffer(bytes: file.data)))
                    ON CONFLICT (upload_id, name) DO UPDATE SET data = excluded.data
                    """)
            }
        }
        return id
    }

    func withFiles<T: Sendable>(_ id: String, owner: String?, _ body: ([URL]) async throws -> T) async throws -> T {
        guard UploadLimits.isID(id) else { throw UploadLimits.gone }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ybz-upload-\(Hex.random(bytes: 8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // `try?`: a copy left behind is in the temporary folder, which the system clears.
        defer { try? FileManager.default.removeItem(at: folder) }  // temporary copy
        let files = try await store.transaction { connection in
            let owners = try await connection.column(
                """
                SELECT owner FROM upload
                WHERE id = \(id) AND created_at >= clock_timestamp() - make_interval(hours => \(Int(UploadLimits.keepHours))::integer)
                """, as: String.self)
            guard let stored = owners.first else { throw UploadLimits.gone }
            if let owner, stored != owner { throw UploadLimits.notOwner }
            var files: [URL] = []
            let rows = try await connection.query(
                "SELECT name, data FROM upload_file WHERE upload_id = \(id) ORDER BY name", logger: connection.logger)
            for try await (name, data) in rows.decode((String, ByteBuffer).self) {
                let file = folder.appendingPathComponent(name)
                try Data(data.readableBytesView).write(to: file)
                files.append(file)
            }
            return files
        }
        return try await body(files)
    }

    func remove(_ id: String) async {
        // `try?`: an upload left behind expires and is cleared at a later upload.
        try? await store.transaction { try await $0.run("DELETE FROM upload WHERE id = \(id)") }  // expires later
    }
}
