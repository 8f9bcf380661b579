import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerServer
import LedgerStore
import LedgerTestSupport
import Testing

@Suite("Layout and list pages")
struct LayoutTests {
    /// The rows of the systems list, in order: each row's code.
    func codes(_ html: String) -> [String] {
        html.components(separatedBy: "<tr><td><a href=\"/systems/").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    @Test func theSystemsListPagesSortsAndFilters() async throws {
        let (ledger, app) = try await WebTests.app()
        for number in 1...60 {
            var system = Fixtures.system(code: String(format: "TZ-SYS-%03d", number), unit: number % 2 == 0 ? TwoUnits.own : TwoUnits.other)
            system.name = "滕州市第\(number)号业务系统"
            if number % 3 == 0 { system.status = .trial }
            _ = try await ledger.records.create(system, by: .commandLine)
        }
        try await app.test(.router) { client in
            let reviewer = try await BrowserSession.open(client, "reviewer")
            let (status, first, _) = try await reviewer.get("/systems")
            #expect(status == .ok)
            #expect(first.contains("共 62 个信息系统") && first.contains("第 1 / 2 页") && first.contains("rel=\"next\""))
            #expect(codes(first).count == 50 && codes(first).first == "S-OTHER")
            #expect(first.contains("<a href=\"/systems\" aria-current=\"page\">信息系统</a>"))
            let (_, second, _) = try await reviewer.get("/systems?sort=code&page=2")
            #expect(codes(second).count == 12 && second.contains("第 2 / 2 页") && second.contains("rel=\"prev\""))
            let (_, descending, _) = try await reviewer.get("/systems?sort=-code")
            #expect(codes(descending).first == "TZ-SYS-060" && descending.contains("aria-sort=\"descending\""))
            let trial = "/systems?status=\("试运行".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
            let (_, filtered, _) = try await reviewer.get(trial)
            #expect(codes(filtered).count == 20 && filtered.contains("清除筛选"))
            let (_, named, _) = try await reviewer.get("/systems?name=\("第7号".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
            #expect(codes(named) == ["TZ-SYS-007"])
            let (_, ownUnit, _) = try await reviewer.get("/systems?unit=\(TwoUnits.own)&sort=-name")
            #expect(codes(ownUnit).count == 31 && ownUnit.contains("滕州市自然资源局"))
            // Hostile or stale parameters are ignored, never an error.
            let (oddStatus, odd, _) = try await reviewer.get("/systems?page=-5&sort=drop%20table&status=x")
            #expect(oddStatus == .ok && odd.contains("第 1 / 2 页"))
        }
    }

    @Test func everyPageHasTheLayoutWithTheRolesMenuAndTheDisplayName() async throws {
        let (_, app) = try await WebTests.app()
        try await app.test(.router) { client in
            for (name, home, entries) in [
                ("officer", "/unit", ["本单位", "导入"]), ("reviewer", "/review", ["审核队列", "信息系统"]),
                ("finance", "/funding", ["运维经费", "信息系统"]), ("admin", "/admin", ["概览", "账号", "豁免"])
            ] {
                let session = try await BrowserSession.open(client, name)
                let (_, html, _) = try await session.get(home)
                #expect(html.contains("<link rel=\"stylesheet\" href=\"/assets/app.css\">") && !html.contains("<style>"))
                for entry in entries { #expect(html.contains(">\(entry)</a></li>"), "\(name): \(entry)") }
                #expect(html.contains("aria-current=\"page\""), "\(name)'s home is marked in the menu")
                // The header names the person (the test accounts' display name is the role's label), not the login.
                #expect(html.contains("<span class=\"who\">"), "\(name)")
                #expect(!html.contains("<span class=\"who\">\(name)<"), "\(name)")
            }
            let sheet = try await client.execute(uri: "/assets/app.css", method: .get)
            #expect(sheet.status == .ok && sheet.headers[.contentType]?.hasPrefix("text/css") == true)
            #expect(String(buffer: sheet.body).contains("@media (max-width: 700px)"))
        }
    }
}

@Suite("Probe evidence page")
struct ProbeEvidencePageTests {
    @Test func aProbeRunsEvidenceOpensWithEachRequestAndCondition() async throws {
        let (ledger, app) = try await WebTests.app()
        let checked = Date(timeIntervalSince1970: 1_780_000_000)  // 2026-05-28 20:26:40 UTC
        var failing = Verdict(
            platform: .aishandong, probe: "service-item", systemCode: "S-OWN", target: "ITEM-1", outcome: .fail,
            reason: "事项未上线（Art. 28）", checkedAt: checked, specHash: "abc")
        failing.conditions = [ConditionResult(expression: "body.status == \"online\"", resolved: "\"offline\"", passed: false)]
        var attempt = ProbeAttempt(number: 1, url: "https://aishandong.example/items/ITEM-1", startedAt: checked, totalMs: 123.4)
        attempt.status = 200
        attempt.bodySnippet = "{\"status\":\"offline\",\"note\":\"<script>alert(1)</script>\"}"
        attempt.bodySHA256 = String(repeating: "ab", count: 32)
        var connection = ConnectionFacts(host: "aishandong.example", port: 443)
        (connection.dnsMs, connection.connectMs, connection.tlsMs) = (3, 12, 40)
        connection.tlsExpiresAt = Date(timeIntervalSince1970: 1_800_000_000)
        connection.tlsSubject = "CN=aishandong.example"
        attempt.connection = connection
        failing.attempts = [attempt]
        let other = Verdict(
            platform: .citybrain, probe: "feed-active", systemCode: "S-OTHER", target: "FEED-9", outcome: .pass,
            reason: "数据按期推送", checkedAt: checked, specHash: "abc")
        let canary = Verdict(
            platform: .aishandong, probe: "canary", systemCode: "-", target: "-", outcome: .pass, reason: "平台可用",
            checkedAt: checked, specHash: "abc")
        let run = try await ledger.probeHistory.recordRun(
            startedAt: checked, finishedAt: checked.addingTimeInterval(2), asOf: CivilDate("2026-05-28")!, trigger: "api",
            specHashes: [:], canaries: [canary], verdicts: [failing, other], flipThresholds: [:])
        try await app.test(.router) { client in
            let reviewer = try await BrowserSession.open(client, "reviewer")
            let (status, html, _) = try await reviewer.get("/probe-runs/\(run)?system=S-OWN")
            #expect(status == .ok)
            for shown in [
                "探测证据 #\(run)", "爱山东", "不通过", "第二十八条", "https://aishandong.example/items/ITEM-1", "HTTP 200",
                "合计 123 毫秒", "域名解析 3 毫秒", "TLS握手 40 毫秒", "主体 CN=aishandong.example", "不满足",
                "&quot;offline&quot;", "2026-05-29 04:26:40", "<td>接口</td>"
            ] {
                #expect(html.contains(shown), "\(shown)")
            }
            // The platform's answer is shown as text, never run; the other system's verdict is left out.
            #expect(html.contains("&lt;script&gt;") && !html.contains("<script>"))
            #expect(!html.contains("FEED-9") && html.contains("查看本次全部结果"))
            let (_, whole, _) = try await reviewer.get("/probe-runs/\(run)")
            #expect(whole.contains("FEED-9") && whole.contains("城市大脑") && whole.contains("通过 1"))
            let (missing, _, _) = try await reviewer.get("/probe-runs/999999")
            #expect(missing == .notFound)
            let (bad, _, _) = try await reviewer.get("/probe-runs/-1")
            #expect(bad == .badRequest)
            // The admin's dashboard shows the last run per platform in Chinese, with its evidence.
            let admin = try await BrowserSession.open(client, "admin")
            let (_, dashboard, _) = try await admin.get("/admin")
            #expect(visibleText(dashboard).contains("爱山东 通过 不通过 1"))
            #expect(dashboard.contains("<a href=\"/probe-runs/\(run)\">探测证据 #\(run)</a>") && !dashboard.contains(">pass<"))
            #expect(dashboard.contains("<a href=\"/systems\"><strong>"))
        }
    }
}

@Suite("API tokens on the accounts page")
struct TokenPageTests {
    @Test func theAdminIssuesATokenSeesItOnceAndRevokesIt() async throws {
        let (_, app) = try await WebTests.app()
        try await app.test(.router) { client in
            let admin = try await BrowserSession.open(client, "admin")
            let (_, before, _) = try await admin.get("/admin/users")
            #expect(before.contains("签发令牌") && !before.contains("ybz token"))
            let issued = try await client.execute(
                uri: "/admin/tokens", method: .post,
                headers: [.cookie: admin.cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "_csrf=\(admin.csrf)&tokenAccount=finance&tokenName=%E5%AF%B9%E6%8E%A5%E8%84%9A%E6%9C%AC"))
            let page = String(buffer: issued.body)
            #expect(issued.status == .ok && page.contains("对接脚本") && page.contains("无法再次查看"))
            let secret = try #require(page.components(separatedBy: "<code>").dropFirst().first?.components(separatedBy: "</code>").first)
            let read = try await client.execute(uri: "/api/v1/systems", method: .get, headers: [.authorization: "Bearer \(secret)"])
            #expect(read.status == .ok)
            // The secret is not shown again.
            let (_, again, _) = try await admin.get("/admin/users")
            #expect(!again.contains(secret) && again.contains("对接脚本") && again.contains("吊销"))
            let id = try #require(again.components(separatedBy: "/admin/tokens/").dropFirst().first?.prefix { $0.isNumber })
            let (revoked, _) = try await admin.post("/admin/tokens/\(id)/revoke", "")
            #expect(revoked == .seeOther)
            let refused = try await client.execute(uri: "/api/v1/systems", method: .get, headers: [.authorization: "Bearer \(secret)"])
            #expect(refused.status == .unauthorized)
            let empty = try await client.execute(
                uri: "/admin/tokens", method: .post,
                headers: [.cookie: admin.cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "_csrf=\(admin.csrf)&tokenAccount=finance&tokenName="))
            #expect(empty.status == .unprocessableContent && String(buffer: empty.body).contains("请填写令牌用途"))
            let (forbidden, _) = try await BrowserSession.open(client, "reviewer").post("/admin/tokens", "tokenAccount=admin&tokenName=x")
            #expect(forbidden == .forbidden)
        }
    }
}

@Suite("Import issues in full")
struct ImportIssuesDownloadTests {
    @Test func everyProblemOfALargePreviewDownloadsAsCSV() async throws {
        let (_, app) = try await WebTests.app()
        let header =
            "信息资源代码,信息资源名称,来源系统编号,信息资源摘要,信息资源格式,共享类型,共享条件,共"
            + "享方式,更新周期\r\n"
        let rows = (1...1_100).map { String(format: "103003/%06d,,S-OWN,,数据库,有条件共享,,接口,每日\r\n", $0 + 10) }
        try await app.test(.router) { client in
            let officer = try await BrowserSession.open(client, "officer")
            let (refused, preview) = try await officer.upload("/import", files: [("大表.csv", Data((header + rows.joined()).utf8))])
            #expect(refused == .unprocessableContent && preview.contains("条未显示") && !preview.contains("ybz validate"))
            let link = try #require(
                preview.components(separatedBy: "href=\"").dropFirst().first { $0.hasPrefix("/import/") }?.components(separatedBy: "\"").first)
            #expect(link.hasSuffix("/issues.csv"))
            let (status, csv, _) = try await officer.get(link)
            #expect(status == .ok && csv.hasPrefix("\u{FEFF}文件,行,列,字段,值,问题,规则,依据,级别"))
            let lines = csv.split(separator: "\r\n")
            #expect(lines.count > 1_001 && csv.contains("大表.csv,2,") && csv.contains("大表.csv,1101,"))
            // Only the one who uploaded the file may read its problems.
            let (other, _, _) = try await BrowserSession.open(client, "admin").get(link)
            #expect(other == .forbidden || other == .notFound)
        }
    }
}

/// What a person reads on a page: its text without tags, runs of white space as one space.
func visibleText(_ html: String) -> String {
    html.replacing(/<[^>]*>/, with: " ").replacing(/\s+/, with: " ")
}
