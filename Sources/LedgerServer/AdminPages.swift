import Compliance
import Foundation
import Hummingbird
import LedgerCore
import LedgerStore
import Presentation
import Services

/// The admin's pages besides the dashboard: accounts (add, disable, enable), exceptions (waivers of one check for
/// one system until a date) and the policy versions in force. Every change goes through the store's audited
/// writes, as the command line's do.
struct AdminPages {
    let ledger: Ledger
    let compliance: ComplianceService

    func register(on router: Router<LedgerContext>) {
        router.get("/admin/users") { _, context in try await usersPage(issues: [], context: context) }
        router.post("/admin/users") { request, context in
            let actor = try context.require(.manageUsers)
            let form = try await Form(request)
            guard let role = Role(rawValue: form["role"] ?? "") else {
                return try await usersPage(
                    issues: [ValidationIssue(field: "role", value: form["role"] ?? "", rule: "account.role", message: "请选择角色")],
                    context: context, status: .unprocessableContent)
            }
            let unit = form["unitUSCC"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) }
            do {
                _ = try await ledger.accounts.createAccount(
                    username: form["username"] ?? "", displayName: form["displayName"] ?? "", role: role,
                    unitUSCC: unit, password: form["password"] ?? "", by: actor)
            } catch let error as LedgerError where error.kind == .validation {
                return try await usersPage(issues: error.details, context: context, status: .unprocessableContent)
            }
            return Flash.accountCreated.redirect("/admin/users", code: form["username"])
        }
        router.post("/admin/users/:name/:action") { _, context in
            let actor = try context.require(.manageUsers)
            let name = try context.parameters.require("name")
            let action = try context.parameters.require("action")
            guard action == "disable" || action == "enable" else { throw LedgerError(.badRequest, "未知的账号操作“\(action)”") }
            // An administrator who disabled the own account could not sign in again to undo it.
            guard !(action == "disable" && name == actor.username) else { throw LedgerError(.conflict, "不能停用自己正在使用的账号") }
            _ = try await ledger.accounts.setDisabled(name, action == "disable", by: actor)
            return Flash.accountChanged.redirect("/admin/users", code: name)
        }
        router.post("/admin/tokens") { request, context in
            let actor = try context.require(.manageUsers)
            let form = try await Form(request)
            let (username, name) = (form["tokenAccount"] ?? "", (form["tokenName"] ?? "").trimmingCharacters(in: .whitespaces))
            guard !name.isEmpty, name.count <= FieldLimits.maxText else {
                let issue = ValidationIssue(
                    field: "tokenName", value: name, rule: "token.name", message: "请填写令牌用途（1至\(FieldLimits.maxText)个字）")
                return try await usersPage(issues: [issue], context: context, status: .unprocessableContent)
            }
            do {
                let (token, secret) = try await ledger.accounts.createToken(username: username, name: name, by: actor)
                // The secret is shown on this answer only (never put in an address): it is stored as its hash.
                return try await usersPage(issues: [], context: context, issued: (token, secret))
            } catch let error as LedgerError where error.kind == .notFound || error.kind == .validation {
                let issue = ValidationIssue(field: "tokenAccount", value: username, rule: "token.account", message: error.message)
                return try await usersPage(issues: [issue], context: context, status: .unprocessableContent)
            }
        }
        router.post("/admin/tokens/:id/revoke") { _, context in
            let actor = try context.require(.manageUsers)
            guard let id = Int64(try context.parameters.require("id")) else { throw LedgerError(.badRequest, "令牌编号应为整数") }
            _ = try await ledger.accounts.revokeToken(id: id, by: actor)
            return Flash.tokenRevoked.redirect("/admin/users#tokens")
        }
        router.get("/admin/waivers") { _, context in try await waiversPage(issues: [], context: context) }
        router.post("/admin/waivers") { request, context in
            let actor = try context.require(.manageWaivers)
            let form = try await Form(request)
            var issues: [ValidationIssue] = []
            let check = CheckID(rawValue: form["check"] ?? "")
            if check == nil {
                issues.append(
                    ValidationIssue(field: "check", value: form["check"] ?? "", rule: "waiver.check", message: "请选择要豁免的检查项"))
            }
            let expires = CivilDate(form["expiresOn"] ?? "")
            if expires == nil {
                issues.append(ValidationIssue(field: "expiresOn", value: form["expiresOn"] ?? "", rule: "date.format", message: "截止日期应为 YYYY-MM-DD"))
            }
            do {
                guard let check, let expires, issues.isEmpty else { throw LedgerError.invalid(issues) }
                let approver = (form["approver"] ?? "").isEmpty ? (actor.displayName ?? actor.username) : form["approver"]!
                _ = try await ledger.evaluations.addWaiver(
                    Waiver(
                        systemCode: form["systemCode"] ?? "", check: check, reason: form["reason"] ?? "",
                        approver: approver, expiresOn: expires), by: actor)
            } catch let error as LedgerError where error.kind == .validation || error.kind == .notFound {
                let details =
                    error.details.isEmpty
                    ? [ValidationIssue(field: "systemCode", value: form["systemCode"] ?? "", rule: "reference.exists", message: error.message)]
                    : error.details
                return try await waiversPage(issues: details, context: context, status: .unprocessableContent)
            }
            return Flash.waiverAdded.redirect("/admin/waivers", code: form["systemCode"])
        }
        router.get("/admin/policy") { _, context in try policyPage(context) }
    }

    /// The accounts and their API tokens; `issued` is a token just created, whose secret is shown this once.
    func usersPage(
        issues: [ValidationIssue], context: LedgerContext, status: HTTPResponse.Status = .ok, issued: (APIToken, String)? = nil
    ) async throws -> Response {
        let actor = try context.require(.manageUsers)
        let accounts = try await ledger.accounts.accounts()
        let active = try await ledger.accounts.tokens().filter { $0.revokedAt == nil }
        let tokens = Dictionary(grouping: active, by: \.username)
        let names = WebRoutes.displayNames(of: accounts)
        let tokenRows = active.map { token in
            [
                HTML.escape(names[token.username] ?? token.username), HTML.escape(token.name), BeijingTime.text(token.createdAt),
                """
                <form class="inline" method="post" action="/admin/tokens/\(token.id)/revoke">\(WebPage.csrfField(context.csrf))\
                <button class="secondary">吊销</button></form>
                """
            ]
        }
        let issuedNote =
            issued.map { token, secret in
                """
                <p class="flash" role="status">\
                已为\(HTML.escape(names[token.username] ?? token.username))签发令牌“\(HTML.escape(token.name))”：\
                <code>\(HTML.escape(secret))</code>。请立即复制并交给使用者：令牌只保存其摘要，\
                离开本页后无法再次查看。</p>
                """
            } ?? ""
        var tokenForm = FieldRows(issues: issues)
        let tokenFields =
            tokenForm.select(
                "tokenAccount", "账号", accounts.filter { !$0.disabled }.map(\.username), nil,
                labels: Dictionary(accounts.map { ($0.username, "\($0.displayName)（\($0.username)）") }, uniquingKeysWith: { first, _ in first }))
            + tokenForm.input("tokenName", "用途", nil, size: 30, hint: "如：共享平台对接脚本")
        var form = FieldRows(issues: issues)
        let rows = accounts.map { account in
            let toggle = account.disabled ? "enable" : "disable"
            return [
                HTML.escape(account.username), HTML.escape(account.displayName), account.role.label, account.unitUSCC ?? "",
                String(tokens[account.username]?.count ?? 0), account.disabled ? "<span class=\"fail\">已停用</span>" : "启用",
                account.username == actor.username
                    ? ""
                    : """
                    <form class="inline" method="post" action="/admin/users/\(HTML.escape(account.username))/\(toggle)">\
                    \(WebPage.csrfField(context.csrf))<button>\(account.disabled ? "启用" : "停用")</button></form>
                    """
            ]
        }
        let fields =
            form.input("username", "用户名", nil, size: 20, hint: "小写字母开头，2-32位")
            + form.input("displayName", "姓名", nil, size: 20)
            + form.select(
                "role", "角色", Role.allCases.map(\.rawValue), nil,
                labels: Dictionary(uniqueKeysWithValues: Role.allCases.map { ($0.rawValue, $0.label) }))
            + form.input("unitUSCC", "所属建设单位（数据专员必填）", nil, size: 20, hint: "统一社会信用代码")
            + "<tr><th><label for=\"f-password\">初始密码</label></th><td><input id=\"f-password\" name=\"password\" type=\"password\""
            + " size=\"20\" autocomplete=\"new-password\">"
            + " <span class=\"note\">至少10个字符</span> \(form.problems("password"))</td></tr>"
        let body = """
            <h1>账号</h1>
            \(WebPage.table(["用户名", "姓名", "角色", "单位", "有效令牌", "状态", ""], rows))
            <p class="note">停用账号立即使其会话和API令牌失效；账号不删除，审计记录始终可追溯到人。</p>
            <h2 id="tokens">API令牌（\(active.count)）</h2>\(issuedNote)
            \(WebPage.table(["账号", "用途", "签发时间", ""], tokenRows))
            <h3>签发令牌</h3>
            <form method="post" action="/admin/tokens">\(WebPage.csrfField(context.csrf))<table class="form">\(tokenFields)</table>\
            <button>签发</button></form>
            <h2>新增账号</h2>\(form.summary())
            <form method="post" action="/admin/users">\(WebPage.csrfField(context.csrf))<table class="form">\(fields)</table><button>新增</button>\
            </form>
            """
        return WebPage.response(WebPage.shell(title: "账号", actor: actor, context: context, body: body, path: "/admin/users"), status: status)
    }

    func waiversPage(issues: [ValidationIssue], context: LedgerContext, status: HTTPResponse.Status = .ok) async throws -> Response {
        let actor = try context.require(.read)
        let today = CivilDate(Date())
        let rows = try await ledger.evaluations.waivers().map { stored in
            let waiver = stored.waiver
            return [
                WebPage.link("/systems/\(waiver.systemCode)", waiver.systemCode),
                "<span title=\"\(waiver.check.rawValue)\">\(HTML.escape(waiver.check.title))</span>",
                ArticleText.chinese(waiver.check.article), HTML.escape(waiver.reason), HTML.escape(waiver.approver), waiver.expiresOn.description,
                waiver.applies(on: today) ? "有效" : "<span class=\"note\">已到期</span>"
            ]
        }
        var body = """
            <h1>检查豁免</h1>
            <p class="note">豁免使某系统的某项检查在截止日前不阻断资金、不计入评分，结果中注明“已豁免”及理由；豁免到期自动失效，记录不可删除。</p>
            \(WebPage.table(["系统", "检查项", "依据", "理由", "批准人", "截止日期", "状态"], rows))
            """
        if Permission.manageWaivers.allows(actor) {
            var form = FieldRows(issues: issues)
            let fields =
                form.input("systemCode", "系统编号", nil, size: 16)
                + form.select(
                    "check", "检查项", CheckID.allCases.map(\.rawValue), nil,
                    labels: Dictionary(
                        uniqueKeysWithValues: CheckID.allCases.map { ($0.rawValue, "\($0.title)（\(ArticleText.chinese($0.article))）") }))
                + form.input("reason", "理由", nil, size: 60) + form.input("approver", "批准人", actor.displayName ?? actor.username, size: 16)
                + form.input("expiresOn", "截止日期", nil, size: 12, hint: "YYYY-MM-DD，含当日")
            body += """
                <h2>批准豁免</h2>\(form.summary())
                <form method="post" action="/admin/waivers">\(WebPage.csrfField(context.csrf))<table class="form">\(fields)</table><button>\
                批准</button></form>
                """
        }
        let page = WebPage.shell(title: "检查豁免", actor: actor, context: context, body: body, path: "/admin/waivers")
        return WebPage.response(page, status: status)
    }

    func policyPage(_ context: LedgerContext) throws -> Response {
        let actor = try context.require(.read)
        let inForce = try? compliance.policies.policy(on: CivilDate(Date()))  // none in force today: none is marked
        var body = "<h1>合规策略</h1>"
        body += """
            <p class="note">策略是 <code>catalog/policy/</code> 中带生效日期的版本文件：每次评估按评估基准日选用当时有效的版本，并记录版本与文件的 SHA-256；
            复核（replay）发现文件被改动即拒绝。因此策略不在网页上修改——新规则以新版本文件（新的生效日期）提交，旧版本保留。</p>
            """
        for policy in compliance.policies.versions.reversed() {
            let weights = CheckID.allCases.map { check in
                [
                    "<span title=\"\(check.rawValue)\">\(HTML.escape(check.title))</span>", ArticleText.chinese(check.article),
                    String(policy.weight(check))
                ]
            }
            let thresholds = policy.thresholds
            let limits: [[String]] = [
                ["一本账维护间隔上限（天）", String(thresholds.ledgerMaxAgeDays)], ["探测证据有效期（天）", String(thresholds.evidenceMaxAgeDays)],
                ["按期更新资源比例下限（%）", String(thresholds.dataFreshMinimumPercent)], ["密评有效期（月）", String(thresholds.cryptoMaxAgeMonths)],
                ["等保测评有效期（月，按级别）", thresholds.mlpsMaxAgeMonths.sorted { $0.key < $1.key }.map { "\($0.key)：\($0.value)" }.joined(separator: "；")],
                ["山东通30天活跃用户下限", String(thresholds.lowActivityUsers30d)], ["运维经费最低评分", String(thresholds.minimumScore)],
                ["运维经费最低覆盖率（%）", String(thresholds.minimumCoverage)],
                ["免费运维期（年）", "\(policy.freeYears)（\(ArticleText.chinese(policy.omFreePeriod.article))）"],
                ["运维经费上限（建设资金的%）", "\(policy.capPercent)（\(ArticleText.chinese(policy.omCap.article))）"]
            ]
            body += """
                <h2>版本 \(HTML.escape(policy.version))，自 \(policy.effectiveFrom) 起生效\(policy == inForce ? "（今天有效）" : "")</h2>
                <p class="note">\(HTML.escape(policy.regulation)) · SHA-256 <code>\(policy.sha256)</code></p>
                \(WebPage.table(["阈值", "取值"], limits))
                \(WebPage.table(["检查项", "依据", "评分权重"], weights))
                """
        }
        return WebPage.response(WebPage.shell(title: "合规策略", actor: actor, context: context, body: body, path: "/admin/policy"))
    }
}
