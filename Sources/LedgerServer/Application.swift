import Foundation
import Hummingbird
import LedgerCore
import LedgerStore
import Logging
import NIOCore
import Services

/// All routes: `/healthz`, `/readyz`, `/metrics`, a landing page at `/`, and the JSON API under `/api/v1`; probe runs when `probes`
/// is given, funding, reviews, deadlines and deregistration when `compliance` is. With `publicCatalog`, the CKAN API
/// and the DCAT documents answer without credentials, with the published 无条件共享 datasets.
public func buildRouter(
    ledger: Ledger, probes: ProbeService? = nil, compliance: ComplianceService? = nil,
    secureCookies: Bool = false, publicCatalog: Bool = false
) -> Router<LedgerContext> {
    let router = Router(context: LedgerContext.self)
    let metrics = RequestMetrics()
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: SecurityHeaders())
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: BodyLimit())
    router.add(middleware: AuthMiddleware(ledger: ledger, publicCatalog: publicCatalog))
    router.get("/healthz") { _, _ in try JSON.response(Health(status: "ok")) }
    // Ready when the database answers and is migrated: a load balancer sends requests only then.
    router.get("/readyz") { _, _ in
        guard let reason = await ledger.unreadiness() else { return try JSON.response(Health(status: "ready")) }
        return try JSON.response(["status": "not ready", "reason": reason], status: .serviceUnavailable)
    }
    // Requests by route and status, and their durations, then what the work did (probe verdicts by platform, how long
    // probe runs, imports, evaluations and harvests took), for monitoring (Prometheus scrapes it with an API token).
    router.get("/metrics") { _, context in
        _ = try context.require(.read)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.text() + WorkMetrics.shared.text())))
    }
    router.get("/assets/app.css") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
            body: ResponseBody(byteBuffer: try PageTemplates.styleSheet.get()))
    }
    LoginRoutes(ledger: ledger, secureCookies: secureCookies).register(on: router)
    if let compliance {
        WebRoutes(ledger: ledger, compliance: compliance, probes: probes).register(on: router)
    } else {
        router.get("/") { _, context in try await LandingPage.response(ledger: ledger, context: context) }
    }

    let api = router.group("api/v1")
    EntityController<GovUnit>(ledger: ledger, path: "units").register(on: api)
    EntityController<Project>(ledger: ledger, path: "projects").register(on: api)
    let systems = EntityController<InfoSystem>(ledger: ledger, path: "systems")
    systems.register(on: api)
    let resources = EntityController<CatalogResource>(ledger: ledger, path: "resources")
    resources.register(on: api)

    api.get("systems/:id/resources") { request, context in
        let system = try await systems.find(context)
        return try await resources.list(request, filters: ["system": system.record.code])
    }
    api.post("systems/:id/resources") { request, context in
        let system = try await systems.find(context)
        try context.require(.editLedger(unit: system.record.unitUSCC))
        return try await resources.create(request, context) { resource in
            var resource = resource
            resource.systemCode = system.record.code
            return resource
        }
    }
    for action in CatalogTransition.allCases {
        api.post("resources/:id/\(action.rawValue)") { request, context in
            let resource = try await resources.find(context)
            let isReview = action == .approve || action == .return || action == .confirmOffline
            let actor = try context.require(
                isReview
                    ? .reviewCatalog
                    : .editLedger(unit: try await ownerUnit(of: resource.record, ledger: ledger)))
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let body = buffer.readableBytes > 0 ? Data(buffer.readableBytesView) : nil
            let reason = try body.map { try JSON.decode(TransitionBody.self, from: $0).reason } ?? nil
            let stored = try await ledger.records.transition(
                resourceID: resource.id, action, reason: reason,
                expectedVersion: try expectedVersion(request, body: body), by: actor)
            return try JSON.response(stored)
        }
    }
    api.get("search") { request, _ in
        let query = request.uri.formParameters
        let kindText = query.get("kind")
        let kind = try kindText.map { text in
            guard let kind = SearchQuery.Kind(rawValue: text) else {
                throw LedgerError(
                    .badRequest, "参数kind应为system或resource",
                    details: [ValidationIssue(field: "kind", value: text, rule: "query.kind", message: "应为system或resource")])
            }
            return kind
        }
        let search = SearchQuery(
            text: query.get("q") ?? "", kind: kind, unit: query.get("unit"), status: query.get("status"),
            shareType: query.get("shareType"), updateCycle: query.get("updateCycle"), state: query.get("state"),
            page: PageRequest(
                limit: try intParameter(request, "limit", default: 50),
                offset: try intParameter(request, "offset", default: 0)))
        return try JSON.response(try await ledger.search.find(search))
    }
    api.get("codelists") { _, _ in try JSON.response(ledger.codes) }
    api.get("stats") { _, _ in try JSON.response(Stats(counts: try await ledger.records.counts(), codeListVersion: ledger.codes.version)) }
    api.get("me") { _, context in try JSON.response(try context.require(.read)) }
    addProbeRoutes(to: api, ledger: ledger, probes: probes, systems: systems)
    if let compliance { addComplianceRoutes(to: api, compliance: compliance, probes: probes, systems: systems) }
    CKANRoutes(ledger: ledger).register(on: router)
    return router
}

/// The body of a workflow action.
struct TransitionBody: Decodable {
    var reason: String?
    var version: Int?
}

/// `GET /healthz`: liveness only, no data (it answers without credentials).
struct Health: Encodable {
    var status: String
}

/// `GET /api/v1/stats`.
struct Stats: Encodable {
    var counts: [String: Int]
    var codeListVersion: String
}

/// Builds the HTTP application on `host:port`; `onServerRunning` gets the bound channel (port 0 picks one).
public func buildApplication(
    ledger: Ledger, probes: ProbeService? = nil, compliance: ComplianceService? = nil, secureCookies: Bool = false,
    publicCatalog: Bool = false, host: String, port: Int, logger: Logger,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Application(
        router: buildRouter(
            ledger: ledger, probes: probes, compliance: compliance, secureCookies: secureCookies, publicCatalog: publicCatalog),
        configuration: .init(address: .hostname(host, port: port), serverName: "ybz"),
        onServerRunning: onServerRunning,
        logger: logger
    )
}

/// Fails, naming what is missing, when the page templates or the style sheet were not installed with the program (the
/// server would answer every page blank).
public func checkWebResources() throws { try PageTemplates.check() }
