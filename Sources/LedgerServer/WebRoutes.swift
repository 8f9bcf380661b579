import Compliance
import Foundation
import Hummingbird
import Interchange
import LedgerCore
import LedgerStore
import Presentation
import Services
import Spreadsheet

/// The server-rendered pages of the three roles and the admin. Forms post back here (with the session's CSRF
/// token), call the same services as the API, and redirect (post/redirect/get).
struct WebRoutes {
    let ledger: Ledger
    let compliance: ComplianceService
    let probes: ProbeService?

    func register(on router: Router<LedgerContext>) {
        router.get("/") { _, context in
            let actor = try context.require(.read)
            let home =
                switch actor.role {
                case .dataOfficer: "/unit"
                case .reviewer: "/review"
                case .finance: "/funding"
                case .admin: "/admin"
                }
            return Response(status: .seeOther, headers: [.location: home])
        }
        router.get("/unit") { request, context in try await unitPage(request, context) }
        router.get("/search") { request, context in try await searchPage(request, context) }
        router.get("/systems/:code") { _, context in try await systemPage(context) }
        router.get("/systems/:code/history") { _, context in
            let code = try context.parameters.require("code")
            let system = try await ledger.records.fetch(InfoSystem.self, key: code).record
            return try await historyPage(entity: "system", key: code, title: "系统 \(system.code) \(system.name)", back: "/systems/\(code)", context)
        }
        router.get("/resources/:code/history") { _, context in
            let raw = try context.parameters.require("code")
            let resource = try await ledger.records.fetch(CatalogResource.self, key: raw.removingPercentEncoding ?? raw).record
            return try await historyPage(
                entity: "resource", key: resource.code, title: "信息资源 \(resource.code) \(resource.name)",
                back: "/systems/\(resource.systemCode)", context)
        }
        router.post("/review/resources/:id/:action") { request, context in try await decideCatalog(request, context) }
        router.get("/systems/:code/review") { _, context in try await reviewPage(context) }
        router.post("/systems/:code/probe") { _, context in
            let code = try context.parameters.require("code")
            try context.require(.runProbes)
            guard let probes else { throw LedgerError(.conflict, "本服务未配置平台探测") }
            _ = try await probes.run(systemCode: code, trigger: "web")
            return Flash.probed.redirect("/systems/\(code)/review")
        }
        router.post("/systems/:code/review") { request, context in
            let code = try context.parameters.require("code")
            let actor = try context.require(.recordReviews)
            let form = try await Form(request)
            let outcome = ReviewOutcome(rawValue: form["outcome"] ?? "") ?? .reject
            let decision = ReviewDecision(outcome: outcome, opinion: form["opinion"] ?? "", reviewer: actor.username, decidedOn: CivilDate(Date()))
            let stored = try await compliance.review(systemCode: code, asOf: CivilDate(Date()), decision: decision, by: actor)
            return Response(status: .seeOther, headers: [.location: "/reviews/\(stored.id)"])
        }
        router.get("/reviews/:id") { _, context in
            try context.require(.read)
            guard let id = Int64(try context.parameters.require("id")) else { throw LedgerError(.badRequest, "审查编号应为整数") }
            let stored = try await ledger.evaluations.review(id: id)
            return WebPage.response(ReviewPage.html(stored.report, id: stored.id))
        }
        CatalogEditor(ledger: ledger).register(on: router)
        LedgerForms(ledger: ledger).register(on: router)
        AdminPages(ledger: ledger, compliance: compliance).register(on: router)
        ImportPage(ledger: ledger).register(on: router)
        ListPages(ledger: ledger).register(on: router)
        ResourcePage(ledger: ledger).register(on: router)
        FundingPage(ledger: ledger, compliance: compliance).register(on: router)
        AdminDashboard(ledger: ledger, compliance: compliance).register(on: router)
        IntegrationsPage(ledger: ledger).register(on: router)
        let probeNames = (probes?.specs ?? []).flatMap { spec in spec.probes.map { ("\(spec.platform.rawValue)/\($0.id)", $0.name) } }
        ProbeRunPage(ledger: ledger, probeNames: Dictionary(probeNames, uniquingKeysWith: { first, _ in first })).register(on: router)
        for (path, type) in [("/catalog.jsonld", "application/ld+json"), ("/catalog.ttl", "text/turtle; charset=utf-8")] {
            router.get(RouterPath(path)) { request, context in
                try context.require(.read)
                let base = baseURL(of: request)
                let data =
                    path.hasSuffix(".ttl")
                    ? Data(try await DCAT.turtle(ledger: ledger, base: base).utf8)
                    : try await DCAT.jsonLD(ledger: ledger, base: base)
                return download(data, type: type, name: nil)
            }
        }
        router.get("/export.xlsx") { request, context in
            try context.require(.read)
            let query = request.uri.formParameters
            let scope: ExportScope = query.get("unit").map { .unit($0) } ?? query.get("system").map { .system($0) } ?? .all
            let template = query.get("template") == "1"
            let data = try await Exporter(ledger: ledger, scope: scope).xlsxData(template: template)
            return download(data, type: XLSXWriter.contentType, name: template ? "ybz-template.xlsx" : "ybz-ledger.xlsx")
        }
    }

    // MARK: Data officer

    func unitPage(_ request: Request, _ context: LedgerContext) async throws -> Response {
        let actor = try context.require(.read)
        guard let unit = request.uri.formParameters.get("unit") ?? actor.unitUSCC else {
            return Response(status: .seeOther, headers: [.location: "/admin"])
        }
        let systems = try await ledger.records.list(InfoSystem.self, filters: ["unit": unit], page: PageRequest(limit: 500, offset: 0)).items
        let today = CivilDate(Date())
        let decisions = try await compliance.decisions(fiscalYear: today.year + 1, asOf: today, unitUSCC: unit)
        let byCode = Dictionary(uniqueKeysWithValues: decisions.map { ($0.systemCode, $0) })
        let rows = systems.map { system -> [String] in
            let decision = byCode[system.record.code]
            let open = decision?.checks.filter { $0.isOpen && !$0.check.blocks.isEmpty }.count ?? 0
            return [
                WebPage.link("/systems/\(system.record.code)", system.record.code), HTML.escape(system.record.name), system.record.status.rawValue,
                decision?.score.text ?? "—", decision?.score.coverageText ?? "—", decision.map { badge($0.operations.status) } ?? "",
                open == 0 ? "无" : "<strong>\(open)</strong> 项待整改"
            ]
        }
        let unitName = try await unlessNotFound { try await ledger.records.fetch(GovUnit.self, key: unit) }?.record.name ?? unit
        let canEdit = Permission.editLedger(unit: unit).allows(actor)
        let projects = try await ledger.records.list(Project.self, filters: ["unit": unit], page: PageRequest(limit: 500, offset: 0)).items
        let projectRows = projects.map { stored -> [String] in
            let project = stored.record
            return [
                HTML.escape(project.code), HTML.escape(project.name), project.category.rawValue, project.approvedAmount?.description ?? "",
                HTML.escape(project.milestones.ordered.last { $0.date != nil }.map { "\($0.label) \($0.date!)" } ?? "—"),
                canEdit ? WebPage.link("/projects/\(project.code)/edit", "编辑") : ""
            ]
        }
        let query = "?unit=\(unit)"
        let actions =
            canEdit
            ? " · "
                + [
                    WebPage.link("/systems/new\(query)", "登记系统"), WebPage.link("/projects/new\(query)", "登记项目"),
                    WebPage.link("/units/\(unit)/edit", "编辑单位信息"), WebPage.link("/import\(query)", "导入（CSV/Excel）")
                ]
                .joined(separator: " · ") : ""
        let body = """
            <h1>\(HTML.escape(unitName)) 的政务信息系统</h1>
            <p class="note">共享合规评分、运维经费资格按今天（\(today)）的台账与探测证据计算；点系统编号查看每项检查的原因、证据与整改要求。\(actions)</p>
            \(WebPage.table(["系统编号", "系统名称", "状态", "评分", "覆盖率", "运维经费", "待整改"], rows))
            <h2 id="projects">政务信息化项目（\(projects.count)）</h2>
            \(WebPage.table(["项目编号", "项目名称", "类别", "批复金额（元）", "最近节点", ""], projectRows))
            """
        return WebPage.response(WebPage.shell(title: "我的单位", actor: actor, context: context, body: body, path: "/unit"))
    }

    func systemPage(_ context: LedgerContext) async throws -> Response {
        let actor = try context.require(.read)
        let code = try context.parameters.require("code")
        let system = try await ledger.records.fetch(InfoSystem.self, key: code).record
        let today = CivilDate(Date())
        let decision = try await compliance.decisions(fiscalYear: today.year + 1, asOf: today, systemCode: code).first
        let checks = (decision?.checks ?? []).map { check in
            [
                "<span title=\"\(check.check.rawValue)\">\(HTML.escape(check.title))</span>", ArticleText.chinese(check.article),
                ReviewPage.label(check.status),
                HTML.prose(check.reason) + (check.waiver.map { "<br><em>已豁免至 \($0.expiresOn)：\(HTML.escape($0.reason))</em>" } ?? ""),
                HTML.prose(check.remediation ?? "")
            ]
        }
        let resources = try await ledger.records.list(CatalogResource.self, filters: ["system": code], page: PageRequest(limit: 500, offset: 0)).items
        let canEdit = Permission.editLedger(unit: system.unitUSCC).allows(actor)
        let history =
            try await ledger.audit.entries(entity: "system", key: code, limit: 20)
            + (try await resources.asyncFlatMap { try await ledger.audit.entries(entity: "resource", key: $0.record.code, limit: 5) })
        let names = try await displayNames()
        let historyRows = history.sorted { $0.seq > $1.seq }.prefix(30).map { Self.historyRow($0, limit: 60, names: names) }
        let reviews = try await ledger.evaluations.reviews(systemCode: code).map { stored -> [String] in
            let decision = stored.report.decision
            return [
                WebPage.link("/reviews/\(stored.id)", decision.map { "\($0.decidedOn)" } ?? BeijingTime.text(stored.createdAt)),
                decision.map { HTML.escape($0.outcome.rawValue) } ?? "未记录结论",
                decision.map { HTML.escape(names[$0.reviewer] ?? $0.reviewer) } ?? "", HTML.escape(decision?.opinion ?? "")
            ]
        }
        let body = """
            <h1>\(HTML.escape(system.code)) \(HTML.escape(system.name))</h1>
            <p>\(canEdit ? WebPage.link("/systems/\(code)/edit", "编辑系统台账") + " · " : "")状态：\(system.status.rawValue) ·\
             应用类别：\(HTML.escape(system.appCategories.joined(separator: "、"))) · 建设单位：\(HTML.escape(system.unitUSCC))
            \(Permission.recordReviews.allows(actor) ? " · \(WebPage.link("/systems/\(code)/review", "验收前置审查"))" : "")</p>
            <h2>合规检查（评分 \(decision?.score.text ?? "—")，覆盖率 \(decision?.score.coverageText ?? "—")）</h2>
            \(WebPage.table(["检查项", "依据", "结果", "原因", "整改"], checks))
            <h2>信息资源目录（\(resources.count)）\(canEdit ? " · " + WebPage.link("/systems/\(code)/resources/new", "新增信息资源") : "")</h2>
            \(WebPage.table(["资源代码", "名称", "共享类型", "更新周期", "状态", ""], resources.map { item in
                [WebPage.link(resourcePath(item.record.code) + "/history", item.record.code),
                 HTML.escape(item.record.name), item.record.shareType, item.record.updateCycle,
                 item.record.state.rawValue + (item.record.returnReason.map { "：\(HTML.escape($0))" } ?? ""),
                 canEdit && item.record.state.isEditable ? resourceActions(item.record, csrf: context.csrf) : ""] }))
            <h2>验收前置审查记录（\(reviews.count)）</h2>
            \(WebPage.table(["审查日期", "结论", "审查人", "审查意见"], reviews))
            <h2>变更记录（最近30条） · \(WebPage.link("/systems/\(code)/history", "系统的全部变更记录"))</h2>
            \(WebPage.table(["时间", "操作人", "操作", "字段：原值→新值"], Array(historyRows)))
            """
        let crumbs = [Crumb("信息系统", "/systems")]
        return WebPage.response(WebPage.shell(title: system.name, actor: actor, context: context, body: body, crumbs: crumbs))
    }

    /// Every audit entry of one record, newest first, with each field's label and whole old and new values.
    func historyPage(entity: String, key: String, title: String, back: String, _ context: LedgerContext) async throws -> Response {
        let actor = try context.require(.read)
        let entries = try await ledger.audit.entries(entity: entity, key: key, limit: 1000)
        let names = try await displayNames()
        let body = """
            <h1>变更记录：\(HTML.escape(title))</h1>
            <p>\(WebPage.link(back, "返回")) · 共 \(entries.count) 条 · 时间为北京时间；每条记录带哈希链，\
            改动任何一条都会被校验发现。</p>
            \(WebPage.table(
                ["时间", "操作人", "操作", "字段：原值 → 新值"], entries.map { Self.historyRow($0, limit: nil, names: names) }))
            """
        return WebPage.response(WebPage.shell(title: "变更记录", actor: actor, context: context, body: body))
    }

    /// Each account's display name by login name, for the people named in the audit trail.
    func displayNames() async throws -> [String: String] { Self.displayNames(of: try await ledger.accounts.accounts()) }

    /// The display names of `accounts` by login name.
    static func displayNames(of accounts: [Account]) -> [String: String] {
        Dictionary(accounts.map { ($0.username, $0.displayName) }, uniquingKeysWith: { first, _ in first })
    }

    /// One audit entry as a table row, in Beijing time, with the person's name, the action in words and each field by
    /// its label; `limit` shortens long values (the system page), `nil` shows them whole. A record's registration lists
    /// its fields rather than its stored JSON.
    static func historyRow(_ entry: AuditEntry, limit: Int?, names: [String: String]) -> [String] {
        func value(_ text: String?) -> String {
            guard let text else { return "（无）" }
            return HTML.escape(limit.map { String(text.prefix($0)) + (text.count > $0 ? "…" : "") } ?? text)
        }
        func label(_ field: String) -> String { RecordText.label(entity: entry.entity, field: field) ?? field }
        let changes = entry.changes.prefix(limit == nil ? .max : 6).map { change -> String in
            guard change.field == "*" else { return "\(HTML.escape(label(change.field)))：\(value(change.old)) → \(value(change.new))" }
            let created = change.new.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }  // no JSON: as stored
            guard limit == nil, case .object(let fields)? = created else {
                return change.new == nil ? "删除整条记录" : "登记整条记录"
            }
            return fields.keys.sorted().compactMap { key in
                guard let field = fields[key], field != .null, field != .array([]) else { return nil }
                return "\(HTML.escape(label(key)))：\(value(field.stringValue ?? field.canonicalText))"
            }.joined(separator: "<br>")
        }
        let person = entry.actor == Actor.commandLine.username ? "命令行" : names[entry.actor] ?? entry.actor
        return [
            BeijingTime.text(entry.at), "\(HTML.escape(person))（\(Role(rawValue: entry.role)?.label ?? entry.role)）",
            "\(AuditWords.action(entry.action))\(AuditWords.entity(entry.entity)) \(HTML.escape(entry.key))",
            changes.joined(separator: "<br>")
        ]
    }

    // MARK: Reviewer

    func decideCatalog(_ request: Request, _ context: LedgerContext) async throws -> Response {
        let actor = try context.require(.reviewCatalog)
        guard let id = Int64(try context.parameters.require("id")),
            let action = CatalogTransition(rawValue: try context.parameters.require("action")), action == .approve || action == .return
        else {
            throw LedgerError(.badRequest, "未知的审核操作")
        }
        let form = try await Form(request)
        if action == .approve, form["confirmed"] != "1" {
            throw LedgerError(
                .badRequest, "请先核对信息资源的内容，勾选“我已核对以上内容”后再通过",
                details: [
                    ValidationIssue(
                        field: "confirmed", value: form["confirmed"] ?? "", rule: "review.confirm",
                        message: "须确认已核对"
                            + "内容")
                ])
        }
        let decided = try await ledger.records.transition(
            resourceID: id, action, reason: form["reason"], expectedVersion: try formVersion(form), by: actor)
        return (action == .approve ? Flash.approved : Flash.returned).redirect("/review", code: decided.record.code)
    }

    func reviewPage(_ context: LedgerContext) async throws -> Response {
        let actor = try context.require(.recordReviews)
        let code = try context.parameters.require("code")
        let today = CivilDate(Date())
        guard let input = try await ledger.evaluations.inputs(fiscalYear: today.year, asOf: today, systemCode: code).first else {
            throw LedgerError.notFound(InfoSystem.label, code)
        }
        let report = try ReviewReport.build(input, try compliance.context(asOf: today))
        let items = report.items.map {
            [
                "\($0.number)", HTML.escape($0.title), ArticleText.chinese($0.article), ReviewPage.label($0.status),
                $0.findings.map(HTML.prose).joined(separator: "<br>")
            ]
        }
        let system = queryValue(code)
        let evidence = report.inputs.probeRunIds.map { WebPage.link("/probe-runs/\($0)?system=\(system)", "#\($0)") }.joined(separator: " ")
        let body = """
            <h1>验收前置审查：\(HTML.escape(report.systemCode)) \(HTML.escape(report.systemName))</h1>
            <form method="post" action="/systems/\(HTML.escape(code))/probe">\(WebPage.csrfField(context.csrf))
            <button>重新探测平台对接（约数秒）</button> <span class="note">\
            探测证据：\(evidence.isEmpty ? "尚无" : evidence)</span></form>
            \(WebPage.table(["序号", "审查内容", "依据", "结论", "审查发现"], items))
            <p>依据证据的建议：<strong>\(report.recommendation.rawValue)</strong>（\(HTML.prose(report.recommendationReason))）</p>
            <h2>审查结论</h2>
            <form method="post" action="/systems/\(HTML.escape(code))/review">\(WebPage.csrfField(context.csrf))
            <fieldset><legend>审查结论</legend>
            <label><input type="radio" name="outcome" value="通过" required> 通过</label>
            <label><input type="radio" name="outcome" value="不通过"> 不通过</label></fieldset>
            <label for="opinion">审查意见</label><br>
            <textarea id="opinion" name="opinion" rows="4" cols="80" required placeholder="审查意见"></textarea><br>
            <button>记录结论并生成审查报告</button></form>
            """
        return WebPage.response(WebPage.shell(title: "验收前置审查", actor: actor, context: context, body: body))
    }

    // MARK: Helpers

    /// Edit, and submit for review while a draft or returned.
    func resourceActions(_ resource: CatalogResource, csrf: String?) -> String {
        let path = resourcePath(resource.code)
        var html = WebPage.link("\(path)/edit", "编辑")
        if resource.state == .draft || resource.state == .returned {
            html += """
                 <form class="inline" method="post" action="\(path)/submit">\(WebPage.csrfField(csrf))<button>提交审核</button></form>
                """
        }
        return html
    }

    func badge(_ status: EligibilityStatus) -> String { "<span class=\"\(status.rawValue)\">\(status.label)</span>" }

}
