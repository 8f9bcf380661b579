import Foundation
import Hummingbird
import LedgerCore
import LedgerStore
import Presentation

/// `/probe-runs/{id}`: the evidence a probe run gathered — for each verdict the request, status, timings, the start
/// of the answer, every condition with the value it was judged on, the certificate and the connection — so that a
/// reviewer can open what "探测证据：#3" refers to. `?system=` keeps one system's verdicts.
struct ProbeRunPage {
    let ledger: Ledger
    /// Each probe's name in its connector spec, by `platform/probe` (`aishandong/service-item` → 服务事项在线).
    var probeNames: [String: String] = [:]

    func register(on router: Router<LedgerContext>) {
        router.get("/probe-runs/:id") { request, context in
            let actor = try context.require(.read)
            guard let id = Int64(try context.parameters.require("id")), id > 0 else {
                throw LedgerError(.badRequest, "探测编号应为正整数")
            }
            let system = request.uri.queryParameters.get("system").map { String($0.prefix(64)) }
            let view = try await view(run: id, system: system)
            let crumbs = system.map { [Crumb("信息系统", "/systems"), Crumb($0, "/systems/\(pathSegment($0))")] } ?? []
            let html = PageTemplates.render(view, "probe-run")
            return WebPage.response(WebPage.shell(title: "探测证据 #\(id)", actor: actor, context: context, body: html, crumbs: crumbs))
        }
    }

    /// The page's view model; builds no HTML.
    func view(run id: Int64, system: String?) async throws -> ProbeRunView {
        let (run, stored) = try await ledger.probeHistory.run(id: id)
        let shown = stored.filter { system == nil || $0.verdict.systemCode == system }
        let platforms = run.summary.keys.sorted().map { key in
            ProbeRunView.PlatformLine(name: Platform(rawValue: key)?.label ?? key, counts: Self.countsText(run.summary[key, default: [:]]))
        }
        return ProbeRunView(
            id: id, startedAt: BeijingTime.text(run.startedAt), finishedAt: BeijingTime.text(run.finishedAt), asOf: run.asOf,
            trigger: Self.triggers[run.trigger] ?? "其他",
            platforms: platforms, system: system,
            summary: shown.isEmpty
                ? "本次探测没有\(system.map { "信息系统 \($0) 的" } ?? "")结果。"
                : "共 \(shown.count) 项结果。",
            verdicts: shown.map { Self.verdict($0, names: probeNames) })
    }

    /// Who started a run, in words.
    static let triggers = ["cli": "命令行", "api": "接口", "web": "页面", "review": "验收前置审查", "schedule": "定时任务"]

    /// One platform's verdict counts of a run in words (`通过 3，不适用 1`), outcomes in a fixed order.
    static func countsText(_ counts: [String: Int]) -> String {
        counts.sorted { $0.key < $1.key }.map { "\(outcomeLabel(VerdictOutcome(rawValue: $0.key))) \($0.value)" }.joined(separator: "，")
    }

    static func outcomeLabel(_ outcome: VerdictOutcome?) -> String {
        switch outcome {
        case .pass: "通过"
        case .fail: "不通过"
        case .error: "出错"
        case .skipped: "跳过"
        case .notApplicable: "不适用"
        case nil: "其他"
        }
    }

    static func verdict(_ stored: StoredVerdict, names: [String: String]) -> ProbeRunView.VerdictView {
        let verdict = stored.verdict
        let name = names["\(verdict.platform.rawValue)/\(verdict.probe)"] ?? "探测项"
        let failedFirst = verdict.outcome != .pass
        return ProbeRunView.VerdictView(
            verdictId: stored.id, platform: verdict.platform.label, probeName: name, target: verdict.target,
            system: verdict.systemCode, outcome: outcomeLabel(verdict.outcome),
            outcomeClass: verdict.outcome == .pass ? "pass" : verdict.outcome == .fail ? "fail" : "pending-evidence",
            checkedAt: BeijingTime.text(verdict.checkedAt.formatted(.iso8601)),
            platformUpdatedAt: verdict.platformUpdatedAt.map(BeijingTime.text), reason: ArticleText.inText(verdict.reason),
            conditions: verdict.conditions.map {
                .init(
                    expression: $0.expression, resolved: $0.resolved, result: $0.passed ? "满足" : "不满足",
                    resultClass: $0.passed ? "pass" : "fail")
            },
            attempts: verdict.attempts.enumerated().map { index, attempt in
                attemptView(attempt, open: failedFirst && index == verdict.attempts.count - 1)
            })
    }

    static func attemptView(_ attempt: ProbeAttempt, open: Bool) -> ProbeRunView.AttemptView {
        func ms(_ value: Double?) -> String? { value.map { String(format: "%.0f 毫秒", $0) } }
        let timings = [("请求发出", ms(attempt.sentMs)), ("收到响应头", ms(attempt.firstByteMs)), ("合计", ms(attempt.totalMs))]
            .compactMap { label, value in value.map { "\(label) \($0)" } }.joined(separator: "，")
        let connection = attempt.connection.map { facts in
            var parts = ["\(facts.host):\(facts.port)" + (facts.address.map { "（\($0)）" } ?? "")]
            for (label, value) in [("域名解析", facts.dnsMs), ("建立连接", facts.connectMs), ("TLS握手", facts.tlsMs)] {
                if let text = ms(value) { parts.append("\(label) \(text)") }
            }
            if let error = facts.error { parts.append("失败：\(error)") }
            return parts.joined(separator: "，")
        }
        let expiry = attempt.tlsExpiresAt ?? attempt.connection?.tlsExpiresAt
        let certificate = expiry.map { date in
            var text = "有效期至 \(BeijingTime.text(date.formatted(.iso8601)))"
            if let subject = attempt.connection?.tlsSubject { text += "，主体 \(subject)" }
            if let issuer = attempt.connection?.tlsIssuer { text += "，签发者 \(issuer)" }
            return text
        }
        let headline = attempt.status.map { "HTTP \($0)" } ?? attempt.error.map { "未得到响应（\($0)）" } ?? "未得到响应"
        return ProbeRunView.AttemptView(
            number: attempt.number, open: open, headline: headline + (ms(attempt.totalMs).map { "，\($0)" } ?? ""),
            url: attempt.url, startedAt: BeijingTime.text(attempt.startedAt.formatted(.iso8601)), timings: timings,
            connection: connection, certificate: certificate, error: attempt.error, bodySHA256: attempt.bodySHA256,
            snippet: attempt.bodySnippet)
    }
}

/// What the probe evidence page shows.
struct ProbeRunView {
    struct PlatformLine {
        var name: String
        var counts: String
    }

    struct ConditionView {
        var expression: String
        var resolved: String
        var result: String
        var resultClass: String
    }

    struct AttemptView {
        var number: Int
        /// The last attempt of a verdict that did not pass starts open.
        var open: Bool
        var headline: String
        var url: String
        var startedAt: String
        var timings: String
        var connection: String?
        var certificate: String?
        var error: String?
        var bodySHA256: String?
        var snippet: String?
    }

    struct VerdictView {
        var verdictId: Int64
        var platform: String
        var probeName: String
        var target: String
        var system: String
        var outcome: String
        var outcomeClass: String
        var checkedAt: String
        var platformUpdatedAt: String?
        var reason: String
        var conditions: [ConditionView]
        var attempts: [AttemptView]
    }

    var id: Int64
    var startedAt: String
    var finishedAt: String
    var asOf: String
    var trigger: String
    var platforms: [PlatformLine]
    /// The one system shown, when the page was opened for it.
    var system: String?
    var summary: String
    var verdicts: [VerdictView]
}
