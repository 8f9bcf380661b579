import Foundation
import Hummingbird
import Interchange
import LedgerCore
import LedgerStore

/// The request context of every route: the core context plus the signed-in actor.
public struct LedgerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthMiddleware` from the bearer token or the session cookie.
    public var actor: Actor?
    /// The CSRF token of the browser session, for the forms of a page.
    public var csrf: String?
    /// What the browser's last action did, to say once on this page (`Flash`).
    var flash: String?
    /// Set by `AuthMiddleware` for a request without credentials to the public catalog of a server that publishes it
    /// (`ybz serve --public-catalog`).
    var publicReader = false

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// The actor when `permission` allows the action; 401 without an actor, 403 when the role or unit forbids it.
    @discardableResult
    func require(_ permission: Permission) throws -> Actor {
        guard let actor else { throw LedgerError(.unauthorized, "请先登录或提供API令牌（Authorization: Bearer …）") }
        guard permission.allows(actor) else {
            throw LedgerError(.forbidden, "\(actor.role.label) \(actor.username) 无权执行此操作（\(permission.description)）")
        }
        return actor
    }

    /// Who reads the catalog (the CKAN API and the DCAT documents): anyone signed in reads every published dataset; on a
    /// server that publishes its catalog, anyone else reads the published 无条件共享 datasets; otherwise 401.
    func catalogReader() throws -> CatalogReader {
        if actor == nil, publicReader { return .anonymous }
        try require(.read)
        return .signedIn
    }
}

/// Who reads the catalog, and so which datasets it holds.
enum CatalogReader: Sendable {
    /// Every published dataset.
    case signedIn
    /// The published datasets shared without condition (共享类型 无条件共享), as `--public-catalog` publishes them.
    case anonymous

    /// The 共享类型 a reader is limited to, if any.
    var shareType: String? { self == .anonymous ? CatalogResource.openShareType : nil }

    /// The datasets this reader reads: the published ones, of its 共享类型 when it is limited to one.
    var selection: DCAT.Selection { .published(shareType: shareType) }

    /// Whether this reader may read `resource`.
    func mayRead(_ resource: CatalogResource) -> Bool { selection.includes(resource) }
}

extension Permission: CustomStringConvertible {
    public var description: String {
        switch self {
        case .read: "读取"
        case .editLedger(let unit): "编辑建设单位 \(unit) 的台账和目录"
        case .manageUnits: "登记或删除建设单位"
        case .reviewCatalog: "审核目录"
        case .runProbes: "发起平台探测"
        case .recordReviews: "记录验收前置审查"
        case .runFunding: "进行资金评估"
        case .manageWaivers: "批准检查豁免"
        case .applyDeregistration(let unit): "为建设单位 \(unit) 申请系统注销"
        case .reviewDeregistration: "审核注销申请"
        case .manageUsers: "管理账号"
        case .manageHarvests: "管理采集来源"
        }
    }
}

/// Authenticates every request — by bearer token (API, CLI) or session cookie (browser) — and runs the handler as
/// that actor (for the audit trail). A state-changing request of a browser session must carry the session's CSRF
/// token (`X-CSRF-Token` header or `_csrf` form field). Only `/healthz`, `/readyz`, `/login` and the style sheet answer without
/// credentials, and they answer no data; other pages redirect to the login form, other API routes answer 401. A server
/// that publishes its catalog (`publicCatalog`) also lets the CKAN API and the DCAT documents answer without
/// credentials, with the published 无条件共享 datasets only (`LedgerContext.catalogReader`).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = LedgerContext
    let ledger: Ledger
    var publicCatalog = false
    static let openPaths: Set<String> = ["/healthz", "/readyz", "/login", "/assets/app.css"]

    /// The paths of the catalog a server with `--public-catalog` answers without credentials.
    static func isCatalog(_ path: String) -> Bool {
        ["/catalog.jsonld", "/catalog.ttl", "/api/3", "/api/action"].contains(path) || path.hasPrefix("/api/3/action/")
            || path.hasPrefix("/api/action/") || path.hasPrefix("/dataset/")
    }

    func handle(
        _ request: Request, context: LedgerContext,
        next: (Request, LedgerContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        var request = request
        let ckanKey = request.headers.first { $0.name.canonicalName == "x-ckan-api-key" }?.value
        if let header = request.headers[.authorization] ?? ckanKey {
            // `Bearer ybz_…`, or the bare token as CKAN clients send it.
            let token = header.hasPrefix("Bearer ") ? String(header.dropFirst(7)) : header
            guard let account = try await ledger.accounts.account(forToken: token) else {
                throw LedgerError(.unauthorized, "API令牌无效、已撤销，或账号已停用")
            }
            context.actor = account.actor(requestId: context.id)
        } else if let secret = request.cookies[LoginRoutes.cookieName]?.value, let session = try await ledger.accounts.session(secret: secret) {
            context.actor = session.account.actor(requestId: context.id)
            context.csrf = session.csrf
            context.flash = Flash.message(request.uri.queryParameters)
            if ![.get, .head, .options].contains(request.method) {
                var presented = request.headers.first { $0.name.canonicalName == "x-csrf-token" }?.value
                if presented == nil, request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
                    let buffer = try await request.collectBody(upTo: 16 << 20)
                    presented = Form(String(buffer: buffer))["_csrf"]
                } else if presented == nil, let form = try await MultipartForm.read(&request) {
                    presented = form["_csrf"]
                }
                guard presented == session.csrf else {
                    throw LedgerError(.forbidden, "表单已失效（CSRF校验未通过），请刷新页面后重试")
                }
            }
        }
        let path = request.uri.path
        if context.actor == nil, !Self.openPaths.contains(path) {
            if publicCatalog, Self.isCatalog(path) {
                context.publicReader = true
            } else {
                // A page sends a person to the login form; the API and the monitoring scrape get 401.
                guard path.hasPrefix("/api/") || path == "/metrics" else { return Response(status: .seeOther, headers: [.location: "/login"]) }
                try context.require(.read)
            }
        }
        return try await next(request, context)
    }
}

/// The unit that owns a record: a unit itself, a project's or system's unit, a resource's system's unit.
func ownerUnit<E: StoredEntity>(of record: E, ledger: Ledger) async throws -> String {
    switch record {
    case let unit as GovUnit: return unit.uscc
    case let project as Project: return project.unitUSCC
    case let system as InfoSystem: return system.unitUSCC
    case let resource as CatalogResource:
        // A resource naming no registered system belongs to no unit (validation refuses it later).
        return try await unlessNotFound { try await ledger.records.fetch(InfoSystem.self, key: resource.systemCode) }?.record.unitUSCC ?? ""
    default: return ""
    }
}
