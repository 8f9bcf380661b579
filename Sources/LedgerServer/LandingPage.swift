import Foundation
import Hummingbird
import LedgerCore
import LedgerStore
import Presentation

/// The page at `/` of a server without evaluations (no compliance service): what the ledger holds.
enum LandingPage {
    static func response(ledger: Ledger, context: LedgerContext) async throws -> Response {
        let actor = try context.require(.read)
        let counts = try await ledger.records.counts()
        let view = LandingView(
            unit: actor.unitUSCC,
            counts: [
                ("unit", "建设单位"), ("project", "项目"), ("system", "政务信息系统"), ("resource", "信息资源"),
                ("data_item", "信息项")
            ].map { .init(label: $0.1, count: counts[$0.0] ?? 0) })
        return WebPage.response(WebPage.shell(title: "首页", actor: actor, context: context, body: PageTemplates.render(view, "landing")))
    }
}

/// What the landing page shows.
struct LandingView {
    struct Count {
        var label: String
        var count: Int
    }

    /// The data officer's unit.
    var unit: String?
    var counts: [Count]
}
