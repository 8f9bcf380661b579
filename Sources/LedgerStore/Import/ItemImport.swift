import Foundation
import GRDB
import LedgerCore

/// One row of a data-items file, its numbers already read.
public struct ItemRow: Sendable {
    public var resourceCode: String
    /// The sequence number, `nil` when the cell is empty (the next after the last).
    public var seq: Int?
    public var name: String
    public var type: String
    public var length: Int?
    public var description: String

    public init(resourceCode: String, seq: Int?, name: String, type: String, length: Int?, description: String) {
        (self.resourceCode, self.seq, self.name, self.type, self.length, self.description) =
            (resourceCode, seq, name, type, length, description)
    }
}

/// Data items from a data-items file: rows of one resource must be contiguous; the file replaces the items of
/// each resource it names, in the order of their sequence numbers. A resource whose items change gets a new version
/// and an audit entry with the old and new item lists.
struct ItemImport {
    /// The resource whose items are being read: its row (`nil` in the check pass for a resource of the same import),
    /// its items with their sequence numbers, and their names so far.
    private var current: (key: String, id: Int64?, items: [(seq: Int, item: DataItem)], seen: Set<String>, seq: Int)?

    mutating func add(_ given: ItemRow, run: inout ImportSession, file: String, row: String) throws -> Bool {
        // The sequence number's range is checked here, before the next row's number is counted from it; the length's is
        // a rule of the item (`DataItem.issues`).
        if let seq = given.seq, !(1...FieldLimits.maxItems).contains(seq) {
            run.record(
                [
                    ValidationIssue(
                        field: "seq", value: String(seq), rule: "seq.range",
                        message: "序号应在1至\(FieldLimits.maxItems)之间", article: Reference.catalogGuideline)
                ],
                file: file, row: row)
            return false
        }
        let key = Normalize.text(given.resourceCode)
        func reject(_ field: String, _ value: String, _ rule: String, _ message: String, article: String = Reference.catalogGuideline) -> Bool {
            run.record([ValidationIssue(field: field, value: value, rule: rule, message: message, article: article)], file: file, row: row)
            return false
        }
        if current?.key != key {
            try finish(run: &run)
            run.dependencies.insert(table: CatalogResource.table, key: key)
            if !run.itemsGiven.insert(key).inserted {
                return reject(
                    "resourceCode", key, "items.contiguous",
                    "同一信息资源的信息项应连续排列，一次导入中只能给出一次")
            }
            let found = try run.rows.resource(key)
            if found == nil, run.isPending(resource: key) {
                current = (key, nil, [], [], 0)  // registered by this import's resources file; its unit was checked there
            } else {
                guard let found else {
                    return reject("resourceCode", key, "reference.exists", "信息资源“\(key)”不存在，请先导入信息资源")
                }
                if let unit = run.unit, found.unit != unit {
                    return reject(
                        "resourceCode", key, "import.own-unit", "数据专员只能导入本单位（\(unit)）信息资源的信息项",
                        article: "Art. 5")
                }
                current = (key, found.id, [], [], 0)
            }
        }
        let description = Normalize.text(given.description)
        var item = DataItem(
            name: Normalize.text(given.name), type: given.type, length: given.length,
            description: description.isEmpty ? nil : description)
        item.type = run.writer.codes.dataType(item.type)?.code ?? Normalize.text(item.type)
        var problems = DataItem.issues(of: item, codes: run.writer.codes)
        if current!.seen.contains(item.name) {
            problems.append(
                ValidationIssue(
                    field: "name", value: item.name, rule: "items.unique-name",
                    message: "信息项名称“\(item.name)”重复", article: Reference.catalogGuideline))
        }
        if current!.items.count >= FieldLimits.maxItems {
            problems.append(
                ValidationIssue(
                    field: "resourceCode", value: key, rule: "field.max-count",
                    message: "一个信息资源最多\(FieldLimits.maxItems)个信息项"))
        }
        run.record(problems, file: file, row: row)
        if problems.hasErrors { return false }
        let seq = given.seq ?? current!.seq + 1
        current!.seq = max(current!.seq, seq)
        current!.items.append((seq, item))
        current!.seen.insert(item.name)
        return true
    }

    /// Replaces the items of the resource just read, in the order of their sequence numbers (rows with the same number
    /// in file order), when they differ from what it has.
    mutating func finish(run: inout ImportSession) throws {
        guard let done = current else { return }
        current = nil
        guard !run.isCheckOnly else { return }
        let items = done.items.enumerated().sorted { ($0.element.seq, $0.offset) < ($1.element.seq, $1.offset) }.map(\.element.item)
        let old = try run.currentItems(resource: done.key, rowID: done.id)
        // Unchanged items leave the version, the audit trail and the search text as they are.
        guard items != old else { return }
        let key = done.key
        try run.emit {
            var write = PreparedWrite(operation: .replaceItems, table: CatalogResource.table, key: key)
            write.items = items
            write.auditAction = "update"
            // The audit entry names an empty list as none.
            let (before, after) = (old.isEmpty ? nil : DataItem.canonicalJSON(old), items.isEmpty ? nil : DataItem.canonicalJSON(items))
            write.auditChanges = try CanonicalJSON.text([FieldChange(field: "items", old: before, new: after)])
            return write
        }
    }
}
