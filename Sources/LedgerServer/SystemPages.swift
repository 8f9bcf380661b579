import Compliance
import Foundation
import Hummingbird
import Interchange
import LedgerCore
import LedgerStore
import Presentation
import Services

/// The pages of a unit and its systems: the data officer's unit page (systems with score and what to fix, projects),
/// a system's page (every check with its reason and remedy, its catalog, reviews, history), a record's whole history,
/// and the reviewer's pre-acceptance review (Art. 18(3)). Each has a view model built without HTML and a template.
struct SystemPages {
    let ledger: Ledger
    let compliance: ComplianceService

    func register(on router: Router<LedgerContext>) {
        router.get("/unit") { request, context in
            let actor = try context.require(.read)
            guard let unit = request.uri.queryParameters.get("unit").map { String($0) } ?? actor.unitUSCC else {
                return Response(status: .seeOther, headers: [.location: "/admin"])
            }
            let view = try await unitView(unit, actor: actor)
            let html = PageTemplates.render(view, "unit")
            return WebPage.response(WebPage.shell(title: view.name, actor: actor, context: context, body: html, path: "/unit"))
        }
        router.get("/systems/:code") { _, context in
            let actor = try context.require(.read)
            let view = try await systemView(try context.parameters.require("code"), actor: actor, csrf: context.csrf ?? "")
            let html = PageTemplates.render(view, "system")
            return WebPage.response(
                WebPage.shell(title: view.name, actor: actor, context: context, body: html, crumbs: [Crumb("信息系统", "/systems")]))
        }
        router.get("/systems/:code/history") { _, context in
            let code = try context.parameters.require("code")
            let system = try await ledger.records.fetch(InfoSystem.self, key: code).record
            return try await historyPage(
                entity: "system", key: code, title: "系统 \(system.code) \(system.name)", back: "/systems/\(pathSegment(code))", context)
        }
        router.get("/resources/:code/history") { _, context in
            let raw = try context.parameters.require("code")
            let resource = try await ledger.records.fetch(CatalogResource.self, key: raw.removingPercentEncoding ?? raw).record
            return try await historyPage(
                entity: "resource", key: resource.code, title: "信息资源 \(resource.code) \(resource.name)",
                back: resourcePath(resource.code), context)
        }
        router.get("/systems/:code/review") { _, context in
            let actor = try context.require(.recordReviews)
            let view = try await acceptanceView(try context.parameters.require("code"), csrf: context.csrf ?? "")
            let html = PageTemplates.render(view, "acceptance")
            return WebPage.response(
                WebPage.shell(title: "验收前置审查", actor: actor, context: context, body: html, crumbs: [Crumb("信息系统", "/systems")]))
        }
    }

    // MARK: Unit

    /// The unit page: its systems with today's score, O&M conclusion and open remedies, and its projects.
    func unitView(_ unit: String, actor: Actor) async throws -> UnitView {
        let systems = try await ledger.records.list(InfoSystem.self, filters: ["unit": unit], page: PageRequest(limit: 500)).items
        let today = CivilDate(Date())
        let decisions = try await compliance.decisions(fiscalYear: today.year + 1, asOf: today, unitUSCC: unit)
        let byCode = Dictionary(decisions.map { ($0.systemCode, $0) }, uniquingKeysWith: { first, _ in first })
        let name = try await unlessNotFound { try await ledger.records.fetch(GovUnit.self, key: unit) }?.record.name ?? unit
        let canEdit = Permission.editLedger(unit: unit).allows(actor)
        let projects = try await ledger.records.list(Project.self, filters: ["unit": unit], page: PageRequest(limit: 500)).items
        let query = "?unit=\(queryValue(unit))"
        return UnitView(
            name: name, today: today.description,
            actions: canEdit
                ? [
                    .init(label: "登记系统", href: "/systems/new\(query)"), .init(label: "登记项目", href: "/projects/new\(query)"),
                    .init(label: "编辑单位信息", href: "/units/\(pathSegment(unit))/edit"),
                    .init(label: "导入（CSV/Excel）", href: "/import\(query)")
                ] : [],
            systems: systems.map { stored in
                let system = stored.record
                let decision = byCode[system.code]
                let open = decision?.checks.filter { $0.isOpen && !$0.check.blocks.isEmpty }.count ?? 0
                return .init(
                    code: system.code, name: system.name, href: "/systems/\(pathSegment(system.code))", status: system.status.rawValue,
                    score: decision?.score.text ?? "—", coverage: decision?.score.coverageText ?? "—",
                    operations: decision?.operations.status.label ?? "—", tone: decision?.operations.status.rawValue ?? "",
                    open: open == 0 ? "无" : "\(open) 项待整改", hasOpen: open > 0)
            },
            projects: projects.map { stored in
                let project = stored.record
                return .init(
                    code: project.code, name: project.name, category: project.category.rawValue,
                    amount: project.approvedAmount?.grouped ?? "—",
                    milestone: project.milestones.ordered.last { $0.date != nil }.map { "\($0.label) \($0.date.map(\.description) ?? "")" } ?? "—",
                    edit: canEdit ? "/projects/\(pathSegment(project.code))/edit" : nil)
            })
    }

    // MARK: System

    /// The system page: every check of today's evaluation, the catalog with its workflow actions, the reviews and the
    /// latest changes.
    func systemView(_ code: String, actor: Actor, csrf: String) async throws -> SystemView {
        let system = try await ledger.records.fetch(InfoSystem.self, key: code).record
        let today = CivilDate(Date())
        let decision = try await compliance.decisions(fiscalYear: today.year + 1, asOf: today, systemCode: code).first
        let resources = try await ledger.records.list(CatalogResource.self, filters: ["system": code], page: PageRequest(limit: 500)).items
        let canEdit = Permission.editLedger(unit: system.unitUSCC).allows(actor)
        let history =
            try await ledger.audit.entries(entity: "system", key: code, limit: 20)
            + (try await resources.asyncFlatMap { try await ledger.audit.entries(entity: "resource", key: $0.record.code, limit: 5) })
        let names = displayNames(of: try await ledger.accounts.accounts())
        let unit = try await unlessNotFound { try await ledger.records.fetch(GovUnit.self, key: system.unitUSCC) }?.record.name
        return SystemView(
            code: system.code, name: system.name, status: system.status.rawValue,
            categories: system.appCategories.joined(separator: "、"), unit: unit ?? system.unitUSCC,
            unitHref: "/unit?unit=\(queryValue(system.unitUSCC))", edit: canEdit ? "/systems/\(pathSegment(code))/edit" : nil,
            review: Permission.recordReviews.allows(actor) ? "/systems/\(pathSegment(code))/review" : nil,
            score: decision?.score.text ?? "—", coverage: decision?.score.coverageText ?? "—",
            checks: (decision?.checks ?? []).map { check in
                .init(
                    id: check.check.rawValue, title: check.title, article: ArticleText.chinese(check.article),
                    status: ReviewPage.label(check.status), tone: check.status.rawValue, reason: HTML.plainProse(check.reason),
                    waiver: check.waiver.map { "已豁免至 \($0.expiresOn)：\($0.reason)" }, remediation: HTML.plainProse(check.remediation ?? ""))
            },
            newResource: canEdit ? "/systems/\(pathSegment(code))/resources/new" : nil,
            resources: resources.map { stored in
                let resource = stored.record
                let path = resourcePath(resource.code)
                let editable = canEdit && resource.state.isEditable
                return .init(
                    code: resource.code, name: resource.name, href: path, shareType: resource.shareType, updateCycle: resource.updateCycle,
                    state: resource.state.rawValue + (resource.returnReason.map { "：\($0)" } ?? ""),
                    edit: editable ? path + "/edit" : nil,
                    submit: editable && (resource.state == .draft || resource.state == .returned) ? path + "/submit" : nil)
            },
            reviews: try await ledger.evaluations.reviews(systemCode: code).map { stored in
                let decision = stored.report.decision
                return .init(
                    date: decision.map { "\($0.decidedOn)" } ?? BeijingTime.text(stored.createdAt), href: "/reviews/\(stored.id)",
                    outcome: decision?.outcome.rawValue ?? "未记录结论", reviewer: decision.map { names[$0.reviewer] ?? $0.reviewer } ?? "",
                    opinion: decision?.opinion ?? "")
            },
            entries: try history.sorted { $0.seq > $1.seq }.prefix(30).map { try HistoryEntry($0, limit: 60, names: names) },
            historyHref: "/systems/\(pathSegment(code))/history", csrf: csrf)
    }

    // MARK: History

    /// Every audit entry of one record, newest first, with each field's label and whole old and new values.
    func historyPage(entity: String, key: String, title: String, back: String, _ context: LedgerContext) async throws -> Response {
        let actor = try context.require(.read)
        let entries = try await ledger.audit.entries(entity: entity, key: key, limit: 1000)
        let names = displayNames(of: try await ledger.accounts.accounts())
        let view = HistoryView(
            title: title, back: back, count: entries.count, entries: try entries.map { try HistoryEntry($0, limit: nil, names: names) })
        return WebPage.response(WebPage.shell(title: "变更记录", actor: actor, context: context, body: PageTemplates.render(view, "history")))
    }

    // MARK: Pre-acceptance review

    /// The reviewer's page of a system: the five items with their findings, the evidence runs, the recommendation, and
    /// the form that records the decision (Art. 18(3)).
    func acceptanceView(_ code: String, csrf: String) async throws -> AcceptanceView {
        let today = CivilDate(Date())
        guard let input = try await ledger.evaluations.inputs(fiscalYear: today.year, asOf: today, systemCode: code).first else {
            throw LedgerError.notFound(InfoSystem.label, code)
        }
        let report = try ReviewReport.build(input, try compliance.context(asOf: today))
        let system = queryValue(code)
        return AcceptanceView(
            code: report.systemCode, name: report.systemName, probe: "/systems/\(pathSegment(code))/probe",
            decide: "/systems/\(pathSegment(code))/review", csrf: csrf,
            evidence: report.inputs.probeRunIds.map { .init(label: "#\($0)", href: "/probe-runs/\($0)?system=\(system)") },
            items: report.items.map {
                .init(
                    number: $0.number, title: $0.title, article: ArticleText.chinese($0.article), status: ReviewPage.label($0.status),
                    tone: $0.status.rawValue, findings: $0.findings.map(HTML.plainProse))
            },
            recommendation: report.recommendation.rawValue, reason: HTML.plainProse(report.recommendationReason))
    }
}

/// The display names of `accounts` by login name, for the people pages name.
func displayNames(of accounts: [Account]) -> [String: String] {
    Dictionary(accounts.map { ($0.username, $0.displayName) }, uniquingKeysWith: { first, _ in first })
}

/// A link with its label.
struct LinkView {
    var label: String
    var href: String
}

/// One audit entry as people read it: Beijing time, the person by name and role, the action in words, and each field
/// by its label with its old and new value (`limit` shortens long values; a registration lists its fields when shown
/// whole).
struct HistoryEntry {
    var time: String
    var person: String
    var action: String
    var changes: [String]

    /// Throws when a whole record's stored value is not the JSON the store wrote (an altered trail).
    init(_ entry: AuditEntry, limit: Int?, names: [String: String]) throws {
        func value(_ text: String?) -> String {
            guard let text else { return "（无）" }
            return limit.map { String(text.prefix($0)) + (text.count > $0 ? "…" : "") } ?? text
        }
        func label(_ field: String) -> String { RecordText.label(entity: entry.entity, field: field) ?? field }
        changes = try entry.changes.prefix(limit == nil ? .max : 6).flatMap { change -> [String] in
            guard change.field == "*" else { return ["\(label(change.field))：\(value(change.old)) → \(value(change.new))"] }
            // A whole record (registered or deleted) is named in a short list; shown whole, its fields are listed.
            guard limit == nil, let new = change.new else { return [change.new == nil ? "删除整条记录" : "登记整条记录"] }
            guard case .object(let fields) = try JSONDecoder().decode(JSONValue.self, from: Data(new.utf8)) else { return ["登记整条记录"] }
            return fields.keys.sorted().compactMap { key in
                guard let field = fields[key], field != .null, field != .array([]) else { return nil }
                return "\(label(key))：\(value(field.stringValue ?? field.canonicalText))"
            }
        }
        let who = entry.actor == Actor.commandLine.username ? "命令行" : names[entry.actor] ?? entry.actor
        time = BeijingTime.text(entry.at)
        person = "\(who)（\(Role(rawValue: entry.role)?.label ?? entry.role)）"
        action = "\(AuditWords.action(entry.action))\(AuditWords.entity(entry.entity)) \(entry.key)"
    }
}

/// What the unit page shows.
struct UnitView {
    struct System {
        var code: String
        var name: String
        var href: String
        var status: String
        var score: String
        var coverage: String
        var operations: String
        var tone: String
        var open: String
        var hasOpen: Bool
    }

    struct ProjectRow {
        var code: String
        var name: String
        var category: String
        var amount: String
        var milestone: String
        var edit: String?
    }

    var name: String
    var today: String
    var actions: [LinkView]
    var systems: [System]
    var projects: [ProjectRow]
}

/// What a system's page shows.
struct SystemView {
    struct Check {
        /// The check's id, shown only as a tooltip.
        var id: String
        var title: String
        var article: String
        var status: String
        var tone: String
        var reason: String
        var waiver: String?
        var remediation: String
    }

    struct Resource {
        var code: String
        var name: String
        var href: String
        var shareType: String
        var updateCycle: String
        var state: String
        var edit: String?
        /// Where 提交审核 posts, while a draft or returned.
        var submit: String?
    }

    struct Review {
        var date: String
        var href: String
        var outcome: String
        var reviewer: String
        var opinion: String
    }

    var code: String
    var name: String
    var status: String
    var categories: String
    var unit: String
    var unitHref: String
    var edit: String?
    var review: String?
    var score: String
    var coverage: String
    var checks: [Check]
    var newResource: String?
    var resources: [Resource]
    var reviews: [Review]
    /// The latest changes of the system and its resources.
    var entries: [HistoryEntry]
    var historyHref: String
    var csrf: String
}

/// What a record's history page shows.
struct HistoryView {
    var title: String
    var back: String
    var count: Int
    var entries: [HistoryEntry]
}

/// What the pre-acceptance review page shows.
struct AcceptanceView {
    struct Item {
        var number: Int
        var title: String
        var article: String
        var status: String
        var tone: String
        var findings: [String]
    }

    var code: String
    var name: String
    var probe: String
    var decide: String
    var csrf: String
    var evidence: [LinkView]
    var items: [Item]
    var recommendation: String
    var reason: String
}
