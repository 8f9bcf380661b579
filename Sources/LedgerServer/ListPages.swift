import Compliance
import Foundation
import Hummingbird
import LedgerCore
import LedgerStore
import Presentation

/// The list pages: units, systems, resources, projects, pre-acceptance reviews and funding batches, each a page at a
/// time, sorted by a column and filtered (`list.mustache`). Every count on the admin's dashboard leads to one.
struct ListPages {
    let ledger: Ledger

    /// Rows per page.
    static let pageSize = 50

    func register(on router: Router<LedgerContext>) {
        let lists: [(String, String, @Sendable (ListPages, Hummingbird.Parameters) async throws -> ListView)] = [
            ("/units", "建设单位", { try await $0.units($1) }), ("/systems", "信息系统", { try await $0.systems($1) }),
            ("/resources", "信息资源", { try await $0.resources($1) }), ("/review", "目录审核", { try await $0.queue($1) }),
            ("/projects", "政务信息化项目", { try await $0.projects($1) }),
            ("/reviews", "验收前置审查", { try await $0.reviews($1) }), ("/funding/batches", "资金评估批次", { try await $0.batches($1) })
        ]
        for (path, title, build) in lists {
            router.get(RouterPath(path)) { request, context in
                let actor = try context.require(.read)
                let html = PageTemplates.render(try await build(self, request.uri.queryParameters), "list")
                return WebPage.response(WebPage.shell(title: title, actor: actor, context: context, body: html, path: path))
            }
        }
    }

    /// `/units`: by code or name, filtered by name and region.
    func units(_ query: Hummingbird.Parameters) async throws -> ListView {
        let asked = ListQuery(query, path: "/units", filters: ["name", "region"], sorts: ["code", "name"])
        let found = try await page(GovUnit.self, asked, filters: ["region": "region"])
        let rows = found.items.map { stored in
            let unit = stored.record
            let home = "/unit?unit=\(queryValue(unit.uscc))"
            return ListView.Row(cells: [.init(unit.uscc, href: home), .init(unit.name, href: home), .init(unit.region)])
        }
        return ListView(
            asked, heading: "建设单位", noun: "个建设单位",
            filters: [.init("name", "单位名称包含", asked), .init("region", "区域", asked)],
            columns: [("code", "统一社会信用代码", false), ("name", "单位名称", false), (nil, "区域", false)],
            total: found.total, offset: found.offset, rows: rows, pageSize: Self.pageSize)
    }

    /// `/systems`: by code or name, filtered by name, unit and status.
    func systems(_ query: Hummingbird.Parameters) async throws -> ListView {
        var asked = ListQuery(query, path: "/systems", filters: ["name", "unit", "status"], sorts: ["code", "name"])
        asked.allow("status") { SystemStatus(rawValue: $0) != nil }
        let found = try await page(InfoSystem.self, asked, filters: ["unit": "unit", "status": "status"])
        let units = try await Self.unitNames(ledger)
        let rows = found.items.map { stored in
            let system = stored.record
            let href = "/systems/\(pathSegment(system.code))"
            return ListView.Row(cells: [
                .init(system.code, href: href), .init(system.name, href: href), .init(units[system.unitUSCC] ?? system.unitUSCC),
                .init(system.status.rawValue)
            ])
        }
        return ListView(
            asked, heading: "信息系统", noun: "个信息系统",
            filters: [
                .init("name", "系统名称包含", asked),
                .unit(asked, units),
                .init("status", "状态", asked, choices: SystemStatus.allCases.map { ($0.rawValue, $0.rawValue) })
            ],
            columns: [("code", "系统编号", false), ("name", "系统名称", false), (nil, "建设单位", false), (nil, "状态", false)],
            total: found.total, offset: found.offset, rows: rows, pageSize: Self.pageSize)
    }

    /// `/resources`: the catalog, by code or name, filtered by name, source system, unit, sharing type and state.
    func resources(_ query: Hummingbird.Parameters) async throws -> ListView {
        var asked = ListQuery(
            query, path: "/resources", filters: ["name", "system", "unit", "shareType", "state"], sorts: ["code", "name"])
        asked.allow("state") { CatalogState(rawValue: $0) != nil }
        asked.allow("shareType") { type in ledger.codes.shareTypes.contains { $0.name == type } }
        let found = try await page(
            CatalogResource.self, asked,
            filters: ["system": "system", "unit": "unit", "shareType": "shareType", "state": "state"])
        let units = try await Self.unitNames(ledger)
        let rows = found.items.map { stored in
            let resource = stored.record
            let href = resourcePath(resource.code)
            return ListView.Row(cells: [
                .init(resource.code, href: href), .init(resource.name, href: href),
                .init(resource.systemCode, href: "/systems/\(pathSegment(resource.systemCode))"), .init(resource.shareType),
                .init(resource.updateCycle), .init(resource.state.rawValue)
            ])
        }
        return ListView(
            asked, heading: "信息资源目录", noun: "条信息资源",
            filters: [
                .init("name", "资源名称包含", asked), .init("system", "来源系统编号", asked),
                .unit(asked, units),
                .init("shareType", "共享类型", asked, choices: ledger.codes.shareTypes.map { ($0.name, $0.name) }),
                .init("state", "目录状态", asked, choices: CatalogState.allCases.map { ($0.rawValue, $0.rawValue) })
            ],
            columns: [
                ("code", "资源代码", false), ("name", "资源名称", false), (nil, "来源系统", false), (nil, "共享类型", false),
                (nil, "更新周期", false), (nil, "目录状态", false)
            ],
            total: found.total, offset: found.offset, rows: rows, pageSize: Self.pageSize)
    }

    /// `/review`: resources awaiting review (Art. 27), oldest code first; each opens its page to be read, then decided.
    func queue(_ query: Hummingbird.Parameters) async throws -> ListView {
        let asked = ListQuery(query, path: "/review", filters: ["name", "unit"], sorts: ["code", "name"])
        let found = try await page(CatalogResource.self, asked, filters: ["unit": "unit"], fixed: ["state": CatalogState.pendingReview.rawValue])
        let units = try await Self.unitNames(ledger)
        let rows = found.items.map { stored in
            let resource = stored.record
            let href = resourcePath(resource.code)
            return ListView.Row(cells: [
                .init(resource.code, href: href), .init(resource.name, href: href),
                .init(resource.systemCode, href: "/systems/\(pathSegment(resource.systemCode))"),
                .init(resource.shareType + (resource.shareCondition.map { "（\($0)）" } ?? "")), .init(resource.updateCycle),
                .init("查看内容并审核", href: href)
            ])
        }
        return ListView(
            asked, heading: "待审核目录", noun: "条信息资源待审核",
            filters: [
                .init("name", "资源名称包含", asked),
                .unit(asked, units)
            ],
            columns: [
                ("code", "资源代码", false), ("name", "资源名称", false), (nil, "来源系统", false), (nil, "共享类型", false),
                (nil, "更新周期", false), (nil, "审核", false)
            ],
            total: found.total, offset: found.offset, rows: rows, pageSize: Self.pageSize,
            links: [.init(label: "验收前置审查记录", href: "/reviews")])
    }

    /// `/projects`: by code or name, filtered by name and unit.
    func projects(_ query: Hummingbird.Parameters) async throws -> ListView {
        let asked = ListQuery(query, path: "/projects", filters: ["name", "unit"], sorts: ["code", "name"])
        let found = try await page(Project.self, asked, filters: ["unit": "unit"])
        let units = try await Self.unitNames(ledger)
        let rows = found.items.map { stored in
            let project = stored.record
            let home = "/unit?unit=\(queryValue(project.unitUSCC))#projects"
            return ListView.Row(cells: [
                .init(project.code), .init(project.name), .init(units[project.unitUSCC] ?? project.unitUSCC, href: home),
                .init(project.category.rawValue), .init(project.fiscalYear.map(String.init) ?? "—"),
                .init(project.approvedAmount.map(\.grouped) ?? "—", numeric: true)
            ])
        }
        return ListView(
            asked, heading: "政务信息化项目", noun: "个项目",
            filters: [
                .init("name", "项目名称包含", asked),
                .unit(asked, units)
            ],
            columns: [
                ("code", "项目编号", false), ("name", "项目名称", false), (nil, "建设单位", false), (nil, "类别", false),
                (nil, "财政年度", false), (nil, "批复金额（元）", true)
            ],
            total: found.total, offset: found.offset, rows: rows, pageSize: Self.pageSize)
    }

    /// `/reviews`: pre-acceptance reviews, newest first, of one system or all.
    func reviews(_ query: Hummingbird.Parameters) async throws -> ListView {
        let asked = ListQuery(query, path: "/reviews", filters: ["system"], sorts: [])
        let found = try await ledger.evaluations.reviews(
            systemCode: asked.filters["system"],
            page: PageRequest(limit: Self.pageSize, offset: asked.offset(pageSize: Self.pageSize)))
        let names = displayNames(of: try await ledger.accounts.accounts())
        let rows = found.items.map { stored in
            let report = stored.report
            let decision = report.decision
            return ListView.Row(cells: [
                .init("#\(stored.id)", href: "/reviews/\(stored.id)"),
                .init("\(report.systemCode) \(report.systemName)", href: "/systems/\(pathSegment(report.systemCode))"),
                .init(report.inputs.asOf.description), .init(report.recommendation.rawValue),
                .init(decision?.outcome.rawValue ?? "未记录结论", tone: decision.map { $0.outcome == .pass ? "pass" : "fail" }),
                .init(decision.map { names[$0.reviewer] ?? $0.reviewer } ?? "—"), .init(BeijingTime.text(stored.createdAt))
            ])
        }
        return ListView(
            asked, heading: "验收前置审查记录", noun: "次审查", filters: [.init("system", "系统编号", asked)],
            columns: [
                (nil, "审查", false), (nil, "系统", false), (nil, "审查基准日", false), (nil, "依据证据的建议", false),
                (nil, "审查结论", false), (nil, "审查人", false), (nil, "生成时间（北京时间）", false)
            ],
            total: found.total, offset: found.offset, rows: rows, pageSize: Self.pageSize)
    }

    /// `/funding/batches`: funding evaluations, newest first, with how many systems may receive O&M funds.
    func batches(_ query: Hummingbird.Parameters) async throws -> ListView {
        let asked = ListQuery(query, path: "/funding/batches", filters: [], sorts: [])
        let found = try await ledger.evaluations.fundingBatches(
            page: PageRequest(limit: Self.pageSize, offset: asked.offset(pageSize: Self.pageSize)))
        let rows = found.items.map { batch in
            let operations = batch.counts["operations", default: [:]]
            let total = operations.values.reduce(0, +)
            let reused = batch.reusedFrom.map { "#\($0) 的 \(batch.reused ?? 0) 个" } ?? "—"
            return ListView.Row(cells: [
                .init("批次 #\(batch.id)", href: "/funding?batch=\(batch.id)"), .init(String(batch.fiscalYear)),
                .init(batch.asOf.description), .init(String(total), numeric: true),
                .init(String(operations[EligibilityStatus.eligible.rawValue, default: 0]), numeric: true),
                .init(String(operations[EligibilityStatus.ineligible.rawValue, default: 0]), numeric: true),
                .init(String(operations[EligibilityStatus.pendingEvidence.rawValue, default: 0]), numeric: true),
                .init(reused),
                .init(batch.policyVersion), .init(BeijingTime.text(batch.createdAt))
            ])
        }
        return ListView(
            asked, heading: "资金评估批次", noun: "个批次", filters: [],
            columns: [
                (nil, "批次", false), (nil, "财政年度", false), (nil, "评估基准日", false), (nil, "系统数", true),
                (nil, "运维经费可安排", true), (nil, "不可安排", true), (nil, "待补证据", true),
                (nil, "沿用未变系统的决定", false), (nil, "规则版本", false),
                (nil, "评估时间（北京时间）", false)
            ],
            total: found.total, offset: found.offset, rows: rows, pageSize: Self.pageSize)
    }

    /// One page of records: the list's filters mapped to the store's (`name` is a substring of the name), sorted by
    /// code or name (the integration matrix pages its systems the same way).
    func page<E: StoredEntity>(
        _ type: E.Type, _ asked: ListQuery, filters: [String: String], fixed: [String: String] = [:]
    ) async throws -> Page<Stored<E>> {
        var given = fixed
        for (parameter, filter) in filters { if let value = asked.filters[parameter] { given[filter] = value } }
        let sort: ListSort =
            switch asked.sort {
            case "-code": .keyDescending
            case "name": .name
            case "-name": .nameDescending
            default: .key
            }
        let request = PageRequest(limit: Self.pageSize, offset: asked.offset(pageSize: Self.pageSize), sort: sort)
        return try await ledger.records.list(type, filters: given, nameContains: asked.filters["name"], page: request)
    }

    /// Every unit's name by its code, for filters and the unit column.
    static func unitNames(_ ledger: Ledger) async throws -> [String: String] {
        let units = try await ledger.records.list(GovUnit.self, page: PageRequest(limit: 500, sort: .name)).items.map(\.record)
        return Dictionary(units.map { ($0.uscc, $0.name) }, uniquingKeysWith: { first, _ in first })
    }
}
