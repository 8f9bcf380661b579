import Foundation
import Hummingbird
import Interchange
import LedgerCore
import LedgerStore
import Presentation

/// `/resources/:code`: one catalog resource as a reviewer must see it before deciding (Art. 27) — its summary, data
/// items, sharing and opening, and what changed since its last review (published or returned) — with 通过/退回 for a reviewer
/// while it awaits review, confirmed and bound to the version shown.
struct ResourcePage {
    let ledger: Ledger

    func register(on router: Router<LedgerContext>) {
        router.get("/resources/:code") { _, context in
            let actor = try context.require(.read)
            let raw = try context.parameters.require("code")
            let stored = try await ledger.records.fetch(CatalogResource.self, key: raw.removingPercentEncoding ?? raw)
            let view = try await view(stored, actor: actor, csrf: context.csrf ?? "")
            let crumbs = [Crumb("信息资源目录", "/resources")]
            let html = PageTemplates.render(view, "resource")
            return WebPage.response(WebPage.shell(title: stored.record.name, actor: actor, context: context, body: html, crumbs: crumbs))
        }
    }

    /// The page's view model; builds no HTML.
    func view(_ stored: Stored<CatalogResource>, actor: Actor, csrf: String) async throws -> ResourceView {
        let resource = stored.record
        let system = try await unlessNotFound { try await ledger.records.fetch(InfoSystem.self, key: resource.systemCode) }?.record
        var unit: String?
        if let system {
            unit = try await unlessNotFound { try await ledger.records.fetch(GovUnit.self, key: system.unitUSCC) }?.record.name ?? system.unitUSCC
        }
        let entries = try await ledger.audit.entries(entity: "resource", key: resource.code, limit: 1000)
        let provenance = resource.origin == nil ? nil : try await ledger.harvests.provenance(resource: resource.code)
        let changes = try Self.changesSinceReview(entries)
        let mayDecide = resource.state == .pendingReview && Permission.reviewCatalog.allows(actor)
        let mayEdit = system.map { Permission.editLedger(unit: $0.unitUSCC).allows(actor) } ?? false
        let codes = ledger.codes
        func yesNo(_ value: Bool) -> String { value ? "是" : "否" }
        let facts: [ResourceView.Fact] = [
            .init("资源代码", resource.code),
            .init(
                "目录状态",
                resource.state.rawValue
                    + (resource.returnReason.map {
                        "（退回理由"
                            + "：\($0)）"
                    } ?? "")),
            .init(
                "来源系统", system.map { "\($0.code) \($0.name)" } ?? resource.systemCode,
                href: "/systems"
                    + "/\(pathSegment(resource.systemCode))"),
            .init("提供方", unit ?? "—"), .init("信息资源摘要", resource.summary),
            .init("信息资源格式", [resource.format, resource.formatType].compactMap { $0 }.joined(separator: " / ")),
            .init("共享类型", resource.shareType), .init("共享条件", resource.shareCondition ?? "—"),
            .init("共享方式", resource.shareMethod ?? "—"), .init("是否向社会开放", yesNo(resource.openToPublic)),
            .init("开放类型", resource.openType ?? "—"), .init("开放条件", resource.openCondition ?? "—"),
            .init("更新周期", resource.updateCycle), .init("发布日期", resource.publishedOn?.description ?? "—"),
            .init("关联资源代码", resource.relatedCodes.isEmpty ? "—" : resource.relatedCodes.joined(separator: "、")),
            .init("数据存储总量（MB）", resource.storageMB.map(String.init) ?? "—"),
            .init("结构化记录总数", resource.records.map(String.init) ?? "—")
        ]
        let items = resource.items.enumerated().map { index, item in
            ResourceView.Item(
                number: index + 1, name: item.name, type: codes.dataType(item.type).map { "\($0.name)（\($0.code)）" } ?? item.type,
                length: item.length.map(String.init) ?? "—", description: item.description ?? "")
        }
        return ResourceView(
            code: resource.code, name: resource.name, facts: facts, items: items,
            since: changes.since, changes: changes.fields,
            decide: mayDecide
                ? .init(
                    approve: "/review/resources/\(stored.id)/approve", back: "/review/resources/\(stored.id)/return", version: stored.version,
                    csrf: csrf)
                : nil,
            edit: mayEdit && resource.state.isEditable ? resourcePath(resource.code) + "/edit" : nil,
            history: resourcePath(resource.code) + "/history",
            origin: resource.origin.map { Self.origin($0, provenance: provenance) })
    }

    /// What a harvest source says of a resource beyond the catalog's elements, as the page lists it, with where and when
    /// it was taken in (`provenance`, while its source is registered).
    static func origin(_ origin: ResourceOrigin, provenance: HarvestProvenance?) -> ResourceView.Origin {
        let taken = provenance.flatMap { provenance in
            provenance.writtenAt.map { "\(BeijingTime.text($0))（第 \(provenance.run ?? 0) 次采集）" }
        }
        let facts: [ResourceView.Fact] = [
            .init("采集来源", origin.source),
            .init("来源地址", provenance?.location ?? "—", href: provenance.flatMap { Self.link($0.location) }),
            .init("最近一次采集写入", taken ?? "—", href: provenance?.run.map { "/admin/harvest/runs/\($0)" }),
            .init("来源中的标识", origin.identifier), .init("发布机构", origin.publisher ?? "—"),
            .init("关键词", origin.keywords.isEmpty ? "—" : origin.keywords.joined(separator: "、")),
            .init("许可", origin.license ?? "—", href: origin.license.flatMap(Self.link)), .init("时间范围", origin.temporal ?? "—"),
            .init("空间范围", origin.spatial ?? "—"), .init("联系人", origin.contactPoint ?? "—"),
            .init("来源页面", origin.landingPage ?? "—", href: origin.landingPage.flatMap(Self.link)),
            .init("来源中的更新时间", origin.modified ?? "—"), .init("来源中的版本", origin.version ?? "—")
        ]
        return ResourceView.Origin(
            facts: facts,
            distributions: origin.distributions.map { distribution in
                let address = distribution.downloadURL ?? distribution.accessURL
                return ResourceView.Distribution(
                    title: distribution.title ?? "—", format: distribution.format ?? distribution.mediaType ?? "—",
                    address: address ?? "—", href: address.flatMap(Self.link), download: distribution.downloadURL != nil)
            }, description: origin.description)
    }

    /// An address a page may link to: `http` or `https` only (a source may write anything there).
    static func link(_ address: String) -> String? {
        address.hasPrefix("https://") || address.hasPrefix("http://") ? address : nil
    }

    /// Every field that changed after the resource's last review decision — published, or returned to its officer —
    /// with its value then and now, read from the audit trail newest first; `since` names that decision, `nil` when
    /// the resource was never reviewed.
    static func changesSinceReview(_ entries: [AuditEntry]) throws -> (since: String?, fields: [ResourceView.Change]) {
        var first: [String: String?] = [:]
        var last: [String: String?] = [:]
        var order: [String] = []
        for entry in entries.sorted(by: { $0.seq > $1.seq }) {
            if let decision = Self.decision(entry) {
                let fields = order.filter { first[$0] != last[$0] && $0 != "state" && $0 != "returnReason" }
                return (
                    "\(decision)（\(BeijingTime.text(entry.at))）",
                    try fields.map { field in
                        ResourceView.Change(
                            field: RecordText.label(entity: "resource", field: field) ?? field,
                            old: try Self.shown(first[field] ?? nil, field: field), new: try Self.shown(last[field] ?? nil, field: field))
                    }
                )
            }
            for change in entry.changes where change.field != "*" {
                if last[change.field] == nil {
                    last[change.field] = .some(change.new)
                    order.append(change.field)
                }
                first[change.field] = .some(change.old)
            }
        }
        return (nil, [])
    }

    /// The review decision an entry records — the resource left 已发布 (approved, or registered so by someone who may
    /// approve) or 已退回 — in words, or `nil`.
    static func decision(_ entry: AuditEntry) -> String? {
        for change in entry.changes {
            let state: String? =
                change.field == "state"
                ? change.new
                : change.field == "*" ? change.new?.firstMatch(of: /"state":"([^"]+)"/).map { String($0.1) } : nil
            guard let state else { continue }
            if state.contains(CatalogState.published.rawValue) { return "上次发布" }
            if state.contains(CatalogState.returned.rawValue) { return "上次退回" }
        }
        return nil
    }

    /// A stored value of `field` as people read it: data items (the audit trail keeps them as the JSON array the store
    /// wrote) by name, a missing value as （无）, a long one shortened.
    static func shown(_ value: String?, field: String) throws -> String {
        guard let value else { return "（无）" }
        if field == "items" {
            let items = try JSONDecoder().decode([DataItem].self, from: Data(value.utf8))
            return items.isEmpty ? "（无信息项）" : items.map(\.name).joined(separator: "、")
        }
        return value.count > 300 ? String(value.prefix(300)) + "…" : value
    }
}

/// What the resource page shows.
struct ResourceView {
    /// One labelled value of the resource.
    struct Fact {
        var label: String
        var value: String
        var href: String?
        init(_ label: String, _ value: String, href: String? = nil) { (self.label, self.value, self.href) = (label, value, href) }
    }

    struct Item {
        var number: Int
        var name: String
        var type: String
        var length: String
        var description: String
    }

    /// A field changed since the last published version.
    struct Change {
        var field: String
        var old: String
        var new: String
    }

    /// The reviewer's forms, bound to the version shown.
    struct Decide {
        var approve: String
        var back: String
        var version: Int
        var csrf: String
    }

    /// What a harvest source says beyond the catalog's elements.
    struct Origin {
        var facts: [Fact]
        var distributions: [Distribution]
        /// The description as the source wrote it (HTML), shown as text.
        var description: String?
    }

    struct Distribution {
        var title: String
        var format: String
        var address: String
        var href: String?
        var download: Bool
    }

    var code: String
    var name: String
    var facts: [Fact]
    var items: [Item]
    /// The last review decision the changes are counted from ("上次发布（…）"), `nil` before any review.
    var since: String?
    var changes: [Change]
    var decide: Decide?
    var edit: String?
    var history: String
    var origin: Origin?
}
