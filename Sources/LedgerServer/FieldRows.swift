import LedgerCore
import Presentation

/// The rows of a server-rendered form, each with the validation problems of its field beside it; what no field
/// showed is listed in the summary, so nothing the write path said is lost.
struct FieldRows {
    let issues: [ValidationIssue]
    private var shown = Set<String>()

    init(issues: [ValidationIssue]) { self.issues = issues }

    /// The messages (with their articles) of `field` and of the fields under it.
    mutating func problems(_ field: String) -> String {
        let mine = issues.filter { $0.field == field || $0.field.hasPrefix(field + ".") || $0.field.hasPrefix(field + "[") }
        shown.formUnion(mine.map(\.field))
        return mine.map {
            let article = $0.article.map { "（\(ArticleText.chinese($0))）" } ?? ""
            return "<span class=\"\($0.severity == .error ? "error" : "note")\">\(HTML.prose($0.message))\(article)</span>"
        }
        .joined(separator: " ")
    }

    mutating func input(_ name: String, _ label: String, _ value: String?, size: Int = 40, hint: String? = nil) -> String {
        row(label, "<input \(Self.attributes(name)) size=\"\(size)\" value=\"\(HTML.escape(value ?? ""))\">", name, hint: hint)
    }

    /// A choice among `options` (shown by `labels` where given); the empty choice stands for "not stated".
    mutating func select(_ name: String, _ label: String, _ options: [String], _ value: String?, labels: [String: String] = [:]) -> String {
        let current = value ?? ""
        let choices = ([""] + options + (current.isEmpty || options.contains(current) ? [] : [current])).map {
            "<option value=\"\(HTML.escape($0))\"\($0 == current ? " selected" : "")>\(HTML.escape(labels[$0] ?? $0))</option>"
        }.joined()
        return row(label, "<select \(Self.attributes(name))>\(choices)</select>", name)
    }

    /// A date, picked from a calendar; a value that is no date is shown as typed so that its message makes sense.
    mutating func date(_ name: String, _ label: String, _ value: String?) -> String {
        let isDate = value.flatMap(CivilDate.init) != nil || (value ?? "").isEmpty
        return isDate
            ? row(label, "<input type=\"date\" \(Self.attributes(name)) value=\"\(HTML.escape(value ?? ""))\">", name)
            : input(name, label, value, size: 12, hint: "日期，如 2026-03-01")
    }

    /// A multiple choice: a box per allowed value, `ticked` ones checked; values not in `options` stay offered.
    mutating func checkboxes(_ name: String, _ label: String, _ options: [String], ticked: [String]) -> String {
        let all = options + ticked.filter { !options.contains($0) }
        let boxes = all.enumerated().map { index, option in
            let checked = ticked.contains(option) ? " checked" : ""
            return "<label class=\"choice\"><input type=\"checkbox\" name=\"\(HTML.escape(name))\" id=\"\(HTML.escape(Self.id(name)))-\(index)\""
                + " value=\"\(HTML.escape(option))\"\(checked)> \(HTML.escape(option))</label>"
        }.joined(separator: " ")
        let legend = "<legend class=\"hidden\">\(HTML.escape(label))</legend>"
        return
            "<tr><th scope=\"row\">\(HTML.escape(label))</th><td><fieldset class=\"choices\">\(legend)\(boxes)</fieldset> \(problems(name))</td></tr>"
    }

    mutating func textarea(_ name: String, _ label: String, _ value: String?, hint: String? = nil) -> String {
        row(label, "<textarea \(Self.attributes(name)) rows=\"3\" cols=\"70\">\(HTML.escape(value ?? ""))</textarea>", name, hint: hint)
    }

    /// A row showing a value that this form does not change.
    func fixed(_ label: String, _ value: String) -> String {
        "<tr><th>\(label)</th><td>\(HTML.escape(value))</td></tr>"
    }

    /// The control's name and the id its label points at.
    static func attributes(_ name: String) -> String { "name=\"\(HTML.escape(name))\" id=\"\(HTML.escape(id(name)))\"" }

    /// The id of the control for field `name`.
    static func id(_ name: String) -> String { "f-" + name }

    private mutating func row(_ label: String, _ control: String, _ name: String, hint: String? = nil) -> String {
        let note = hint.map { " <span class=\"note\">\(HTML.escape($0))</span>" } ?? ""
        let heading = "<label for=\"\(HTML.escape(Self.id(name)))\">\(HTML.escape(label))</label>"
        return "<tr><th scope=\"row\">\(heading)</th><td>\(control)\(note) \(problems(name))</td></tr>"
    }

    /// The count of errors and the problems no row showed; empty without issues. Call after every row.
    func summary() -> String {
        guard !issues.isEmpty else { return "" }
        let others = issues.filter { !shown.contains($0.field) }
        return "<p class=\"error\">校验未通过：\(issues.filter { $0.severity == .error }.count) 个问题，已在各字段旁标出。</p>"
            + (others.isEmpty
                ? ""
                : "<ul>"
                    + others.map {
                        "<li class=\"\($0.severity == .error ? "error" : "note")\">\(HTML.escape($0.field))："
                            + "\(HTML.prose($0.message))\($0.article.map { "（\(ArticleText.chinese($0))）" } ?? "")</li>"
                    }.joined() + "</ul>")
    }
}
