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
                ("finance", "/funding", ["运维经费", "信息系统"]), ("admin", "/admin", ["概览", "账户", "豁免"])
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
