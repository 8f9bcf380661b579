import Foundation
import Hummingbird
import LedgerCore
import Presentation

/// Server-rendered pages: one shell (Chinese, self-contained styles, printable), the login form.
enum WebPage {
    static let style = """
        body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;margin:0;color:#1b1b1b;font-size:15px}
        header{background:#17324d;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.2rem;align-items:center}
        header a{color:#fff;text-decoration:none} header .who{margin-left:auto;font-size:.9rem}
        main{max-width:1180px;margin:1rem auto;padding:0 1rem} h1{font-size:1.4rem}
        table{border-collapse:collapse;width:100%;margin:.6rem 0} th,td{border:1px solid #ccd;padding:.35rem .6rem;text-align:left}
        th{background:#eef2f6} .note{color:#555} .error{color:#a40000}
        form.inline{display:inline} button{padding:.3rem .9rem;cursor:pointer}
        input{padding:.3rem;font-size:1rem} .login{max-width:22rem;margin:4rem auto} .login input{width:100%;margin:.2rem 0 .8rem}
        .eligible,.pass{color:#065f2c;font-weight:bold}.ineligible,.fail{color:#a40000;font-weight:bold}\
        .pending-evidence{color:#8a5a00;font-weight:bold}
        details summary{cursor:pointer} textarea{font-size:1rem} table.form th{width:12em;white-space:nowrap}
        @media print{header,form{display:none}}
        """

    /// The hidden field that carries the session's CSRF token in a form.
    static func csrfField(_ csrf: String?) -> String {
        "<input type=\"hidden\" name=\"_csrf\" value=\"\(HTML.escape(csrf ?? ""))\">"
    }

    /// The hidden field that carries the version an edit form was opened at (`formVersion` reads it back), or nothing
    /// for a new record.
    static func versionField(_ version: Int?) -> String {
        version.map { "<input type=\"hidden\" name=\"_version\" value=\"\($0)\">" } ?? ""
    }

    /// A full page for a signed-in actor; forms inside `body` must carry `csrf`.
    static func shell(title: String, actor: Actor, csrf: String?, body: String) -> String {
        let logout =
            csrf.map {
                """
                <form class="inline" method="post" action="/logout">\(csrfField($0))<button>退出</button></form>
                """
            } ?? ""
        return """
            <!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <title>\(HTML.escape(title)) · 一本账</title><style>\(style)</style></head><body>
            <header><a href="/"><strong>滕州市数字资源“一本账”</strong></a>
            <form class="inline search" method="get" action="/search" role="search"><input type="search" name="q" \
            aria-label="搜索系统、信息资源、单位、项目" placeholder="搜索系统、信息资源、单位、项目"><button>\
            搜索</button></form>
            <span class="who">\(HTML.escape(actor.username))（\(actor.role.label)）</span>\(logout)</header>
            <main>\(body)</main></body></html>
            """
    }

    static func login(message: String?) -> String {
        """
        <!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>登录 · 一本账</title><style>\(style)</style></head><body>
        <header><strong>滕州市数字资源“一本账”</strong></header>
        <main class="login"><h1>登录</h1>\(message.map { "<p class=\"error\">\(HTML.escape($0))</p>" } ?? "")
        <form method="post" action="/login"><label>用户名<input name="username" autocomplete="username" required></label>
        <label>密码<input name="password" type="password" autocomplete="current-password" required></label>
        <button>登录</button></form>
        <p class="note">依据《滕州市政务信息化项目建设管理细则》（滕政办发〔2025〕8号）。</p></main></body></html>
        """
    }

    /// A page for a refused or failed request: the message, every detail with its rule and article, the request id.
    static func error(message: String, details: [ValidationIssue], requestId: String) -> String {
        let items = details.map {
            "<li>\(HTML.escape($0.field))：\(HTML.prose($0.message))（\($0.rule)\($0.article.map { "，\(ArticleText.chinese($0))" } ?? "")）</li>"
        }
        .joined()
        return """
            <!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>无法完成 · 一本账</title><style>\(style)</style></head><body>
            <header><a href="/"><strong>滕州市数字资源“一本账”</strong></a></header>
            <main><h1>无法完成</h1><p class="error">\(HTML.escape(message))</p>\(items.isEmpty ? "" : "<ul>\(items)</ul>")
            <p class="note">请求编号 \(HTML.escape(requestId)) · <a href="/">首页</a></p></main></body></html>
            """
    }

    /// A link with escaped target and text.
    static func link(_ href: String, _ text: String) -> String { "<a href=\"\(HTML.escape(href))\">\(HTML.escape(text))</a>" }

    /// A table whose cells are already HTML.
    static func table(_ headers: [String], _ rows: [[String]]) -> String {
        guard !rows.isEmpty else { return "<p class=\"note\">（无）</p>" }
        return "<table><tr>" + headers.map { "<th>\($0)</th>" }.joined() + "</tr>"
            + rows.map { "<tr>" + $0.map { "<td>\($0)</td>" }.joined() + "</tr>" }.joined() + "</table>"
    }

    static func response(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}
