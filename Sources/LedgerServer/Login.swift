import Foundation
import Hummingbird
import LedgerCore
import LedgerStore

/// The browser's way in: a login form, a session cookie (HttpOnly, SameSite=Strict, Secure when configured), and
/// logout. Forms of a session carry its CSRF token, checked by `AuthMiddleware`.
struct LoginRoutes {
    static let cookieName = "ybz_session"
    let ledger: Ledger
    let secureCookies: Bool

    func register(on router: Router<LedgerContext>) {
        router.get("/login") { request, _ in
            WebPage.response(WebPage.login(message: request.uri.formParameters.get("out") == nil ? nil : "已退出登录"))
        }
        router.post("/login") { request, _ in try await login(request) }
        router.post("/logout") { request, _ in
            if let secret = request.cookies[Self.cookieName]?.value { try await ledger.accounts.closeSession(secret: secret) }
            var response = Response(status: .seeOther, headers: [.location: "/login?out=1"])
            response.setCookie(
                Cookie(name: Self.cookieName, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict))
            return response
        }
    }

    func login(_ request: Request) async throws -> Response {
        let form = try await Form(request)
        let username = form["username"] ?? ""
        if let wait = try await ledger.accounts.loginWait(username: username) {
            return WebPage.response(WebPage.login(message: "登录失败次数过多，请 \(wait / 60 + 1) 分钟后再试"), status: .tooManyRequests)
        }
        guard let account = try await ledger.accounts.authenticate(username: username, password: form["password"] ?? "") else {
            try await ledger.accounts.noteLogin(username: username, succeeded: false)
            return WebPage.response(WebPage.login(message: "用户名或密码不正确，或账号已停用"), status: .unauthorized)
        }
        try await ledger.accounts.noteLogin(username: username, succeeded: true)
        let (secret, _) = try await ledger.accounts.openSession(for: account)
        var response = Response(status: .seeOther, headers: [.location: "/"])
        response.setCookie(
            Cookie(
                name: Self.cookieName, value: secret, maxAge: SignIn.sessionHours * 3600, path: "/",
                secure: secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }
}
