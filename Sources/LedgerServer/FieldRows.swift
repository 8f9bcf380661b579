import LedgerCore
import Presentation

/// The fields of a server-rendered form (`fields.mustache`), each with the validation problems of its field beside
/// it; what no field showed is listed in the summary, so nothing the write path said is lost. Builds no HTML.
struct FieldRows {
    let issues: [ValidationIssue]
    private var shown = Set<String>()

    init(issues: [ValidationIssue]) { self.issues = issues }

    /// The messages (with their articles) of `field` and of the fields under it.
    mutating func problems(_ field: String) -> [FieldView.Problem] {
        let mine = issues.filter { $0.field == field || $0.field.hasPrefix(field + ".") || $0.field.hasPrefix(field + "[") }
        shown.formUnion(mine.map(\.field))
        return mine.map(FieldView.Problem.init)
    }

    mutating func input(_ name: String, _ label: String, _ value: String?, size: Int = 40, hint: String? = nil) -> FieldView {
        field(.text, name, label, value, size: size, hint: hint)
    }

    /// A password, never shown back.
    mutating func password(_ name: String, _ label: String, hint: String? = nil) -> FieldView {
        field(.password, name, label, nil, size: 20, hint: hint)
    }

    /// A choice among `options` (shown by `labels` where given); the empty choice stands for "not stated".
    mutating func select(_ name: String, _ label: String, _ options: [String], _ value: String?, labels: [String: String] = [:]) -> FieldView {
        let current = value ?? ""
        var view = field(.select, name, label, value)
        view.options = ([""] + options + (current.isEmpty || options.contains(current) ? [] : [current])).map {
            FieldView.Option(value: $0, label: labels[$0] ?? $0, selected: $0 == current)
        }
        return view
    }

    /// A date, picked from a calendar; a value that is no date is shown as typed so that its message makes sense.
    mutating func date(_ name: String, _ label: String, _ value: String?) -> FieldView {
        let isDate = value.flatMap(CivilDate.init) != nil || (value ?? "").isEmpty
        return isDate ? field(.date, name, label, value) : input(name, label, value, size: 12, hint: "日期，如 2026-03-01")
    }

    /// A multiple choice: a box per allowed value, `ticked` ones checked; values not in `options` stay offered.
    mutating func checkboxes(_ name: String, _ label: String, _ options: [String], ticked: [String]) -> FieldView {
        var view = field(.choices, name, label, nil)
        view.options = (options + ticked.filter { !options.contains($0) }).map {
            FieldView.Option(value: $0, label: $0, selected: ticked.contains($0))
        }
        return view
    }

    /// One box (是/否).
    mutating func checkbox(_ name: String, _ label: String, checked: Bool) -> FieldView {
        var view = field(.checkbox, name, label, nil)
        view.checked = checked
        return view
    }

    mutating func textarea(_ name: String, _ label: String, _ value: String?, hint: String? = nil) -> FieldView {
        field(.textarea, name, label, value, hint: hint)
    }

    /// Rows of their own under one label (a project's change filings).
    mutating func rows(_ name: String, _ label: String, _ rows: ChangeRowsView) -> FieldView {
        var view = field(.rows, name, label, nil)
        view.changes = rows
        return view
    }

    /// A value that this form does not change; `keep` posts it back unchanged.
    func fixed(_ name: String, _ label: String, _ value: String, keep: Bool = false) -> FieldView {
        var view = FieldView(kind: .fixed, name: name, label: label, value: value, size: 0, hint: nil, problems: [])
        view.keep = keep
        return view
    }

    /// A field of `kind` with the problems of its name.
    mutating func field(
        _ kind: FieldView.Kind, _ name: String, _ label: String, _ value: String?, size: Int = 40, hint: String? = nil
    ) -> FieldView {
        FieldView(kind: kind, name: name, label: label, value: value ?? "", size: size, hint: hint, problems: problems(name))
    }

    /// The count of errors and the problems no field showed; `nil` without issues. Call after every field.
    func summary() -> FormSummary? {
        guard !issues.isEmpty else { return nil }
        return FormSummary(
            errors: issues.filter { $0.severity == .error }.count,
            others: issues.filter { !shown.contains($0.field) }.map { issue in
                var problem = FieldView.Problem(issue)
                problem.text = "\(issue.field)：\(problem.text)"
                return problem
            })
    }
}

/// One field of a form: its control (one of the `is…` flags is set), value, choices, hint and problems.
struct FieldView {
    enum Kind {
        case text, password, select, date, choices, checkbox, textarea, fixed
        /// Rows of inputs drawn by their own partial (`changes`).
        case rows
    }

    struct Option {
        var value: String
        var label: String
        var selected: Bool
    }

    /// A message at the field, with its article (第…条); `tone` is `error` or `note` (a warning).
    struct Problem {
        var text: String
        var tone: String

        init(_ issue: ValidationIssue) {
            let article = issue.article.map { "（\(ArticleText.chinese($0))）" } ?? ""
            text = HTML.plainProse(issue.message) + article
            tone = issue.severity == .error ? "error" : "note"
        }
    }

    var name: String
    /// The control's id, which its label points at.
    var id: String
    var label: String
    var value: String
    var size: Int
    var hint: String?
    var problems: [Problem]
    var options: [Option] = []
    var checked = false
    var keep = false
    var isText = false
    var isPassword = false
    var isSelect = false
    var isDate = false
    var isChoices = false
    var isCheckbox = false
    var isTextarea = false
    var isFixed = false
    /// The rows of a project's change filings, for that one field.
    var changes: ChangeRowsView?

    init(kind: Kind, name: String, label: String, value: String, size: Int, hint: String?, problems: [Problem]) {
        (self.name, id, self.label, self.value, self.size, self.hint, self.problems) = (name, "f-" + name, label, value, size, hint, problems)
        switch kind {
        case .text: isText = true
        case .password: isPassword = true
        case .select: isSelect = true
        case .date: isDate = true
        case .choices: isChoices = true
        case .checkbox: isCheckbox = true
        case .textarea: isTextarea = true
        case .fixed: isFixed = true
        case .rows: break
        }
    }
}

/// The head of a refused form: how many errors, and the problems no field showed.
struct FormSummary {
    var errors: Int
    var others: [FieldView.Problem]
}

/// Fields for a form of their own on a page with another (`{{#set}}{{> fields}}{{/set}}`).
struct FieldSet {
    var fields: [FieldView]
}
