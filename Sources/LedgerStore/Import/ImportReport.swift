import LedgerCore

/// One problem of one imported row, located as `file:row` (CSV) or `file: resources[3]` (JSON).
public struct RowIssue: Encodable, Sendable, Equatable {
    public var file: String
    /// Spreadsheet row number (header = 1) for CSV; array index and natural key for JSON (`resources[3] 101001/000004`).
    public var row: String
    public var field: String
    /// The CSV column header of the field (`共享条件`), when the row came from a CSV file.
    public var column: String?
    public var value: String
    public var rule: String
    public var message: String
    public var article: String?
    public var severity: ValidationIssue.Severity

    public init(file: String, row: String, issue: ValidationIssue, column: String? = nil) {
        self.file = file
        self.row = row
        field = issue.field
        self.column = column
        value = issue.value
        rule = issue.rule
        message = issue.message
        article = issue.article
        severity = issue.severity
    }

    /// `file:row 列名(field)=value：message [rule, article]`.
    public var line: String {
        let reference = [rule, article].compactMap { $0 }.joined(separator: ", ")
        let name = column.map { "\($0)(\(field))" } ?? field
        return "\(file):\(row) \(name)=\(value.isEmpty ? "（空）" : value)：\(message) [\(reference)]"
    }
}

/// What one file contributed.
public struct FileSummary: Encodable, Sendable {
    public var file: String
    public var kind: String
    public var encoding: String
    public var rows = 0
    public var created = 0
    public var updated = 0
    public var unchanged = 0
    public var rejected = 0

    /// A file of `kind` (a `RecordKind` raw value) read as `encoding`, nothing counted yet.
    public init(file: String, kind: String, encoding: String) {
        (self.file, self.kind, self.encoding) = (file, kind, encoding)
    }

    /// The kind in Chinese (信息资源 …).
    public var kindLabel: String { RecordKind(rawValue: kind)?.sheetName ?? kind }
}

/// The outcome of an import: counts per file, every issue, and whether anything was written.
public struct ImportReport: Encodable, Sendable {
    public var files: [FileSummary] = []
    public var issues: [RowIssue] = []
    public var dryRun: Bool
    /// True only when every row was accepted and the transaction committed.
    public var committed = false

    /// Rows refused by at least one error.
    public var rejectedRows: Int { files.reduce(0) { $0 + $1.rejected } }
    /// Rows read from every file.
    public var totalRows: Int { files.reduce(0) { $0 + $1.rows } }
}

/// Progress of a long import, for a progress bar.
public struct ImportProgress: Sendable {
    public var file: String
    public var bytesRead: Int64
    public var totalBytes: Int64
    public var rows: Int

    public init(file: String, bytesRead: Int64, totalBytes: Int64, rows: Int) {
        (self.file, self.bytesRead, self.totalBytes, self.rows) = (file, bytesRead, totalBytes, rows)
    }
}
