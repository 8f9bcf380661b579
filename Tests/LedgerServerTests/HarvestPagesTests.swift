import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerServer
import LedgerStore
import LedgerTestSupport
import Testing

/// The admin's harvest pages: registering a source with messages at its fields, running it from the page (the run
/// page reloads itself until the report is there) and the harvested resource's page showing its origin.
@Suite("Web: harvest pages")
struct HarvestPagesTests {
    @Test func theAdminRegistersRunsAndReadsAHarvest() async throws {
        let (ledger, app) = try await WebTests.app()
        let file = try Fixtures.temporaryDirectory().appendingPathComponent("data.json")
        try """
        {"dataset": [{"identifier": "stops", "title": "公交站点", "description": "<p>全市公交站点 &amp; 候车亭</p>",
         "accessLevel": "public", "accrualPeriodicity": "R/P1M", "publisher": {"name": "市交通运输局"}, "keyword": ["公交"],
         "distribution": [{"title": "CSV", "downloadURL": "https://data.example.org/stops.csv", "format": "CSV"}]}]}
        """.write(to: file, atomically: true, encoding: .utf8)
        try await app.test(.router) { client in
            let admin = try await BrowserSession.open(client, "admin")
            let (_, empty, _) = try await admin.get("/admin/harvest")
            #expect(empty.contains("还没有采集来源") && empty.contains("登记采集来源"))
            // A classification outside the code list, and a file instead of an address, are refused at their fields.
            let (refused, _) = try await admin.post(
                "/admin/harvest", "name=gis&kind=dcat&location=%2Fetc%2Fpasswd&system=S-OWN&classification=103003")
            #expect(refused == .unprocessableContent)
            let (badCode, _) = try await admin.post(
                "/admin/harvest", "name=gis&kind=dcat&location=https%3A%2F%2Fgis.example.org%2Fdata.json&system=S-OWN&classification=999999")
            #expect(badCode == .unprocessableContent)
            let (added, location) = try await admin.post(
                "/admin/harvest", "name=gis&kind=dcat&location=https%3A%2F%2Fgis.example.org%2Fdata.json&system=S-OWN&classification=103003")
            #expect(added == .seeOther && location?.hasPrefix("/admin/harvest?done=harvestAdded") == true)
            // The operator points a source at a file from the command line; the page runs it.
            _ = try await ledger.harvests.addSource(
                HarvestSource(
                    name: "本地目录", location: file.path, kind: .dcat, profile: HarvestProfile(system: "S-OWN", classification: "103003")),
                by: .commandLine)
            let (page, list, _) = try await admin.get("/admin/harvest")
            #expect(page == .ok && list.contains("尚未采集") && list.contains("立即采集"))
            let (started, runPage) = try await admin.post("/admin/harvest/%E6%9C%AC%E5%9C%B0%E7%9B%AE%E5%BD%95/run", "")
            #expect(started == .seeOther && runPage?.hasPrefix("/admin/harvest/runs/") == true)
            var html = ""
            for _ in 0..<50 {
                html = try await admin.get(try #require(runPage)).1
                if !html.contains("正在采集") { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(html.contains("新增") && html.contains("公交站点") && !html.contains("http-equiv=\"refresh\""))
            let code = try #require(try await ledger.harvests.run(id: 1).report.first?.code)
            #expect(html.contains("href=\"/resources/\(code.replacingOccurrences(of: "/", with: "%2F"))\""))
            let (_, resource, _) = try await admin.get("/resources/\(code.replacingOccurrences(of: "/", with: "%2F"))")
            #expect(resource.contains("采集来源") && resource.contains("市交通运输局") && resource.contains("（第 1 次采集）"))
            #expect(resource.contains("href=\"/admin/harvest/runs/1\""))
            #expect(resource.contains("https://data.example.org/stops.csv"))
            #expect(resource.contains("全市公交站点 &amp; 候车亭"))  // the summary as text, escaped once
            // The aggregate by source: the harvested resource, 待提交 and 无条件共享, beside the source that gave nothing, and the total.
            let (_, summary, _) = try await admin.get("/admin/harvest")
            let table = try #require(
                summary.components(separatedBy: "各来源资源汇总</caption>").last?.components(separatedBy: "</table>").first)
            let numbers = "<td class=\"number\">"
            let local = ["1", "0", "1", "0", "1"].map { numbers + $0 + "</td>" }.joined()
            #expect(table.contains("<th scope=\"row\">本地目录</th>" + local))
            #expect(table.contains("<th scope=\"row\">gis</th>\(numbers)0</td>"))
            #expect(table.contains("<tr class=\"total\"><th scope=\"row\">合计</th>\(numbers)1</td>"))
            // The same as bars, one per source, with a text alternative that says the figures.
            let bars = "各来源资源：gis 已发布 0、未发布 0、下线 0；本地目录 已发布 0、未发布 1、下线 0"
            #expect(summary.contains("aria-label=\"\(bars)\""))
            // Others read the pages but see no buttons; they may not post.
            let finance = try await BrowserSession.open(client, "finance")
            let (_, readOnly, _) = try await finance.get("/admin/harvest")
            #expect(!readOnly.contains("立即采集") && !readOnly.contains("登记采集来源"))
            #expect(try await finance.post("/admin/harvest/%E6%9C%AC%E5%9C%B0%E7%9B%AE%E5%BD%95/run", "").0 == .forbidden)
        }
    }
}
