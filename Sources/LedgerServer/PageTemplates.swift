import Foundation
import Hummingbird
import LedgerCore
import Mustache
import Presentation

/// The page templates (`Web/templates/*.mustache`, escaping what they are given unless a triple brace says the value
/// is HTML already) and the style sheet, read once from the server's resources.
enum PageTemplates {
    /// The folder of the templates and the style sheet among the module's resources.
    static let folder = Bundle.module.resourceURL?.appendingPathComponent("Web")

    /// Every template by name, or why they could not be read (reported by `check` at start-up).
    private static let library: Result<MustacheLibrary, any Error> = Result {
        guard let folder else { throw MissingResources(description: "找不到页面模板：程序的资源目录（Web）缺失") }
        var library = MustacheLibrary()
        let templates = folder.appendingPathComponent("templates")
        for name in try FileManager.default.contentsOfDirectory(atPath: templates.path) where name.hasSuffix(".mustache") {
            let text = try String(contentsOf: templates.appendingPathComponent(name), encoding: .utf8)
            try library.register(text, named: String(name.dropLast(".mustache".count)))
        }
        return library
    }

    /// The style sheet every page links to (`/assets/app.css`).
    static let styleSheet: Result<ByteBuffer, any Error> = Result {
        guard let folder else { throw MissingResources(description: "找不到样式表：程序的资源目录（Web）缺失") }
        return ByteBuffer(data: try Data(contentsOf: folder.appendingPathComponent("app.css")))
    }

    /// Fails when the templates or the style sheet cannot be read, so that the server does not start without them.
    static func check() throws {
        _ = try library.get()
        _ = try styleSheet.get()
    }

    /// `view` rendered with template `name`. `ybz serve` does not start without the templates (`check`); should they
    /// still be missing, the page says so rather than coming out blank.
    static func render(_ view: Any, _ name: String) -> String {
        switch library {
        case .success(let templates):
            return templates.render(view, withTemplate: name) ?? "<p class=\"error\">页面模板“\(HTML.escape(name))”缺失</p>"
        case .failure(let error):
            return "<p class=\"error\">页面模板无法读取，程序安装不完整：\(HTML.escape("\(error)"))</p>"
        }
    }

    /// A whole page: `view` in the layout.
    static func page(_ view: LayoutView) -> String { render(view, "layout") }
}

/// The server's resources (templates, style sheet) are not where the program was installed.
struct MissingResources: Error, CustomStringConvertible {
    let description: String
}

/// What the layout shows around a page's body.
struct LayoutView {
    struct User {
        /// The display name and the role's label.
        var name: String
        var role: String
        var csrf: String
        /// The text of the last search, kept in the search box.
        var query: String
        var menu: [Menu.Item]
    }

    var title: String
    /// Who is signed in (`nil` on the login and error pages: no menu, no search box).
    var user: User?
    var crumbs: [Crumb] = []
    /// What the last action did ("已保存"), shown once above the page.
    var flash: String?
    /// The page's own content, HTML already.
    var body: String
    /// Seconds after which the page loads itself again: a page that shows work going on (a harvest run).
    var refresh: Int?
}

/// One step of the breadcrumbs: its label and, but for the current page, its address.
struct Crumb {
    var label: String
    var href: String?
    init(_ label: String, _ href: String? = nil) {
        (self.label, self.href) = (label, href)
    }
}

/// The menu of each role: the pages it works on every day.
enum Menu {
    struct Item {
        var label: String
        var href: String
        var current: Bool
    }

    static func items(for role: Role, current: String?) -> [Item] {
        let entries: [(String, String)] =
            switch role {
            case .dataOfficer: [("本单位", "/unit"), ("信息系统", "/systems"), ("信息资源", "/resources"), ("导入", "/import")]
            case .reviewer: [("审核队列", "/review"), ("审查记录", "/reviews"), ("信息系统", "/systems"), ("信息资源", "/resources")]
            case .finance: [("运维经费", "/funding"), ("评估批次", "/funding/batches"), ("信息系统", "/systems"), ("项目", "/projects")]
            case .admin:
                [
                    ("概览", "/admin"), ("单位", "/units"), ("信息系统", "/systems"), ("信息资源", "/resources"), ("项目", "/projects"),
                    ("审核队列", "/review"), ("运维经费", "/funding"), ("导入", "/import"), ("账号", "/admin/users"),
                    ("豁免", "/admin/waivers"), ("采集", "/admin/harvest"), ("规则", "/admin/policy")
                ]
            }
        return entries.map { Item(label: $0.0, href: $0.1, current: $0.1 == current) }
    }
}

/// The login page's content.
struct LoginView {
    var message: String?
}

/// The error page's content.
struct ErrorView {
    struct Detail {
        var field: String
        var message: String
        var rule: String
        var article: String?
    }

    var message: String
    var details: [Detail]
    var requestId: String
}
