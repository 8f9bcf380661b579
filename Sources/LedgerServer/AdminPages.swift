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
        let names = displayNames(of: accounts)
        var tokenForm = FieldRows(issues: issues)
        let tokenFields = [
            tokenForm.select(
                "tokenAccount", "账号", accounts.filter { !$0.disabled }.map(\.username), nil,
                labels: Dictionary(accounts.map { ($0.username, "\($0.displayName)（\($0.username)）") }, uniquingKeysWith: { first, _ in first })),
            tokenForm.input("tokenName", "用途", nil, size: 30, hint: "如：共享平台对接脚本")
        ]
        var form = FieldRows(issues: issues)
        let fields = [
            form.input("username", "用户名", nil, size: 20, hint: "小写字母开头，2-32位"),
            form.input("displayName", "姓名", nil, size: 20),
            form.select(
                "role", "角色", Role.allCases.map(\.rawValue), nil,
                labels: Dictionary(uniqueKeysWithValues: Role.allCases.map { ($0.rawValue, $0.label) })),
            form.input("unitUSCC", "所属建设单位（数据专员必填）", nil, size: 20, hint: "统一社会信用代码"),
            form.password("password", "初始密码", hint: "至少10个字符")
        ]
        let view = UsersView(
            csrf: context.csrf ?? "",
            accounts: accounts.map { account in
                .init(
                    username: account.username, name: account.displayName, role: account.role.label, unit: account.unitUSCC ?? "",
                    tokens: tokens[account.username]?.count ?? 0, disabled: account.disabled,
                    toggle: account.username == actor.username
                        ? nil : "/admin/users/\(pathSegment(account.username))/\(account.disabled ? "enable" : "disable")")
            },
            tokens: active.map { token in
                .init(
                    person: names[token.username] ?? token.username, name: token.name, issued: BeijingTime.text(token.createdAt),
                    revoke: "/admin/tokens/\(token.id)/revoke")
            },
            issued: issued.map { token, secret in
                .init(person: names[token.username] ?? token.username, name: token.name, secret: secret)
            },
            tokenForm: FieldSet(fields: tokenFields), fields: fields, summary: form.summary())
        let html = PageTemplates.render(view, "users")
        return WebPage.response(WebPage.shell(title: "账号", actor: actor, context: context, body: html, path: "/admin/users"), status: status)
    }

    func waiversPage(issues: [ValidationIssue], context: LedgerContext, status: HTTPResponse.Status = .ok) async throws -> Response {
        let actor = try context.require(.read)
        let today = CivilDate(Date())
        var form = FieldRows(issues: issues)
        let fields =
            Permission.manageWaivers.allows(actor)
            ? [
                form.input("systemCode", "系统编号", nil, size: 16),
                form.select(
                    "check", "检查项", CheckID.allCases.map(\.rawValue), nil,
                    labels: Dictionary(
                        uniqueKeysWithValues: CheckID.allCases.map { ($0.rawValue, "\($0.title)（\(ArticleText.chinese($0.article))）") })),
                form.input("reason", "理由", nil, size: 60), form.input("approver", "批准人", actor.displayName ?? actor.username, size: 16),
                form.date("expiresOn", "截止日期（含当日）", nil)
            ] : []
        let view = WaiversView(
            waivers: try await ledger.evaluations.waivers().map { stored in
                let waiver = stored.waiver
                return .init(
                    system: waiver.systemCode, href: "/systems/\(pathSegment(waiver.systemCode))", checkID: waiver.check.rawValue,
                    check: waiver.check.title, article: ArticleText.chinese(waiver.check.article), reason: waiver.reason,
                    approver: waiver.approver, expires: waiver.expiresOn.description, active: waiver.applies(on: today))
            },
            csrf: context.csrf ?? "", fields: fields, summary: form.summary())
        let html = PageTemplates.render(view, "waivers")
        return WebPage.response(
            WebPage.shell(title: "检查豁免", actor: actor, context: context, body: html, path: "/admin/waivers"), status: status)
    }

    func policyPage(_ context: LedgerContext) throws -> Response {
        let actor = try context.require(.read)
        let inForce = try? compliance.policies.policy(on: CivilDate(Date()))  // none in force today: none is marked
        let versions = compliance.policies.versions.reversed().map { policy in
            let thresholds = policy.thresholds
            let limits: [(String, String)] = [
                ("一本账维护间隔上限（天）", String(thresholds.ledgerMaxAgeDays)),
                ("探测证据有效期（天）", String(thresholds.evidenceMaxAgeDays)),
                ("按期更新资源比例下限（%）", String(thresholds.dataFreshMinimumPercent)),
                ("密评有效期（月）", String(thresholds.cryptoMaxAgeMonths)),
                (
                    "等保测评有效期（月，按级别）",
                    thresholds.mlpsMaxAgeMonths.sorted { $0.key < $1.key }.map { "\($0.key)：\($0.value)" }.joined(separator: "；")
                ),
                ("山东通30天活跃用户下限", String(thresholds.lowActivityUsers30d)),
                ("运维经费最低评分", String(thresholds.minimumScore)),
                ("运维经费最低覆盖率（%）", String(thresholds.minimumCoverage)),
                ("免费运维期（年）", "\(policy.freeYears)（\(ArticleText.chinese(policy.omFreePeriod.article))）"),
                ("运维经费上限（建设资金的%）", "\(policy.capPercent)（\(ArticleText.chinese(policy.omCap.article))）")
            ]
            return PolicyView.Version(
                version: policy.version, from: policy.effectiveFrom.description, inForce: policy == inForce, regulation: policy.regulation,
                sha256: policy.sha256, limits: limits.map { .init(label: $0.0, value: $0.1) },
                weights: CheckID.allCases.map { check in
                    .init(id: check.rawValue, title: check.title, article: ArticleText.chinese(check.article), weight: policy.weight(check))
                })
        }
        let html = PageTemplates.render(PolicyView(versions: Array(versions)), "policy")
        return WebPage.response(WebPage.shell(title: "合规策略", actor: actor, context: context, body: html, path: "/admin/policy"))
    }
}

/// What the accounts page shows.
struct UsersView {
    struct Account {
        var username: String
        var name: String
        var role: String
        var unit: String
        var tokens: Int
        var disabled: Bool
        /// Where 停用/启用 posts; `nil` for the signed-in admin's own account.
        var toggle: String?
    }

    struct Token {
        var person: String
        var name: String
        var issued: String
        var revoke: String
    }

    /// A token just issued, its secret shown this once.
    struct Issued {
        var person: String
        var name: String
        var secret: String
    }

    var csrf: String
    var accounts: [Account]
    var tokens: [Token]
    var issued: Issued?
    var tokenForm: FieldSet
    var fields: [FieldView]
    var summary: FormSummary?
}

/// What the waivers page shows.
struct WaiversView {
    struct Waiver {
        var system: String
        var href: String
        var checkID: String
        var check: String
        var article: String
        var reason: String
        var approver: String
        var expires: String
        var active: Bool
    }

    var waivers: [Waiver]
    var csrf: String
    /// The form that grants one (empty for who may not).
    var fields: [FieldView]
    var summary: FormSummary?
}

/// What the policy page shows: every version, newest first.
struct PolicyView {
    struct Limit {
        var label: String
        var value: String
    }

    struct Weight {
        var id: String
        var title: String
        var article: String
        var weight: Int
    }

    struct Version {
        var version: String
        var from: String
        var inForce: Bool
        var regulation: String
        var sha256: String
        var limits: [Limit]
        var weights: [Weight]
    }

    var versions: [Version]
}
