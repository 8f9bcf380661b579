import Foundation
import Hummingbird
import LedgerStore

/// The page at `/`: what the ledger holds and where the API is. Self-contained HTML, no external assets.
enum LandingPage {
    static func response(ledger: Ledger) async throws -> Response {
        let counts = try await ledger.counts()
        let rows = [("unit", "建设单位", "/api/v1/units"), ("project", "项目", "/api/v1/projects"),
                    ("system", "政务信息系统", "/api/v1/systems"), ("resource", "信息资源", "/api/v1/resources"),
                    ("data_item", "信息项", nil)]
            .map { key, label, link in
                "<tr><td>\(label)</td><td>\(counts[key] ?? 0)</td><td>\(link.map { "<a href=\"\($0)\">\($0)</a>" } ?? "")</td></tr>"
            }.joined()
        let html = """
            <!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>一本账 Yibenzhang</title>
            <style>body{font-family:sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}
            table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .8rem;text-align:left}</style></head>
            <body><h1>滕州市数字资源“一本账”</h1>
            <p>政务信息系统登记、政务信息资源目录编制（滕政办发〔2025〕8号）。</p>
            <table><tr><th>类别</th><th>数量</th><th>接口</th></tr>\(rows)</table>
            <h2>检索</h2><form action="/api/v1/search"><input name="q" placeholder="如：不动产"> <button>检索</button></form>
            <p><a href="/api/v1/codelists">代码表</a> · <a href="/healthz">健康检查</a></p></body></html>
            """
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}
