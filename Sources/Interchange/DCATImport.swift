import Foundation
import LedgerCore
import LedgerStore

/// Reads DCAT JSON-LD (this product's export, DCAT-AP as other catalogs write it: compact or expanded, `@graph` or
/// nested) and DCAT-US `data.json`, and turns each dataset into a catalog resource for the importer, reporting each
/// property that has no place in the catalog. Datasets from other catalogs need the system they belong to and, when
/// their identifier is not a resource code, the classification (类·项·目, six digits) to number them under.
public struct DCATImport: Sendable {
    /// The system, classification and defaults for what datasets do not say, and how their formats and licences map.
    public var profile: HarvestProfile
    /// The harvest source the datasets come from: each keeps its origin (`ResourceOrigin`), and the code it had in
    /// earlier runs (`codes`, by the dataset's identifier). `nil` for a one-off import.
    public var source: String?
    public var codes: [String: String] = [:]
    /// 信息资源格式 by format type as the code list names it (`ORACLE` → 数据库), upper case; from the ledger's code list.
    var formatTypes: [String: String] = [:]

    /// The system for datasets that do not name one (`ybz:system`).
    public var system: String? { profile.system }
    /// The 类·项·目 code (`101001`) under which datasets without a resource code are numbered.
    public var classification: String? { profile.classification }

    public init(system: String? = nil, classification: String? = nil) {
        profile = HarvestProfile(system: system, classification: classification)
    }

    /// A mapping for the datasets of harvest source `source`, with the codes its datasets were given before.
    public init(profile: HarvestProfile, source: String, codes: [String: String]) {
        self.profile = profile
        self.source = source
        self.codes = codes
    }

    /// A property value after JSON-LD expansion.
    indirect enum Value {
        case text(String, language: String?)
        case iri(String)
        case node([String: [Value]])

        var text: String? {
            switch self {
            case .text(let value, _): value
            case .iri(let value): value
            case .node(let fields): fields["@id"]?.first?.text
            }
        }
    }

    static let known: [String: String] = [
        "dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/", "dcterms": "http://purl.org/dc/terms/",
        "foaf": "http://xmlns.com/foaf/0.1/", "xsd": "http://www.w3.org/2001/XMLSchema#", "ybz": "urn:yibenzhang:",
        "vcard": "http://www.w3.org/2006/vcard/ns#", "adms": "http://www.w3.org/ns/adms#", "schema": "http://schema.org/",
        "skos": "http://www.w3.org/2004/02/skos/core#", "locn": "http://www.w3.org/ns/locn#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "owl": "http://www.w3.org/2002/07/owl#"
    ]
    /// Bare terms of the DCAT-AP and DCAT-US contexts.
    static let terms: [String: String] = [
        "title": "dct:title", "description": "dct:description", "identifier": "dct:identifier", "publisher": "dct:publisher",
        "issued": "dct:issued", "modified": "dct:modified", "accrualPeriodicity": "dct:accrualPeriodicity", "accessRights": "dct:accessRights",
        "accessLevel": "pod:accessLevel", "distribution": "dcat:distribution", "dataset": "dcat:dataset", "keyword": "dcat:keyword",
        "format": "dct:format", "mediaType": "dcat:mediaType", "downloadURL": "dcat:downloadURL", "accessURL": "dcat:accessURL",
        "name": "foaf:name", "landingPage": "dcat:landingPage", "contactPoint": "dcat:contactPoint", "license": "dct:license",
        "spatial": "dct:spatial", "temporal": "dct:temporal", "theme": "dcat:theme", "language": "dct:language", "bureauCode": "pod:bureauCode",
        "programCode": "pod:programCode", "rights": "dct:rights", "references": "dct:references", "fn": "vcard:fn",
        "hasEmail": "vcard:hasEmail", "startDate": "dcat:startDate", "endDate": "dcat:endDate", "version": "dcat:version"
    ]

    /// The datasets of a document, each as the JSON form of a catalog resource, with the issues of the mapping.
    func resources(from data: Data, file: String, ledger: Ledger) async throws -> ([JSONValue], [RowIssue]) {
        let mapped = try await datasets(from: data, file: file, ledger: ledger)
        return (mapped.compactMap(\.object), mapped.flatMap { dataset in dataset.issues.map { RowIssue(file: file, row: dataset.row, issue: $0) } })
    }

    /// One dataset of a document as mapped: its identifier and title in the source, the JSON form of the catalog
    /// resource (`nil` when it is refused) and the issues of the mapping.
    public struct MappedDataset: Sendable {
        public var identifier: String
        public var title: String
        /// Where it is in the document, as reports name it (`dataset[3] 标识`).
        public var row: String
        public var object: JSONValue?
        public var issues: [ValidationIssue]
    }

    /// Every dataset of a document, mapped.
    public func datasets(from data: Data, file: String, ledger: Ledger) async throws -> [MappedDataset] {
        let parsed: JSONValue
        switch RDFReading.syntax(of: data) {
        case .json:
            do { parsed = try JSONDecoder().decode(JSONValue.self, from: data) } catch {
                throw LedgerError(.badRequest, "\(file)：不是有效的JSON\(DecodingProblem.place(in: error).map { "（\($0)）" } ?? "")")
            }
        case .turtle:
            parsed = RDFReading.expandedJSONLD(try TurtleReader.triples(String(decoding: data, as: UTF8.self), file: file))
        case .rdfXML:
            parsed = RDFReading.expandedJSONLD(try RDFXMLReader.triples(data, file: file))
        }
        // A CKAN answer (`package_search` or `package_show`, saved as a file) is the DCAT-US datasets of its packages;
        // expanded JSON-LD (as rdflib writes without a context) is a top-level array of nodes: the same as an @graph.
        let document: JSONValue =
            CKANPackage.packages(in: parsed).map { .object(["dataset": .array($0.map(CKANPackage.dataset))]) }
            ?? parsed.arrayValue.map { .object(["@graph": .array($0)]) } ?? parsed
        guard case .object = document else {
            throw LedgerError(.badRequest, "\(file)：不是JSON文档（DCAT 应为 JSON-LD 或 DCAT-US data.json）")
        }
        var context = Self.known
        if case .object(let fields)? = document["@context"] {
            for (prefix, value) in fields { if let iri = value.stringValue { context[prefix] = iri } }
        }
        var index: [String: [String: [Value]]] = [:]
        let root = Self.expand(document, context: context, index: &index)
        var datasets: [[String: [Value]]] = []
        Self.collect(root, index: index, into: &datasets)
        // A dataset of an `@graph` is met twice: as its own node and as the catalog's reference to it.
        var seen = Set<String>()
        datasets = datasets.filter { node in node["@id"]?.first?.text.map { seen.insert($0).inserted } ?? true }
        guard !datasets.isEmpty else { throw LedgerError(.badRequest, "\(file)：没有找到 dcat:Dataset（或 data.json 的 dataset 数组）") }
        var numbers = try await nextNumbers(ledger: ledger)
        var mapping = self
        for entry in ledger.codes.formats {
            for type in entry.types ?? [] where type != "其他" && mapping.formatTypes[type.uppercased()] == nil {
                mapping.formatTypes[type.uppercased()] = entry.name
            }
        }
        return try datasets.enumerated().map { position, dataset in
            let identifier = Self.identifier(of: dataset)
            let (object, problems) = try mapping.map(dataset, index: index, numbers: &numbers)
            return MappedDataset(
                identifier: identifier, title: Self.first(dataset, "dct:title") ?? "", row: "dataset[\(position)] \(identifier)",
                object: object, issues: problems)
        }
    }

    /// A dataset's identifier: `dct:identifier`, else its IRI.
    static func identifier(of dataset: [String: [Value]]) -> String {
        first(dataset, "dct:identifier") ?? dataset["@id"]?.first?.text ?? ""
    }

    // MARK: Expansion

    static func expandKey(_ key: String, context: [String: String]) -> String {
        if key.hasPrefix("@") { return key }
        if let term = terms[key], context[key] == nil { return expandKey(term, context: context) }
        if let mapped = context[key], !mapped.hasSuffix("#"), !mapped.hasSuffix("/"), !mapped.hasSuffix(":") { return mapped }
        if let colon = key.firstIndex(of: ":"), !key.contains("://") {
            let prefix = String(key[..<colon])
            if let iri = context[prefix] { return iri + key[key.index(after: colon)...] }
        }
        return key
    }

    static func expand(_ value: JSONValue, context: [String: String], index: inout [String: [String: [Value]]]) -> [Value] {
        switch value {
        case .string(let text): return [.text(text, language: nil)]
        case .int(let number): return [.text(String(number), language: nil)]
        case .double(let number): return [.text(String(number), language: nil)]
        case .bool(let flag): return [.text(flag ? "true" : "false", language: nil)]
        case .null: return []
        case .array(let values): return values.flatMap { expand($0, context: context, index: &index) }
        case .object(let fields):
            if let literal = fields["@value"] {
                return [
                    .text(
                        literal.stringValue ?? expand(literal, context: context, index: &index).first?.text ?? "",
                        language: fields["@language"]?.stringValue)
                ]
            }
            if let id = fields["@id"]?.stringValue, fields.count == 1 { return [.iri(expandKey(id, context: context))] }
            var node: [String: [Value]] = [:]
            for (key, field) in fields where key != "@context" {
                let name = expandKey(key, context: context)
                if key == "@type" {
                    node["@type"] = expand(field, context: context, index: &index).compactMap {
                        $0.text.map { .iri(expandKey($0, context: context)) }
                    }
                } else {
                    node[name, default: []] += expand(field, context: context, index: &index)
                }
            }
            if let id = fields["@id"]?.stringValue {
                // Keyed as written and as expanded, since references may use either form.
                index[id] = node
                index[expandKey(id, context: context)] = node
            }
            return [.node(node)]
        }
    }

    static let datasetType = "http://www.w3.org/ns/dcat#Dataset"

    /// Every dataset node under `values`: typed `dcat:Dataset`, or an element of a `dcat:dataset` list (DCAT-US).
    static func collect(_ values: [Value], index: [String: [String: [Value]]], into datasets: inout [[String: [Value]]], listed: Bool = false) {
        for value in values {
            guard case .node(var node) = value else {
                if listed, case .iri(let id) = value, let target = index[id] { datasets.append(target) }
                continue
            }
            if node["@type"]?.contains(where: { $0.text == datasetType }) == true || listed {
                node["@type"] = nil
                datasets.append(node)
                continue
            }
            for (key, children) in node where key != "@type" {
                collect(children, index: index, into: &datasets, listed: key == "http://www.w3.org/ns/dcat#dataset")
            }
        }
    }

    // MARK: Mapping

    static func full(_ compact: String) -> String { expandKey(compact, context: known) }

    static func values(_ node: [String: [Value]], _ compact: String) -> [Value] { node[full(compact)] ?? [] }

    /// The first value, preferring Chinese text.
    static func first(_ node: [String: [Value]], _ compact: String) -> String? {
        let all = values(node, compact)
        for value in all { if case .text(let text, let language) = value, language?.hasPrefix("zh") == true { return text } }
        return all.first?.text
    }

    /// The used properties of one dataset mapped to a resource's JSON form; the rest reported.
    func map(_ dataset: [String: [Value]], index: [String: [String: [Value]]], numbers: inout [String: Int]) throws -> (JSONValue?, [ValidationIssue])
    {
        var used = Set<String>()
        var issues: [ValidationIssue] = []
        func take(_ compact: String) -> String? {
            used.insert(Self.full(compact))
            return Self.first(dataset, compact)
        }
        var object: [String: JSONValue] = [:]
        func set(_ field: String, _ value: String?) { if let value, !value.isEmpty { object[field] = .string(value) } }
        // This product's own export states every element under ybz:; only other catalogs' values are derived.
        let ours = dataset.keys.contains { $0.hasPrefix(Self.known["ybz"]!) }
        func derived(_ value: @autoclosure () -> String?) -> String? { ours ? nil : value() }

        let identifier = Self.identifier(of: dataset)
        used.insert(Self.full("dct:identifier"))
        if let code = codes[identifier] {
            object["code"] = .string(code)  // harvested before: the code it was given then
        } else if source == nil || profile.keepCodes, identifier.range(of: "^[0-9]{6}/[0-9]{6}$", options: .regularExpression) != nil {
            // A harvest numbers datasets itself unless told to keep the source's codes: another instance's codes
            // (a county's) may be ours or a third's too.
            object["code"] = .string(identifier)
        } else if let classification, numbers[classification] != nil {
            numbers[classification]! += 1
            object["code"] = .string("\(classification)/\(String(format: "%06d", numbers[classification]!))")
            // A harvest's report shows the code it gave; an import says why the identifier was not kept.
            if source == nil {
                issues.append(
                    ValidationIssue(
                        field: "dct:identifier", value: identifier, rule: "dcat.code-assigned",
                        message: "原标识不是信息资源代码，已编为 \(object["code"]!.stringValue!)", severity: .warning))
            }
        } else {
            issues.append(
                ValidationIssue(
                    field: "dct:identifier", value: identifier, rule: "dcat.code-missing",
                    message: "标识不是信息资源代码（类·项·目/六位顺序号）；请指定 --classification 以自动编码",
                    article: Reference.catalogGuideline))
        }
        let title = take("dct:title")
        set("name", title)
        // A harvested dataset is a whole record; an import may state only what changes in a resource already here.
        if source != nil, title?.isEmpty != false {
            issues.append(
                ValidationIssue(
                    field: "dct:title", value: "", rule: "dcat.title-missing", message: "数据集没有标题：信息资源名称必填",
                    article: Reference.catalogGuideline))
        }
        // Only what the dataset states is set: an absent property leaves a stored resource's value as it is. A
        // description in HTML is stored as its text, the original kept in the origin.
        let description = take("dct:description")
        let summary = description.map(PlainText.init(html:))
        // A harvested dataset without a description (or with an empty one) is summed up by its title.
        set("summary", summary.flatMap { $0.text.isEmpty ? nil : $0.text } ?? derived(source == nil ? nil : title))
        set("systemCode", take("ybz:system") ?? system)
        if object["systemCode"] == nil {
            issues.append(
                ValidationIssue(
                    field: "systemCode", value: "", rule: "dcat.system-missing",
                    message: "数据集未说明来源系统；请指定 --system", article: "Art. 5"))
        }
        // 共享类型: ours, else the access rights (EU vocabulary or DCAT-US accessLevel), else the profile's.
        let rights = take("dct:accessRights").map { $0.components(separatedBy: "/").last ?? $0 } ?? ""
        let level = take("pod:accessLevel") ?? ""
        let shareType = take("ybz:shareType") ?? derived(DCAT.access.first { $0.eu == rights || $0.us == level }?.shareType ?? profile.shareType)
        set("shareType", shareType)
        // Shared on conditions, or not shared: the source's rights statement, else the profile's reason.
        let condition =
            Self.label(take("dct:rights"), dataset, "dct:rights", index: index)
            ?? (shareType == "有条件共享" || shareType == "不予共享" ? profile.shareCondition : nil)
        set("shareCondition", take("ybz:shareCondition") ?? derived(condition))
        let period = take("dct:accrualPeriodicity").flatMap(DCAT.cycle(of:))
        set("updateCycle", take("ybz:updateCycle") ?? derived(period ?? profile.updateCycle))
        // A date and time gives its day; a year or a month alone (DCAT-US allows them) is no 发布日期.
        if let issued = take("dct:issued") {
            if let day = CivilDate(String(issued.prefix(10))) {
                set("publishedOn", day.description)
            } else {
                issues.append(
                    ValidationIssue(
                        field: "dct:issued", value: issued, rule: "dcat.issued-partial", message: "不是完整的日期，发布日期未导入",
                        severity: .warning))
            }
        }
        // Format and share method: ours, else from the distribution that says most of what the data is.
        used.insert(Self.full("dcat:distribution"))
        let distributions = Self.values(dataset, "dcat:distribution").compactMap { Self.node($0, index: index) }
        let described = distributions.map(Self.distribution)
        // Data files first (a portal lists its web page and its API before its CSV), then services, then anything.
        let formats = described.map(format(of:))
        let known = described.indices.filter { !described[$0].isWebPage && formats[$0] != nil }
        let primary = known.first { formats[$0] != "服务接口" } ?? known.first ?? described.indices.first
        let formatName = primary.map { described[$0].formatName } ?? ""
        // A dataset whose distributions name no known format takes the profile's default (`*`).
        let catalogFormat = primary.flatMap { formats[$0] } ?? profile.formats["*"]
        set("format", take("ybz:format") ?? derived(catalogFormat))
        set("formatType", take("ybz:formatType") ?? derived(formatName.isEmpty ? nil : formatName))
        // An access URL alone is no service: DCAT-AP gives every distribution one, often its landing page.
        let service = primary.map { !Self.values(distributions[$0], "dcat:accessService").isEmpty } ?? false
        set("shareMethod", take("ybz:shareMethod") ?? derived(Self.shareMethod(format: catalogFormat, service: service)))
        // 开放: ours, else a licence the profile maps, else public access in DCAT-US.
        let license = take("dct:license")
        let licensed = license.flatMap { text in profile.licences.first { text.localizedCaseInsensitiveContains($0.key) }?.value }
        set("openType", take("ybz:openType") ?? derived(licensed ?? (level == "public" ? "无条件开放" : nil)))
        set("openCondition", take("ybz:openCondition"))
        if let open = take("ybz:openToPublic") ?? (licensed != nil || !level.isEmpty ? String(licensed != nil || level == "public") : nil) {
            object["openToPublic"] = .bool(open == "true")
        }
        set("state", take("ybz:state"))
        set("returnReason", take("ybz:returnReason"))
        used.insert(Self.full("ybz:relatedCode"))
        let related = Self.values(dataset, "ybz:relatedCode").compactMap(\.text)
        if !related.isEmpty { object["relatedCodes"] = .array(related.map(JSONValue.string)) }
        for field in ["storageMB", "records", "sharedRecords", "openedRecords"] {
            if let text = take("ybz:\(field)"), let number = Int64(text) { object[field] = .int(number) }
        }
        used.insert(Self.full("ybz:dataItem"))
        // Items nest in the dataset (this product's export) or stand as their own nodes of an `@graph` (as rdflib
        // writes the same graph), named by their `@id`.
        let items = Self.values(dataset, "ybz:dataItem").compactMap { value -> (Int, JSONValue)? in
            guard let item = Self.node(value, index: index) else { return nil }
            var fields: [String: JSONValue] = [
                "name": .string(Self.first(item, "ybz:name") ?? ""), "type": .string(Self.first(item, "ybz:dataType") ?? "")
            ]
            if let length = Self.first(item, "ybz:length").flatMap(Int64.init) { fields["length"] = .int(length) }
            if let description = Self.first(item, "ybz:description") { fields["description"] = .string(description) }
            return (Int(Self.first(item, "ybz:seq") ?? "") ?? 0, .object(fields))
        }.sorted { $0.0 < $1.0 }.map(\.1)
        if !items.isEmpty { object["items"] = .array(items) }
        if let source {
            // What the source says beyond the catalog's elements, kept as written.
            let origin = ResourceOrigin(
                source: source, identifier: identifier, publisher: Self.label(take("dct:publisher"), dataset, "dct:publisher", index: index),
                landingPage: take("dcat:landingPage"), modified: take("dct:modified"), version: take("dcat:version") ?? take("owl:versionInfo"),
                keywords: Self.values(dataset, "dcat:keyword").compactMap(\.text),
                license: license, temporal: Self.coverage(dataset, "dct:temporal", index: index),
                spatial: Self.coverage(dataset, "dct:spatial", index: index),
                contactPoint: Self.contact(dataset, index: index), description: summary?.changed == true ? description : nil,
                distributions: described.map(\.origin))
            for property in ["dcat:keyword", "dct:temporal", "dct:spatial", "dcat:contactPoint", "dcat:landingPage"] {
                used.insert(Self.full(property))
            }
            object["origin"] = try JSONValue(parsing: CanonicalJSON.text(origin))
        } else {
            used.insert(Self.full("dct:publisher"))
        }
        for (property, values) in dataset where !used.contains(property) && !property.hasPrefix("@") {
            issues.append(
                ValidationIssue(
                    field: Self.compact(property), value: String(values.compactMap(\.text).joined(separator: "；").prefix(80)),
                    rule: "dcat.unmapped", message: "目录中没有对应的元素，未导入", severity: .warning))
        }
        let refused = issues.contains { $0.severity == .error }
        return (refused ? nil : .object(object), issues)
    }

    /// A distribution as its properties say.
    struct DescribedDistribution {
        var origin: ResourceOrigin.Distribution

        /// The format's name: the last part of an IRI or media type (`CSV`, `GEOJSON`), upper case.
        var formatName: String {
            let text = origin.format ?? origin.mediaType ?? ""
            return (text.split(separator: "/").last.map(String.init) ?? text).uppercased()
        }

        /// A web page about the data (`text/html`, “Web page”), not the data itself.
        var isWebPage: Bool {
            let text = "\(origin.format ?? "") \(origin.mediaType ?? "")".uppercased()
            return text.contains("HTML") || text.contains("WEB PAGE") || text.contains("WEBPAGE")
        }
    }

    static func distribution(_ node: [String: [Value]]) -> DescribedDistribution {
        DescribedDistribution(
            origin: ResourceOrigin.Distribution(
                title: first(node, "dct:title"), accessURL: first(node, "dcat:accessURL"), downloadURL: first(node, "dcat:downloadURL"),
                mediaType: first(node, "dcat:mediaType"), format: first(node, "dct:format")))
    }

    /// The 信息资源格式 of a distribution: the profile's for its format name, else the catalog's own mapping.
    func format(of distribution: DescribedDistribution) -> String? {
        let name = distribution.formatName
        if let mapped = profile.formats.first(where: { $0.key.uppercased() == name })?.value { return mapped }
        return name.isEmpty ? nil : formatTypes[name] ?? Self.catalogFormat(name)
    }

    /// 共享方式 for a 信息资源格式: an interface for services (and for a format that may be served when the source
    /// names a data service), a database for databases, else files.
    static func shareMethod(format: String?, service: Bool) -> String? {
        switch format {
        case nil: nil
        case "服务接口": "接口"
        case "数据库": service ? "接口" : "数据库"
        case "自描述格式", "流媒体": service ? "接口" : "文件"
        default: "文件"
        }
    }

    /// A publisher's or other agent's name: `foaf:name` (or `vcard:fn`) of its node, else the value as written.
    static func label(_ written: String?, _ dataset: [String: [Value]], _ compact: String, index: [String: [String: [Value]]]) -> String? {
        for value in values(dataset, compact) {
            guard let node = node(value, index: index) else { continue }
            if let name = ["foaf:name", "vcard:fn", "schema:name", "skos:prefLabel", "rdfs:label"].lazy.compactMap({ first(node, $0) }).first {
                return name
            }
        }
        return written
    }

    /// Temporal or spatial coverage as text: a period's start and end, a place's name or geometry, else as written.
    static func coverage(_ dataset: [String: [Value]], _ compact: String, index: [String: [String: [Value]]]) -> String? {
        let written = values(dataset, compact)
        guard let value = written.first else { return nil }
        if let node = node(value, index: index), !node.isEmpty {
            let start = first(node, "dcat:startDate") ?? first(node, "schema:startDate")
            let end = first(node, "dcat:endDate") ?? first(node, "schema:endDate")
            if start != nil || end != nil { return "\(start ?? "")/\(end ?? "")" }
            if let text = first(node, "skos:prefLabel") ?? first(node, "dcat:geometry") ?? first(node, "locn:geometry") ?? node["@id"]?.first?.text {
                return text
            }
        }
        return value.text
    }

    /// A contact point as its name and address (`vcard:fn`, `vcard:hasEmail`), as written otherwise.
    static func contact(_ dataset: [String: [Value]], index: [String: [String: [Value]]]) -> String? {
        guard let value = values(dataset, "dcat:contactPoint").first else { return nil }
        guard let node = node(value, index: index) else { return value.text }
        let parts = [first(node, "vcard:fn"), first(node, "vcard:hasEmail").map { $0.replacingOccurrences(of: "mailto:", with: "") }]
        let text = parts.compactMap { $0 }.joined(separator: " ")
        return text.isEmpty ? value.text : text
    }

    /// The node a value is or names by its `@id` (a node of the document's `@graph`).
    static func node(_ value: Value, index: [String: [String: [Value]]]) -> [String: [Value]]? {
        // An object holding only an `@id` was expanded to `.iri` already.
        switch value {
        case .node(let node): node
        case .iri(let id): index[id]
        case .text: nil
        }
    }

    /// A DCAT format or media type as a 信息资源格式 of the code list.
    static func catalogFormat(_ format: String) -> String? {
        let value = format.uppercased()
        if value.isEmpty { return nil }
        if ["CSV", "XLS", "XLSX", "ET"].contains(where: value.contains) || value.contains("SPREADSHEET") { return "电子表格" }
        if ["JSON", "XML"].contains(where: value.contains) { return "自描述格式" }
        if ["PDF", "DOC", "OFD", "TXT", "WPS", "HTML"].contains(where: value.contains) { return "电子文件" }
        if ["JPG", "JPEG", "PNG", "TIFF", "GIF", "BMP"].contains(where: value.contains) { return "图形图像" }
        if ["API", "REST", "WMS", "WFS", "SOAP"].contains(where: value.contains) { return "服务接口" }
        if ["SQL", "DATABASE"].contains(where: value.contains) { return "数据库" }
        return nil
    }

    static func compact(_ iri: String) -> String {
        for (prefix, base) in [("dct", "http://purl.org/dc/terms/"), ("dcat", "http://www.w3.org/ns/dcat#"), ("foaf", "http://xmlns.com/foaf/0.1/")]
        where iri.hasPrefix(base) {
            return prefix + ":" + iri.dropFirst(base.count)
        }
        return iri.hasPrefix("pod:") ? String(iri.dropFirst(4)) : iri
    }

    /// The highest sequence number in use under the classification, to number new datasets after it.
    func nextNumbers(ledger: Ledger) async throws -> [String: Int] {
        guard let classification else { return [:] }
        let highest = try await ledger.records.highestKey(CatalogResource.self, prefix: "\(classification)/")
        return [classification: highest.flatMap { Int($0.suffix(6)) } ?? 0]
    }
}
