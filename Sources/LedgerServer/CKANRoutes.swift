import Foundation
import Hummingbird
import LedgerCore
import LedgerStore

/// A read-only CKAN action API (`/api/3/action/…`, also `/api/action/…`) over the published catalog, so CKAN clients and harvesters can
/// read it: each published resource is a dataset (name = its code with “-” for “/”), each unit an organization.
/// Actions answer GET (query parameters) and POST (a JSON object), in CKAN's envelope `{help, success, result}`;
/// errors are `success: false` with CKAN's error types. It needs an API token, sent as `Authorization: Bearer …`, as
/// CKAN's bare `Authorization: …` or as `X-CKAN-API-Key`, unless the server publishes its catalog (`--public-catalog`):
/// then anyone reads the published 无条件共享 datasets without one.
struct CKANRoutes {
    let ledger: Ledger
    /// Who reads in this request (`CatalogReader`): a copy per request sets it.
    var reader = CatalogReader.signedIn
    /// The 共享类型 the reader is limited to, if any.
    private var shareType: String? { reader.shareType }
    /// The server's address as the request gave it, for the URLs in records.
    var base = ""
    static let version = "2.10.4"
    /// Each action with what `help_show` says of it.
    static let help: [String: String] = [
        "package_list": "已发布数据集的名称列表；可用 limit、offset 分页",
        "package_show": "一个已发布数据集（id：信息资源代码，“/”写作“-”）",
        "package_search":
            "检索已发布数据集：q 与 fq（词，或 字段:值，如 organization:、tags:、access_rights:、name:、title:，"
            + "可加引号，均须满足；*:* 为全部）、"
            + "rows（0–500，0 只返回数量）、start、sort（name、title_string、metadata_modified，加 asc 或 desc）、"
            + "facet.field（organization、tags、access_rights、license_id 的 JSON 列表；词检索不计分面）、facet.limit、"
            + "fl（只返回所列字段，如 id,metadata_modified）；metadata_modified:[起 TO *] 检索某时以来变更的数据集",
        "current_package_list_with_resources": "已发布数据集连同其资源，最近修改的在前；可用 limit、offset 分页",
        "package_autocomplete": "名称或标题含 q 的已发布数据集（最多 limit 个，默认 10）",
        "resource_show": "一个已发布数据集中的资源（id：资源编号）",
        "organization_list": "单位（组织）列表；all_fields=true 时返回完整信息",
        "organization_show": "一个单位（id：统一社会信用代码，小写）及其已发布数据集数量",
        "group_list": "分组列表（本目录不设分组，恒为空）",
        "tag_list": "已发布数据集使用的标签（更新周期）；all_fields=true 时返回完整信息",
        "license_list": "许可列表（本目录以共享类型说明使用条件，许可为“未指明”）",
        "package_activity_list": "一个已发布数据集的变更记录，最新的在前（id；limit 默认31、最多100，offset）",
        "recently_changed_packages_activity_list":
            "最近变更的已发布数据集的变更记录，最新的在前（limit 默认31、最多100）",
        "status_show": "站点与 CKAN 兼容版本",
        "help_show": "一个动作的说明（name：动作名）"
    ]
    static let actions = help.keys.sorted()

    func register(on router: Router<LedgerContext>) {
        // CKAN serves both `/api/3/action/…` and the unversioned `/api/action/…` (which ckanapi calls).
        for action in Self.actions {
            for prefix in ["/api/3/action/", "/api/action/"] {
                router.get(RouterPath(prefix + action)) { request, context in try await answer(action, request, context) }
                router.post(RouterPath(prefix + action)) { request, context in try await answer(action, request, context) }
            }
        }
        router.get("/api/3") { _, _ in try JSON.response(["version": 3]) }
        // Any other action is answered in CKAN's error shape, so that clients raise their NotFound.
        for prefix in ["/api/3/action/", "/api/action/"] {
            router.get(RouterPath(prefix + ":action")) { request, context in try await answer("", request, context) }
            router.post(RouterPath(prefix + ":action")) { request, context in try await answer("", request, context) }
        }
    }

    func answer(_ action: String, _ request: Request, _ context: LedgerContext) async throws -> Response {
        let help = "\(baseURL(of: request))/api/3/action/help_show?name=\(action)"
        do {
            var reading = self
            reading.reader = try context.catalogReader()
            reading.base = baseURL(of: request)
            let parameters = try await Parameters(request)
            let result: JSONValue =
                switch action {
                case "package_list": try await reading.packageList(parameters)
                case "package_show": try await reading.packageShow(parameters)
                case "package_search": try await reading.packageSearch(parameters)
                case "organization_list": try await organizationList(parameters)
                case "organization_show": try await reading.organizationShow(parameters)
                case "current_package_list_with_resources": try await reading.packagesWithResources(parameters)
                case "package_autocomplete": try await reading.packageAutocomplete(parameters)
                case "resource_show": try await reading.resourceShow(parameters)
                case "group_list": .array([])
                case "tag_list": try await reading.tagList(parameters)
                case "license_list": Self.licenses
                case "package_activity_list": try await reading.packageActivities(parameters)
                case "recently_changed_packages_activity_list": try await reading.recentActivities(parameters)
                case "help_show": try Self.helpShow(parameters)
                case "status_show": status(request)
                default:
                    let asked = context.parameters.get("action") ?? action
                    throw LedgerError(.notFound, "没有这个动作：\(asked)（可用：\(Self.actions.joined(separator: "、"))）")
                }
            return try JSON.response(JSONValue.object(["help": .string(help), "success": .bool(true), "result": result]))
        } catch let error as LedgerError where [.notFound, .badRequest, .validation].contains(error.kind) {
            let type = error.kind == .notFound ? "Not Found Error" : "Validation Error"
            let body = JSONValue.object([
                "help": .string(help), "success": .bool(false),
                "error": .object(["__type": .string(type), "message": .string(error.message)])
            ])
            return try JSON.response(body, status: error.kind == .notFound ? .notFound : .conflict)
        }
    }

    // MARK: Actions

    /// The filters of the datasets this reader may read: published, and of its 共享类型 when it is limited to one.
    private var readable: [String: String] {
        ["state": CatalogState.published.rawValue].merging(shareType.map { ["shareType": $0] } ?? [:]) { first, _ in first }
    }

    /// Every published dataset's name (as CKAN, without `limit`), or one page.
    func packageList(_ parameters: Parameters) async throws -> JSONValue {
        let limit = try parameters.int("limit")
        var offset = try parameters.int("offset") ?? 0
        var names: [JSONValue] = []
        while true {
            let page = PageRequest(limit: limit ?? 500, offset: offset)
            let resources = try await ledger.records.list(CatalogResource.self, filters: readable, page: page)
            names += resources.items.map { .string(Self.datasetName($0.record.code)) }
            offset += resources.items.count
            if limit != nil || resources.items.isEmpty || offset >= resources.total { return .array(names) }
        }
    }

    /// One page of published datasets with their resources, most recently modified first.
    func packagesWithResources(_ parameters: Parameters) async throws -> JSONValue {
        let page = PageRequest(
            limit: min(try parameters.int("limit") ?? 10, 500), offset: try parameters.int("offset") ?? 0, sort: .updatedDescending)
        let resources = try await ledger.records.list(CatalogResource.self, filters: readable, page: page)
        var owners = Owners(ledger: ledger)
        var packages: [JSONValue] = []
        for stored in resources.items { packages.append(try await package(stored, owners: &owners)) }
        return .array(packages)
    }

    /// Datasets whose name or title holds `q`, as CKAN's autocomplete lists them.
    func packageAutocomplete(_ parameters: Parameters) async throws -> JSONValue {
        let text = (parameters["q"] ?? "").trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return .array([]) }
        let found = try await ledger.search.find(
            SearchQuery(
                text: text, kind: .resource, shareType: shareType, state: CatalogState.published.rawValue,
                page: PageRequest(limit: min(try parameters.int("limit") ?? 10, 100), offset: 0)))
        return .array(
            found.items.map { hit in
                .object([
                    "name": .string(Self.datasetName(hit.code)), "title": .string(hit.name), "match_field": .string("title"),
                    "match_displayed": .string(hit.name)
                ])
            })
    }

    /// The resource of a published dataset; its id is the dataset's name and the share method (`package_show`).
    func resourceShow(_ parameters: Parameters) async throws -> JSONValue {
        guard let id = parameters["id"] else { throw LedgerError(.validation, "缺少参数 id") }
        let parts = id.split(separator: "-")
        for count in stride(from: parts.count - 1, through: 1, by: -1) {
            let name = parts.prefix(count).joined(separator: "-")
            guard let stored = try await unlessNotFound({ try await ledger.records.fetch(CatalogResource.self, key: Self.resourceCode(name)) }),
                reader.mayRead(stored.record)
            else { continue }
            var owners = Owners(ledger: ledger)
            let found = try await package(stored, owners: &owners)["resources"]?.arrayValue?.first { $0["id"] == .string(id) }
            if let found { return found }
        }
        throw LedgerError.notFound("资源", id)
    }

    /// The tags in use (each published dataset's 更新周期 and 资源格式), as names or, with `all_fields`, as CKAN's tag dictionaries.
    func tagList(_ parameters: Parameters) async throws -> JSONValue {
        let counts = try await ledger.records.facets(CatalogResource.self, filters: readable, facets: ["updateCycle", "format"])
        let tags = Set((counts["updateCycle"] ?? [:]).keys).union((counts["format"] ?? [:]).keys)
        let allFields = parameters.flag("all_fields")
        return .array(
            tags.sorted().map { name in
                allFields
                    ? .object(["id": .string(name), "name": .string(name), "display_name": .string(name), "state": .string("active")]) : .string(name)
            })
    }

    /// The one licence datasets name: none is specified; the 共享类型 says how a dataset may be used.
    static let licenses = JSONValue.array([
        .object([
            "id": .string("notspecified"), "title": .string("未指明许可（使用条件见共享类型与共享条件）"), "url": .string(""),
            "status": .string("active"), "is_generic": .bool(true), "od_conformance": .string("not reviewed"),
            "osd_conformance": .string("not reviewed")
        ])
    ])

    /// The changes of one readable dataset, newest first, from the audit trail.
    func packageActivities(_ parameters: Parameters) async throws -> JSONValue {
        guard let id = parameters["id"] else { throw LedgerError(.validation, "缺少参数 id") }
        let stored = try await ledger.records.fetch(CatalogResource.self, key: Self.resourceCode(id))
        guard reader.mayRead(stored.record) else { throw LedgerError.notFound("数据集", id) }
        let limit = min(try parameters.int("limit") ?? 31, 100)
        let offset = min(try parameters.int("offset") ?? 0, 10_000)
        let entries = try await ledger.audit.entries(entity: CatalogResource.table, key: stored.record.code, limit: offset + limit)
        return .array(entries.dropFirst(offset).map { activity($0, title: stored.record.name) })
    }

    /// The latest changes of the readable datasets, newest first.
    func recentActivities(_ parameters: Parameters) async throws -> JSONValue {
        let limit = min(try parameters.int("limit") ?? 31, 100)
        var found: [JSONValue] = []
        var titles: [String: String?] = [:]  // code → title when readable, nil when not
        for entry in try await ledger.audit.entries(entity: CatalogResource.table, key: nil, limit: limit * 20) where found.count < limit {
            if titles[entry.key] == nil {
                let stored = try await unlessNotFound { try await ledger.records.fetch(CatalogResource.self, key: entry.key) }
                titles[entry.key] = stored.flatMap { reader.mayRead($0.record) ? $0.record.name : nil }
            }
            if let title = titles[entry.key] ?? nil { found.append(activity(entry, title: title)) }
        }
        return .array(found)
    }

    /// An audit entry of a dataset as a CKAN activity; who made it is said to readers who signed in.
    func activity(_ entry: AuditEntry, title: String) -> JSONValue {
        let type =
            switch entry.action {
            case "create": "new package"
            case "delete": "deleted package"
            default: "changed package"
            }
        let name = Self.datasetName(entry.key)
        return .object([
            "id": .string(String(entry.seq)), "timestamp": .string(Self.ckanTime(entry.at)),
            "user_id": .string(shareType == nil ? entry.actor : ""), "object_id": .string(name), "activity_type": .string(type),
            "data": .object(["package": .object(["name": .string(name), "title": .string(title)]), "action": .string(entry.action)])
        ])
    }

    /// What an action does (`Self.help`).
    static func helpShow(_ parameters: Parameters) throws -> JSONValue {
        guard let name = parameters["name"] else { throw LedgerError(.validation, "缺少参数 name") }
        guard let text = help[name] else { throw LedgerError.notFound("动作", name) }
        return .string(text)
    }

    func packageShow(_ parameters: Parameters) async throws -> JSONValue {
        guard let id = parameters["id"] ?? parameters["name_or_id"] else { throw LedgerError(.validation, "缺少参数 id") }
        let stored = try await ledger.records.fetch(CatalogResource.self, key: Self.resourceCode(id))
        guard reader.mayRead(stored.record) else { throw LedgerError.notFound("数据集", id) }
        var owners = Owners(ledger: ledger)
        return try await package(stored, owners: &owners)
    }

    /// `q` (words, or `*:*`), `fq` (`organization:NAME`, `tags:更新周期`, `access_rights:共享类型`),
    /// `rows` (≤ 500), `start`.
    func packageSearch(_ parameters: Parameters) async throws -> JSONValue {
        let asked = min(try parameters.int("rows") ?? 10, 500)
        let rows = max(asked, 1)  // `rows=0` asks for the count alone: one row is read and none is returned
        let start = try parameters.int("start") ?? 0
        // The reader's own limit (`readable`) holds whatever is asked: asking for another 共享类型 finds nothing.
        var filter = ListFilter(readable)
        let query = try CKANQuery(parsing: (parameters["fq"] ?? "") + " " + (parameters["q"] ?? ""))
        for term in query.terms {
            let column = try column(of: term)
            let values = Set(term.values.map { column == "unit" ? $0.uppercased() : $0 })
            if term.negated { filter.noneOf[column, default: []].formUnion(values) } else { filter.require(column, oneOf: values) }
        }
        filter.updated = query.modified
        let sort = try Self.sort(parameters["sort"])
        if filter.keepsNothing { return Self.searchResult(count: 0, [], sort: sort.text) }
        let text = query.words.joined(separator: " ")
        var owners = Owners(ledger: ledger)
        var found: [Stored<CatalogResource>] = []
        let count: Int
        if text.isEmpty {
            let page = try await ledger.records.list(
                CatalogResource.self, filter: filter, nameContains: nil, page: PageRequest(limit: rows, offset: start, sort: sort.order))
            (found, count) = (page.items, page.total)
        } else {
            // Words are looked up in the search index, which filters on one value of the unit, 共享类型, 更新周期 and state.
            func one(_ column: String) -> String? { filter.anyOf[column]?.first }
            guard filter.noneOf.isEmpty, filter.updated == nil,
                filter.anyOf.allSatisfy({ ["unit", "shareType", "updateCycle", "state"].contains($0.key) && $0.value.count == 1 })
            else {
                throw LedgerError(
                    .validation,
                    "词语检索只能与单值的 organization、tags（更新周期）、access_rights 条件组合；"
                        + "OR、否定、res_format 与 metadata_modified 请不带词语使用")
            }
            let page = try await ledger.search.find(
                SearchQuery(
                    text: text, kind: .resource, unit: one("unit"), shareType: one("shareType"), updateCycle: one("updateCycle"),
                    state: one("state"), page: PageRequest(limit: rows, offset: start)))
            for item in page.items { found.append(try await ledger.records.fetch(CatalogResource.self, key: item.code)) }
            count = page.total
        }
        if asked == 0 { found = [] }
        var results: [JSONValue] = []
        let fields = Self.fields(parameters["fl"])
        for stored in found {
            if let fields, fields.isSubset(of: Self.briefFields) {
                results.append(Self.brief(stored, fields: fields))
            } else {
                let package = try await package(stored, owners: &owners)
                results.append(fields.map { fields in .object((package.objectValue ?? [:]).filter { fields.contains($0.key) }) } ?? package)
            }
        }
        // Facets count the whole filtered catalog; a word search ranks its hits (names first) and counts no facets.
        guard text.isEmpty else { return Self.searchResult(count: count, results, sort: "score desc, metadata_modified desc") }
        return Self.searchResult(count: count, results, sort: sort.text, facets: try await facets(parameters, filter: filter))
    }

    /// The fields `fl` asks for (CKAN's list, by commas or spaces), or `nil` for whole datasets.
    static func fields(_ text: String?) -> Set<String>? {
        let names = Set((text ?? "").split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init))
        return names.isEmpty || names.contains("*") ? nil : names
    }

    /// The fields a dataset's row in the catalog answers alone, which a harvester lists a site's datasets by.
    static let briefFields: Set<String> = ["id", "name", "title", "metadata_modified", "version"]

    /// A dataset with only `fields` (of `briefFields`), without reading its unit or its history.
    static func brief(_ stored: Stored<CatalogResource>, fields: Set<String>) -> JSONValue {
        let name = datasetName(stored.record.code)
        let all: [String: JSONValue] = [
            "id": .string(name), "name": .string(name), "title": .string(stored.record.name),
            "metadata_modified": .string(ckanTime(stored.updatedAt)), "version": .string(String(stored.version))
        ]
        return .object(all.filter { fields.contains($0.key) })
    }

    /// The filter column a query term's field names: `organization`, `tags` (a 更新周期 or a 资源格式, by its values),
    /// `access_rights` (共享类型) and `res_format` (资源格式类型).
    func column(of term: CKANQuery.Term) throws -> String {
        switch term.field {
        case "organization", "owner_org": return "unit"
        case "access_rights", "share_type", "license_id": return "shareType"
        case "res_format": return "formatType"
        case "tags":
            let cycles = Set(ledger.codes.updateCycles.map(\.name))
            if term.values.allSatisfy(cycles.contains) { return "updateCycle" }
            if term.values.allSatisfy({ !cycles.contains($0) }) { return "format" }
            throw LedgerError(.validation, "tags 的一组 OR 值须同为更新周期或同为资源格式")
        default:
            throw LedgerError(
                .validation,
                "不支持的检索字段 \(term.field)（可用 organization、tags、access_rights、license_id、res_format、name、title）")
        }
    }

    /// CKAN's facet fields with the filter columns each counts: `tags` are a dataset's 更新周期 and 资源格式.
    static let facetFields = [
        "organization": ["unit"], "tags": ["updateCycle", "format"], "access_rights": ["shareType"], "license_id": ["shareType"],
        "res_format": ["formatType"]
    ]

    /// The counts of `facet.field` (a JSON list of `facetFields`), the `facet.limit` (default 50) most common values of
    /// each, among the datasets `filter` keeps.
    func facets(_ parameters: Parameters, filter: ListFilter) async throws -> [String: [(String, String, Int)]] {
        guard let list = parameters["facet.field"] else { return [:] }
        let fields: [String]
        do {
            fields = try JSONDecoder().decode([String].self, from: Data(list.utf8))
        } catch {
            throw LedgerError(.validation, "facet.field 应为字段名的 JSON 列表，如 [\"organization\",\"tags\"]")
        }
        let limit = try parameters.int("facet.limit") ?? 50
        let known = fields.filter { Self.facetFields[$0] != nil }
        let counts = try await ledger.records.facets(
            CatalogResource.self, filter: filter, facets: Array(Set(known.flatMap { Self.facetFields[$0] ?? [] })))
        var facets: [String: [(String, String, Int)]] = [:]
        for field in known {
            var values: [String: Int] = [:]
            for column in Self.facetFields[field] ?? [] { values.merge(counts[column] ?? [:], uniquingKeysWith: +) }
            values[""] = nil  // datasets without a 资源格式类型
            var items: [(String, String, Int)] = []
            for (value, count) in values.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }).prefix(limit) {
                let title = field == "organization" ? try await ledger.records.fetch(GovUnit.self, key: value).record.name : value
                items.append((field == "organization" ? value.lowercased() : value, title, count))
            }
            facets[field] = items
        }
        return facets
    }

    /// A `package_search` answer: `facets` by field as (name, display name, count), most common first.
    static func searchResult(count: Int, _ results: [JSONValue], sort: String, facets: [String: [(String, String, Int)]] = [:]) -> JSONValue {
        .object([
            "count": .int(Int64(count)), "results": .array(results), "sort": .string(sort),
            "facets": .object(facets.mapValues { items in .object(Dictionary(uniqueKeysWithValues: items.map { ($0.0, .int(Int64($0.2))) })) }),
            "search_facets": .object(
                facets.mapValues { items in
                    .object([
                        "title": .string(""),
                        "items": .array(
                            items.map { .object(["name": .string($0.0), "display_name": .string($0.1), "count": .int(Int64($0.2))]) })
                    ])
                })
        ])
    }

    /// CKAN's `sort` (`name`, `title_string` or `metadata_modified`, `asc` or `desc`; by default the catalog's order)
    /// with the text that says how it was read.
    static func sort(_ text: String?) throws -> (order: ListSort, text: String) {
        guard let text, !text.isEmpty, !text.hasPrefix("score") else { return (.key, "score desc, metadata_modified desc") }
        let words = text.split(separator: ",").first?.split(separator: " ").map { $0.lowercased() } ?? []
        let descending = words.count > 1 && words[1] == "desc"
        guard let field = words.first, words.count <= 2, words.count < 2 || ["asc", "desc"].contains(words[1]) else {
            throw LedgerError(.validation, "无法识别的排序 \(text)（可用：name、title_string、metadata_modified，加 asc 或 desc）")
        }
        let order: ListSort
        switch field {
        case "name": order = descending ? .keyDescending : .key
        case "title_string", "title": order = descending ? .nameDescending : .name
        case "metadata_modified": order = descending ? .updatedDescending : .updated
        default: throw LedgerError(.validation, "无法识别的排序字段 \(field)（可用：name、title_string、metadata_modified）")
        }
        return (order, "\(field) \(descending ? "desc" : "asc")")
    }

    func organizationList(_ parameters: Parameters) async throws -> JSONValue {
        let page = PageRequest(limit: try parameters.int("limit") ?? 500, offset: try parameters.int("offset") ?? 0)
        let units = try await ledger.records.list(GovUnit.self, page: page)
        let allFields = parameters.flag("all_fields")
        return .array(units.items.map { allFields ? Self.organization($0.record, count: nil) : .string($0.record.uscc.lowercased()) })
    }

    func organizationShow(_ parameters: Parameters) async throws -> JSONValue {
        guard let id = parameters["id"] else { throw LedgerError(.validation, "缺少参数 id") }
        let unit = try await ledger.records.fetch(GovUnit.self, key: id.uppercased()).record
        let count = try await ledger.records.list(
            CatalogResource.self, filters: readable.merging(["unit": unit.uscc]) { first, _ in first },
            page: PageRequest(limit: 1, offset: 0)
        ).total
        return Self.organization(unit, count: count)
    }

    func status(_ request: Request) -> JSONValue {
        .object([
            "ckan_version": .string(Self.version), "site_title": .string("滕州市政务信息资源目录（一本账）"),
            "site_url": .string(baseURL(of: request)), "site_description": .string("滕政办发〔2025〕8号 数字资源“一本账”"),
            "locale_default": .string("zh_Hans_CN"), "extensions": .array([])
        ])
    }

    // MARK: Dictionaries

    /// CKAN names are lowercase letters, digits, “-” and “_”: a resource code's “/” becomes “-”.
    /// A stored time (`2026-12-01T08:00:00Z`) as CKAN writes its times: in UTC, without the `Z`. The listing a harvester
    /// compares (`brief`) and a whole dataset must give the same.
    static func ckanTime(_ stored: String) -> String { stored.replacingOccurrences(of: "Z", with: "") }

    static func datasetName(_ code: String) -> String { code.replacingOccurrences(of: "/", with: "-").lowercased() }

    static func resourceCode(_ name: String) -> String {
        let code = name.removingPercentEncoding ?? name
        return code.contains("/") ? code : code.replacingOccurrences(of: "-", with: "/").uppercased()
    }

    static func organization(_ unit: GovUnit, count: Int?) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(unit.uscc.lowercased()), "name": .string(unit.uscc.lowercased()), "title": .string(unit.name),
            "display_name": .string(unit.name), "type": .string("organization"), "state": .string("active"), "is_organization": .bool(true),
            "description": .string("\(unit.kind) · \(unit.region)"), "approval_status": .string("approved"), "image_url": .string("")
        ]
        if let count { object["package_count"] = .int(Int64(count)) }
        return .object(object)
    }

    func package(_ stored: Stored<CatalogResource>, owners: inout Owners) async throws -> JSONValue {
        let resource = stored.record
        let unit = try await owners.unit(ofSystem: resource.systemCode)
        let name = Self.datasetName(resource.code)
        // The dataset's IRI, which answers its description (`/dataset/{name}`), is its page and its resource's address.
        let page = "\(base)/dataset/\(name)"
        let modified = Self.ckanTime(stored.updatedAt)
        let created =
            try await ledger.audit.firstRecorded(entity: CatalogResource.table, key: resource.code).map(Self.ckanTime)
            ?? modified
        let extras: [(String, String?)] = [
            ("信息资源代码", resource.code), ("来源系统", resource.systemCode), ("共享类型", resource.shareType), ("共享条件", resource.shareCondition),
            ("共享方式", resource.shareMethod), ("更新周期", resource.updateCycle), ("是否向社会开放", resource.openToPublic ? "是" : "否"),
            ("开放类型", resource.openType), ("发布日期", resource.publishedOn?.description),
            ("信息项", resource.items.map { item in "\(item.name)(\(item.type)\(item.length.map { ",\($0)" } ?? ""))" }.joined(separator: "；"))
        ]
        let distribution: JSONValue = .object([
            "id": .string("\(name)-\(resource.shareMethod ?? "other")"), "package_id": .string(name),
            "name": .string(resource.shareMethod ?? resource.format),
            "format": .string(resource.formatType ?? resource.format),
            "description": .string("共享方式：\(resource.shareMethod ?? "未登记")；\(resource.shareType)"),
            "url": .string(page), "state": .string("active"), "position": .int(0), "created": .string(created),
            "last_modified": .string(modified)
        ])
        return .object([
            "id": .string(name), "name": .string(name), "title": .string(resource.name), "notes": .string(resource.summary),
            "type": .string("dataset"), "state": .string("active"),
            // 不予共享: listed in the catalog, its data not shared.
            "private": .bool(resource.shareType == "不予共享"), "version": .string(String(stored.version)),
            "metadata_modified": .string(modified), "metadata_created": .string(created), "url": .string(page),
            "license_url": .string(""),
            "owner_org": .string(unit.uscc.lowercased()), "organization": Self.organization(unit, count: nil),
            "license_id": .string("notspecified"), "license_title": .string(resource.shareType),
            "tags": .array(
                [resource.updateCycle, resource.format].map {
                    .object(["name": .string($0), "display_name": .string($0), "state": .string("active")])
                }),
            "num_tags": .int(2), "resources": .array([distribution]), "num_resources": .int(1),
            "extras": .array(extras.compactMap { key, value in value.map { .object(["key": .string(key), "value": .string($0)]) } })
        ])
    }

    /// The unit of each system, read once per request.
    struct Owners {
        let ledger: Ledger
        private var units: [String: GovUnit] = [:]

        init(ledger: Ledger) { self.ledger = ledger }

        mutating func unit(ofSystem code: String) async throws -> GovUnit {
            if let unit = units[code] { return unit }
            let system = try await ledger.records.fetch(InfoSystem.self, key: code).record
            let unit = try await ledger.records.fetch(GovUnit.self, key: system.unitUSCC).record
            units[code] = unit
            return unit
        }
    }

    /// An action's parameters: the query string, or the JSON object of a POST.
    struct Parameters {
        private var values: [String: String] = [:]

        init(_ request: Request) async throws {
            for (name, value) in request.uri.formParameters { values[String(name)] = String(value) }
            guard request.method == .post else { return }
            var request = request
            let buffer = try await request.collectBody(upTo: 1 << 20)
            guard buffer.readableBytes > 0 else { return }
            // `try?`: any body that is no JSON object gets CKAN's error below.
            let body = Data(buffer.readableBytesView)
            guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: body) else {  // CKAN error below
                throw LedgerError(.badRequest, "请求体应为JSON对象")
            }
            for (name, value) in object {
                switch value {
                case .string(let text): values[name] = text
                case .int(let number): values[name] = String(number)
                case .bool(let flag): values[name] = String(flag)
                case .array: values[name] = try CanonicalJSON.text(value)  // `facet.field` as a list, as ckanapi sends it
                default: continue
                }
            }
        }

        subscript(_ name: String) -> String? { values[name] }

        /// Whether flag `name` is set (`true`, as CKAN and Python clients write it: `True`).
        func flag(_ name: String) -> Bool { values[name] == "true" || values[name] == "True" }

        func int(_ name: String) throws -> Int? {
            guard let text = values[name] else { return nil }
            guard let number = Int(text), number >= 0 else { throw LedgerError(.validation, "参数 \(name) 应为非负整数") }
            return number
        }
    }
}
