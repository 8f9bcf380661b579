import Foundation
import Hummingbird
import LedgerCore
import LedgerStore
import Presentation

/// The page at `/` for a signed-in user: what the ledger holds and where to go. Self-contained HTML.
enum LandingPage {
    static func response(ledger: Ledger, context: LedgerContext) async throws -> Response {
        let actor = try context.require(.read)
        let counts = try await ledger.records.counts()
        let rows = [
            ("unit", "建设单位", "/api/v1/units"), ("project", "项目", "/api/v1/projects"),
            ("system", "政务信息系统", "/api/v1/systems"), ("resource", "信息资源", "/api/v1/resources"),
            ("data_item", "信息项", nil)
        ]
        .map { key, label, link in
            "<tr><td>\(label)</td><td>\(counts[key] ?? 0)</td><td>\(link.map { "<a href=\"\($0)\">\($0)</a>" } ?? "")</td></tr>"
        }.joined()
        let body = """
            <h1>滕州市数字资源“一本账”</h1>
            <p>政务信息系统登记、政务信息资源目录编制（滕政办发〔2025〕8号）。\(actor.unitUSCC.map { "您负责的建设单位：\(HTML.escape($0))。" } ?? "")</p>
            <table><tr><th>类别</th><th>数量</th><th>接口</th></tr>\(rows)</table>
            <h2>检索</h2><form action="/api/v1/search"><input name="q" placeholder="如：不动产"> <button>检索</button></form>
            <p><a href="/api/v1/codelists">代码表</a> · <a href="/api/v1/deadlines">期限</a> · <a href="/api/v1/funding">资金评估</a></p>
            """
        return WebPage.response(WebPage.shell(title: "首页", actor: actor, context: context, body: body))
    }
}
