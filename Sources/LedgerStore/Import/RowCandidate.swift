import Foundation
import LedgerCore

/// A stored row an import row replaces: its id and JSON body.
struct StoredRow: Sendable {
    let id: Int64
    let body: String
}

/// A row's record as far as it can be worked out without the ledger or the import's other rows, so on any core: decoded
/// over the stored record, normalized, held to the workflow and, unless stored data items are still to be added to it,
/// validated. Or the problems that refuse the row.
struct RowCandidate<E: StoredEntity>: Sendable {
    /// The record, `nil` when the row is refused.
    private(set) var record: E?
    /// Why the row is refused, or a warning for a record kept (a state the workflow did not allow).
    private(set) var issues: [ValidationIssue] = []
    /// The issues of `validate`, when the record is complete without the ledger (`nil`: validated later).
    private(set) var validated: [ValidationIssue]?

    init(_ row: ImportSession.RecordRow, stored: StoredRow?, writer: RecordWriter) throws {
        guard var source = row.object else {
            issues = row.problems
            return
        }
        var candidate: E
        do {
            if let stored {
                var merged = try JSONDecoder().decode(JSONValue.self, from: Data(stored.body.utf8))
                for path in row.given { merged.set(source.value(at: path) ?? .null, at: Substring(path)) }
                source = merged
            }
            // The limits are checked on the JSON itself: encoding the decoded record again to check them doubled the
            // cost of a row.
            issues = FieldLimits.issues(in: source)
            guard issues.isEmpty else { return }
            candidate = try JSONValueDecoder().decode(E.self, from: source)
        } catch let error as DecodingError {
            issues = [DecodingProblem.issue(for: error)]
            return
        }
        candidate.normalize(codes: writer.codes)
        do {
            if let held = try Self.heldToWorkflow(&candidate, storedBody: stored?.body, writer: writer) { issues = [held] }
        } catch let error as LedgerError {
            issues = [ValidationIssue(field: "state", value: "", rule: "state.editable", message: error.message, article: "Art. 27")]
            return
        }
        // Workflow fields come from the stored record or start as registered, normal either way: no second normalize.
        if stored == nil || row.given.contains("items") { validated = candidate.validate(codes: writer.codes) }
        record = candidate
    }

    /// Art. 27: a resource's catalog state changes only through the review workflow. Unless the importer may approve
    /// (a reviewer, the administrator), a new record is registered as the API registers it (a resource as 待提交) and a
    /// stored one keeps the state it has, as an edit through the API would (`StoredEntity.registeringNew`, `editing`);
    /// a record that may not be edited any more is refused. Returns a warning when the file asked for another state.
    private static func heldToWorkflow(_ record: inout E, storedBody: String?, writer: RecordWriter) throws -> ValidationIssue? {
        guard !Permission.reviewCatalog.allows(writer.actor) else { return nil }
        let wanted = (record as? CatalogResource)?.state
        if let storedBody {
            record = try record.editing(try RecordWriter.decode(E.self, body: storedBody))
        } else {
            record = record.registeringNew()
        }
        guard let wanted, let kept = (record as? CatalogResource)?.state, wanted != kept else { return nil }
        return ValidationIssue(
            field: "state", value: wanted.rawValue, rule: "state.workflow",
            message: "目录状态“\(wanted.rawValue)”未采用：信息资源的状态只能经提交、审核改变，本行导入后为"
                + "“\(kept.rawValue)”",
            article: "Art. 27", severity: .warning)
    }
}
