import Foundation
import Hummingbird
import LedgerCore
import Presentation

/// Server-rendered pages: one layout (`Web/templates/layout.mustache`, the one style sheet `Web/app.css`) around
/// every page, with the role's menu, breadcrumbs and the search box; the login and error pages.
enum WebPage {
    /// A full page for a signed-in actor; forms inside `body` (HTML) must carry the context's CSRF token. `path` is the page's own
    /// address (its menu entry is marked current); `crumbs` lead from the home page to this one, which ends them.
    static func shell(
        title: String, actor: Actor, context: LedgerContext, body: String, path: String? = nil, crumbs: [Crumb] = [],
        query: String = "", refresh: Int? = nil
    ) -> String {
        let user = LayoutView.User(
            name: actor.displayName ?? actor.username, role: actor.role.label, csrf: context.csrf ?? "", query: query,
            menu: Menu.items(for: actor.role, current: path))
        let trail = crumbs.isEmpty ? [] : [Crumb("首页", "/")] + crumbs + [Crumb(title)]
        return PageTemplates.page(LayoutView(title: title, user: user, crumbs: trail, flash: context.flash, body: body, refresh: refresh))
    }

    static func login(message: String?) -> String {
        PageTemplates.page(
            LayoutView(title: "登录", body: PageTemplates.render(LoginView(message: message), "login")))
    }

    /// A page for a refused or failed request: the message, every detail with its rule and article, the request id.
    static func error(message: String, details: [ValidationIssue], requestId: String) -> String {
        let view = ErrorView(
            message: message,
            details: details.map {
                .init(field: $0.field, message: ArticleText.inText($0.message), rule: $0.rule, article: $0.article.map(ArticleText.chinese))
            }, requestId: requestId)
        return PageTemplates.page(LayoutView(title: "无法完成", body: PageTemplates.render(view, "error")))
    }

    static func response(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}
