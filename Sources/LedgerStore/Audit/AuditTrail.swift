import Crypto
import Foundation
import LedgerCore

/// One field that changed: its path (`shareType`, `items`) with the old and new value (text as is, other values as
/// JSON). A created record is one change of field `*` holding the whole record as JSON.
public struct FieldChange: Codable, Sendable, Equatable {
    public var field: String
    public var old: String?
    public var new: String?
}

/// One entry of the audit trail. Entries are append-only and hash-chained: `hash` is the SHA-256 of the previous
/// entry's hash and this entry's content, so an edited, removed or reordered entry breaks the chain.
public struct AuditEntry: Codable, Sendable, Equatable {
    public var seq: Int64
    public var at: String
    public var actor: String
    public var role: String
    public var requestId: String?
    /// `create`, `update`, `delete`, `submit` …
    public var action: String
    /// The table (`system`, `resource`, `waiver`, `funding` …) and the natural key of the record.
    public var entity: String
    public var key: String
    public var changes: [FieldChange]
    public var previousHash: String
    public var hash: String

    /// The entry with its changes decoded from the JSON they are stored as (for the history pages and the API).
    func withChanges(_ changesJSON: String) throws -> AuditEntry {
        var entry = self
        entry.changes = try JSONDecoder().decode([FieldChange].self, from: Data(changesJSON.utf8))
        return entry
    }

    /// The hash of the entry whose changes are stored as `changesJSON`.
    func hash(changesJSON: String) -> String {
        // The parts joined by U+001F, fed to the hash one by one (an import hashes tens of thousands of entries, some
        // with a resource's whole item list: joining them into one string first was half the cost).
        var hasher = SHA256()
        let parts = [String(seq), at, actor, role, requestId ?? "", action, entity, key, changesJSON, previousHash]
        for (index, part) in parts.enumerated() {
            var part = part
            if index > 0 { hasher.update(data: [0x1F]) }
            part.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        return Hex.string(hasher.finalize())
    }
}

/// The result of checking the chain.
public struct AuditVerification: Codable, Sendable, Equatable {
    public var entries: Int
    /// The hash of the last entry: record it elsewhere to detect a truncated tail later.
    public var headHash: String
    /// Each broken link, naming the entry.
    public var problems: [String]
    public var isIntact: Bool { problems.isEmpty }
}

/// A walk along the chain in stored order, entry by entry, naming every entry whose content, position or link is
/// wrong: the check of both stores.
struct AuditChainWalk {
    private var previous = AuditLog.genesis
    private var expectedSeq: Int64 = 1
    private var count = 0
    private var problems: [String] = []

    /// Checks the next stored entry (`nil`: a row that could not be read) against the one before it. The hash covers
    /// the changes as stored (`changesJSON`), so the check does not depend on how they were encoded.
    mutating func next(_ entry: AuditEntry?, changesJSON: String) {
        count += 1
        guard let entry else {
            problems.append("第\(count)条记录无法读取（字段为空或类型不符）：记录被修改")
            expectedSeq += 1
            return
        }
        if entry.seq != expectedSeq {
            problems.append("第\(count)条记录的序号为 \(entry.seq)，应为 \(expectedSeq)：记录被删除或调换了顺序")
        }
        if entry.previousHash != previous {
            problems.append(
                "记录 #\(entry.seq)（\(entry.entity) \(entry.key)）与前一条记录的链接不符："
                    + "前一条被修改、删除或顺序被调换")
        }
        if entry.hash != entry.hash(changesJSON: changesJSON) {
            problems.append("记录 #\(entry.seq)（\(entry.entity) \(entry.key)，\(entry.at)）的内容与其哈希不符：记录被修改")
        }
        previous = entry.hash
        expectedSeq = entry.seq + 1
    }

    /// What the walk found.
    var verification: AuditVerification { AuditVerification(entries: count, headHash: previous, problems: problems) }
}

/// The audit trail as read: a record's history and the check of the whole chain. Entries are appended only by the
/// writes themselves, inside their transactions (`AuditLog`).
public protocol AuditTrail: Sendable {
    /// The entries of one record (or all of an entity, or everything), newest first, at most `limit`.
    func entries(entity: String?, key: String?, limit: Int) async throws -> [AuditEntry]
    /// When a record was first written (the time of its earliest entry), `nil` when the trail holds none.
    func firstRecorded(entity: String, key: String) async throws -> String?
    /// Walks the whole chain and names every entry whose content, position or link is wrong.
    func verify() async throws -> AuditVerification
}

extension AuditTrail {
    /// The latest 200 entries of one record, of an entity, or of everything.
    public func entries(entity: String? = nil, key: String? = nil) async throws -> [AuditEntry] {
        try await entries(entity: entity, key: key, limit: 200)
    }

    /// The latest `limit` entries of everything.
    public func entries(limit: Int) async throws -> [AuditEntry] {
        try await entries(entity: nil, key: nil, limit: limit)
    }
}
