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
        router.get("/search") { request, context in try await searchPage(request, context) }
        router.post("/review/resources/:id/:action") { request, context in try await decideCatalog(request, context) }
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
        HarvestPages(ledger: ledger).register(on: router)
        ImportPage(ledger: ledger).register(on: router)
        ListPages(ledger: ledger).register(on: router)
        ResourcePage(ledger: ledger).register(on: router)
        FundingPage(ledger: ledger, compliance: compliance).register(on: router)
        AdminDashboard(ledger: ledger, compliance: compliance).register(on: router)
        IntegrationsPage(ledger: ledger).register(on: router)
        SystemPages(ledger: ledger, compliance: compliance).register(on: router)
        let probeNames = (probes?.specs ?? []).flatMap { spec in spec.probes.map { ("\(spec.platform.rawValue)/\($0.id)", $0.name) } }
        ProbeRunPage(ledger: ledger, probeNames: Dictionary(probeNames, uniquingKeysWith: { first, _ in first })).register(on: router)
        for (path, type) in [("/catalog.jsonld", "application/ld+json"), ("/catalog.ttl", "text/turtle; charset=utf-8")] {
            // The published catalog: to anyone signed in every published dataset, to anyone else on a server with
            // `--public-catalog` those shared without condition.
            router.get(RouterPath(path)) { request, context in
                let selection = try context.catalogReader().selection
                let base = baseURL(of: request)
                let data =
                    path.hasSuffix(".ttl")
                    ? Data(try await DCAT.turtle(ledger: ledger, selection: selection, base: base).utf8)
                    : try await DCAT.jsonLD(ledger: ledger, selection: selection, base: base)
                return download(data, type: type, name: nil)
            }
        }
        // A dataset's IRI answers by content negotiation: JSON-LD or Turtle when asked for, else the resource's page
        // (to anyone signed in) or a page of its description (to a reader of the public catalog).
        router.get("/dataset/:name") { request, context in
            let reader = try context.catalogReader()
            let name = context.parameters.get("name") ?? ""
            guard
                let stored = try await unlessNotFound({
                    try await ledger.records.fetch(CatalogResource.self, key: CKANRoutes.resourceCode(name))
                }),
                reader.mayRead(stored.record)
            else { throw LedgerError.notFound("数据集", name) }
            let resource = stored.record
            let system = try await ledger.records.fetch(InfoSystem.self, key: resource.systemCode).record
            let unit = try await unlessNotFound { try await ledger.records.fetch(GovUnit.self, key: system.unitUSCC).record }
            let accept = request.headers[.accept] ?? ""
            let base = baseURL(of: request)
            if accept.contains("application/ld+json") || accept.contains("application/json") {
                return download(try DCAT.jsonLD(dataset: resource, unit: unit, base: base), type: "application/ld+json", name: nil)
            }
            if accept.contains("text/turtle") {
                return download(Data(DCAT.turtle(dataset: resource, unit: unit, base: base).utf8), type: "text/turtle; charset=utf-8", name: nil)
            }
            if context.actor != nil {
                let code = resource.code.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? resource.code
                return Response(status: .seeOther, headers: [.location: "/resources/\(code)"])
            }
            return Self.publicDatasetPage(resource, publisher: unit?.name)
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

    /// The description of a published dataset for a reader without an account: what the DCAT documents say of it.
    static func publicDatasetPage(_ resource: CatalogResource, publisher: String?) -> Response {
        let rows = [
            ("信息资源代码", resource.code), ("提供单位", publisher ?? "—"), ("共享类型", resource.shareType),
            ("共享方式", resource.shareMethod ?? "—"), ("更新周期", resource.updateCycle), ("资源格式", resource.format),
            ("发布日期", resource.publishedOn?.description ?? "—")
        ]
        let table = rows.map { "<tr><th scope=\"row\">\(HTML.escape($0.0))</th><td>\(HTML.escape($0.1))</td></tr>" }.joined()
        let html = """
            <!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTML.escape(resource.name))</title><link rel="stylesheet" href="/assets/app.css"></head>
            <body><main><h1>\(HTML.escape(resource.name))</h1><p>\(HTML.escape(resource.summary))</p><table>\(table)</table>
            <p>机器可读的描述：<a href="/catalog.jsonld">目录（JSON-LD）</a>、<a href="/catalog.ttl">目录（Turtle）</a></p>
            </main></body></html>
            """
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
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
                        message: "须确认已核对内容")
                ])
        }
        let decided = try await ledger.records.transition(
            resourceID: id, action, reason: form["reason"], expectedVersion: try formVersion(form), by: actor)
        return (action == .approve ? Flash.approved : Flash.returned).redirect("/review", code: decided.record.code)
    }
}
