import Foundation
import LedgerCore
import LedgerStore

/// Reads DCAT JSON-LD (this product's export, DCAT-AP as other catalogs write it: compact or expanded, `@graph` or
/// nested) and DCAT-US `data.json`, and turns each dataset into a catalog resource for the importer, reporting each
/// property that has no place in the catalog. Datasets from other catalogs need the system they belong to and, when
/// their identifier is not a resource code, the classification (类·项·目, six digits) to number them under.
public struct DCATImport: Sendable {
    /// The system for datasets that do not name one (`ybz:system`).
    public var system: String?
    /// The 类·项·目 code (`101001`) under which datasets without a resource code are numbered.
    public var classification: String?

    public init(system: String? = nil, classification: String? = nil) {
        self.system = system
        self.classification = classification
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
        "vcard": "http://www.w3.org/2006/vcard/ns#", "adms": "http://www.w3.org/ns/adms#", "schema": "http://schema.org/"
    ]
    /// Bare terms of the DCAT-AP and DCAT-US contexts.
    static let terms: [String: String] = [
        "title": "dct:title", "description": "dct:description", "identifier": "dct:identifier", "publisher": "dct:publisher",
        "issued": "dct:issued", "modified": "dct:modified", "accrualPeriodicity": "dct:accrualPeriodicity", "accessRights": "dct:accessRights",
        "accessLevel": "pod:accessLevel", "distribution": "dcat:distribution", "dataset": "dcat:dataset", "keyword": "dcat:keyword",
        "format": "dct:format", "mediaType": "dcat:mediaType", "downloadURL": "dcat:downloadURL", "accessURL": "dcat:accessURL",
        "name": "foaf:name", "landingPage": "dcat:landingPage", "contactPoint": "dcat:contactPoint", "license": "dct:license",
        "spatial": "dct:spatial", "temporal": "dct:temporal", "theme": "dcat:theme", "language": "dct:language", "bureauCode": "pod:bureauCode",
        "programCode": "pod:programCode", "rights": "dct:rights", "references": "dct:references"
    ]

    /// The datasets of a document, each as the JSON form of a catalog resource, with the issues of the mapping.
    func resources(from data: Data, file: String, ledger: Ledger) async throws -> ([JSONValue], [RowIssue]) {
        let parsed: JSONValue
        do { parsed = try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            throw LedgerError(.badRequest, "\(file)：不是有效的JSON\(DecodingProblem.place(in: error).map { "（\($0)）" } ?? "")")
        }
        // Expanded JSON-LD (as rdflib writes without a context) is a top-level array of nodes: the same as an @graph.
        let document: JSONValue = parsed.arrayValue.map { .object(["@graph": .array($0)]) } ?? parsed
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
        var resources: [JSONValue] = []
        var issues: [RowIssue] = []
        for (position, dataset) in datasets.enumerated() {
            let row = "dataset[\(position)] \(Self.first(dataset, "dct:identifier") ?? "")"
            let (object, problems) = map(dataset, index: index, numbers: &numbers)
            issues += problems.map { RowIssue(file: file, row: row, issue: $0) }
            if let object { resources.append(object) }
        }
        return (resources, issues)
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
    func map(_ dataset: [String: [Value]], index: [String: [String: [Value]]], numbers: inout [String: Int]) -> (JSONValue?, [ValidationIssue]) {
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

        let identifier = take("dct:identifier") ?? ""
        if identifier.range(of: "^[0-9]{6}/[0-9]{6}$", options: .regularExpression) != nil {
            object["code"] = .string(identifier)
        } else if let classification, numbers[classification] != nil {
            numbers[classification]! += 1
            object["code"] = .string("\(classification)/\(String(format: "%06d", numbers[classification]!))")
            issues.append(
                ValidationIssue(
                    field: "dct:identifier", value: identifier, rule: "dcat.code-assigned",
                    message: "原标识不是信息资源代码，已编为 \(object["code"]!.stringValue!)", severity: .warning))
        } else {
            issues.append(
                ValidationIssue(
                    field: "dct:identifier", value: identifier, rule: "dcat.code-missing",
                    message: "标识不是信息资源代码（类·项·目/六位顺序号）；请指定 --classification 以自动编码",
                    article: Reference.catalogGuideline))
        }
        set("name", take("dct:title"))
        // Only what the dataset states is set: an absent property leaves a stored resource's value as it is.
        set("summary", take("dct:description"))
        set("systemCode", take("ybz:system") ?? system)
        if object["systemCode"] == nil {
            issues.append(
                ValidationIssue(
                    field: "systemCode", value: "", rule: "dcat.system-missing",
                    message: "数据集未说明来源系统；请指定 --system", article: "Art. 5"))
        }
        // 共享类型: ours, else the access rights (EU vocabulary or DCAT-US accessLevel).
        let rights = take("dct:accessRights").map { $0.components(separatedBy: "/").last ?? $0 } ?? ""
        let level = take("pod:accessLevel") ?? ""
        set("shareType", take("ybz:shareType") ?? derived(DCAT.access.first { $0.eu == rights || $0.us == level }?.shareType))
        set("shareCondition", take("ybz:shareCondition") ?? derived(take("dct:rights")))
        let period = take("dct:accrualPeriodicity").map { $0.components(separatedBy: "/").last ?? $0 } ?? ""
        set(
            "updateCycle",
            take("ybz:updateCycle") ?? derived(DCAT.cycles.first { $0.eu == period || $0.iso.hasSuffix(period) && !period.isEmpty }?.cycle))
        set("publishedOn", take("dct:issued").map { String($0.prefix(10)) })
        // Format and share method: ours, else from the first distribution.
        used.insert(Self.full("dcat:distribution"))
        let distribution = Self.values(dataset, "dcat:distribution").compactMap { Self.node($0, index: index) }.first ?? [:]
        let format = Self.first(distribution, "dct:format") ?? Self.first(distribution, "dcat:mediaType") ?? ""
        set("format", take("ybz:format") ?? derived(Self.catalogFormat(format)))
        set("formatType", take("ybz:formatType") ?? derived(format.isEmpty ? nil : format.uppercased().components(separatedBy: "/").last))
        // An access URL alone is no service: DCAT-AP gives every distribution one, often its landing page.
        let service = !Self.values(distribution, "dcat:accessService").isEmpty
        set("shareMethod", take("ybz:shareMethod") ?? derived(service ? "接口" : distribution.isEmpty ? nil : "文件"))
        set("openType", take("ybz:openType") ?? derived(level == "public" ? "无条件开放" : nil))
        set("openCondition", take("ybz:openCondition"))
        if let open = take("ybz:openToPublic") ?? (level.isEmpty ? nil : String(level == "public")) {
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
        used.insert(Self.full("dct:publisher"))
        for (property, values) in dataset where !used.contains(property) && !property.hasPrefix("@") {
            issues.append(
                ValidationIssue(
                    field: Self.compact(property), value: String(values.compactMap(\.text).joined(separator: "；").prefix(80)),
                    rule: "dcat.unmapped", message: "目录中没有对应的元素，未导入", severity: .warning))
        }
        let refused = issues.contains { $0.severity == .error }
        return (refused ? nil : .object(object), issues)
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
