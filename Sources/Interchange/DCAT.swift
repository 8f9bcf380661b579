import Foundation
import LedgerCore
import LedgerStore

/// The catalog as DCAT 3 / DCAT-AP linked data: a `dcat:Catalog` (published by the city's 大数据局) with one
/// `dcat:Dataset` per catalog resource, its publisher (the unit, `foaf:Organization`), `dct:accessRights` from 共享类型,
/// `dct:accrualPeriodicity` from 更新周期 (EU vocabularies), a `dcat:Distribution` per share method whose `dcat:accessURL`
/// is the dataset's page and whose `dct:format` is an EU file type when the 资源格式类型 is one, and every element with no
/// DCAT place under `ybz:` so that an export imports back unchanged. No `dcat:DataService` is written: the ledger
/// records that a resource is shared by 接口, not the service's endpoint, which DCAT-AP requires.
public enum DCAT {
    static let frequency = "http://publications.europa.eu/resource/authority/frequency/"
    static let accessRight = "http://publications.europa.eu/resource/authority/access-right/"
    static let fileType = "http://publications.europa.eu/resource/authority/file-type/"
    /// 资源格式类型 → EU file type, for the types the EU vocabulary has.
    static let fileTypes: [String: String] = [
        "PDF": "PDF", "DOC": "DOC", "DOCX": "DOCX", "TXT": "TXT", "XML": "XML", "XLS": "XLS", "XLSX": "XLSX", "CSV": "CSV",
        "JSON": "JSON", "JPG": "JPEG", "PNG": "PNG", "TIFF": "TIFF", "BMP": "BMP", "GIF": "GIF", "MP4": "MP4", "MP3": "MP3",
        "WAV": "WAV", "AVI": "AVI"
    ]
    /// Who publishes the catalog.
    static let publisherName = "滕州市大数据局"
    /// 更新周期 → EU frequency, and DCAT-US's ISO 8601 repeating durations.
    static let cycles: [(cycle: String, eu: String, iso: String)] = [
        ("实时", "CONT", "R/PT1S"), ("每日", "DAILY", "R/P1D"), ("每周", "WEEKLY", "R/P1W"), ("每月", "MONTHLY", "R/P1M"),
        ("每季度", "QUARTERLY", "R/P3M"), ("每半年", "BIANNUAL", "R/P6M"), ("每年", "ANNUAL", "R/P1Y"), ("其他", "OTHER", "irregular")
    ]
    /// 共享类型 → EU access right, and DCAT-US's accessLevel.
    static let access: [(shareType: String, eu: String, us: String)] = [
        ("无条件共享", "PUBLIC", "public"), ("有条件共享", "RESTRICTED", "restricted public"), ("不予共享", "NON_PUBLIC", "non-public")
    ]

    /// The 更新周期 a source's periodicity names: an EU frequency (`…/frequency/MONTHLY`), an ISO 8601 repeating
    /// duration (`R/P1M`), or a word as CKAN sites and the Dublin Core frequencies write it (`monthly`,
    /// `http://purl.org/cld/freq/daily`, `continuous`, `irregular`); `nil` for one it does not name (`UNKNOWN`).
    public static func cycle(of periodicity: String) -> String? {
        let period = (periodicity.split(separator: "/").last.map(String.init) ?? periodicity).uppercased()
        if let known = cycles.first(where: { $0.eu == period || periodicity.uppercased() == $0.iso.uppercased() }) { return known.cycle }
        let words: [String: String] = [
            "CONTINUOUS": "实时", "REALTIME": "实时", "ANNUALLY": "每年", "YEARLY": "每年", "SEMIANNUAL": "每半年",
            "BIANNUALLY": "每半年", "IRREG": "其他", "IRREGULAR": "其他"
        ]
        return words[period]
    }

    /// DCAT-US's repeating duration for a 更新周期 (`每月` → `R/P1M`), or `nil` for another text.
    public static func isoCycle(_ cycle: String) -> String? { cycles.first { $0.cycle == cycle }?.iso }

    /// DCAT-US's accessLevel for a 共享类型 (`无条件共享` → `public`), or `nil` for another text.
    public static func accessLevel(_ shareType: String) -> String? { access.first { $0.shareType == shareType }?.us }

    /// Which datasets a document holds.
    public enum Selection: Sendable, Equatable {
        /// Every resource in every state: the catalog's register (`ybz export`).
        case register
        /// The published resources, of one 共享类型 when given (a public catalog: 无条件共享).
        case published(shareType: String?)

        /// Whether a document of this selection holds `resource`.
        public func includes(_ resource: CatalogResource) -> Bool {
            guard case .published(let shareType) = self else { return true }
            return resource.state == .published && (shareType == nil || resource.shareType == shareType)
        }
    }

    /// The datasets of `scope` that `selection` holds as one graph under `base` (an http(s) URL).
    static func graph(ledger: Ledger, scope: ExportScope, selection: Selection, base: String) async throws -> RDFNode {
        var catalog = RDFNode(id: "\(base)/catalog", types: ["dcat:Catalog"])
        catalog.add("dct:title", .literal("滕州市政务信息资源目录", language: "zh"))
        catalog.add("dct:description", .literal("数字资源“一本账”的政务信息资源目录（滕政办发〔2025〕8号，发改高技〔2017〕1272号）", language: "zh"))
        var publisher = RDFNode(id: "\(base)/publisher", types: ["foaf:Agent"])
        publisher.add("foaf:name", .written(publisherName))
        catalog.add("dct:publisher", .node(publisher))
        let exporter = Exporter(ledger: ledger, scope: scope)
        let resources = try await exporter.records(CatalogResource.self).filter(selection.includes)
        var units: [String: GovUnit] = [:]
        for unit in try await exporter.records(GovUnit.self) { units[unit.uscc] = unit }
        var systemUnits: [String: String] = [:]
        for system in try await exporter.records(InfoSystem.self) { systemUnits[system.code] = system.unitUSCC }
        for resource in resources {
            let unit = systemUnits[resource.systemCode].flatMap { units[$0] }
            catalog.add("dcat:dataset", .node(dataset(resource, unit: unit, base: base)))
        }
        return catalog
    }

    static func dataset(_ resource: CatalogResource, unit: GovUnit?, base: String) -> RDFNode {
        var node = RDFNode(id: "\(base)/dataset/\(resource.code.replacingOccurrences(of: "/", with: "-"))", types: ["dcat:Dataset"])
        node.add("dct:identifier", .literal(resource.code))
        node.add("dct:title", .written(resource.name))
        node.add("dct:description", .written(resource.summary))
        if let unit {
            var publisher = RDFNode(id: "\(base)/organization/\(unit.uscc)", types: ["foaf:Organization"])
            publisher.add("foaf:name", .written(unit.name))
            publisher.add("dct:identifier", .literal(unit.uscc))
            node.add("dct:publisher", .node(publisher))
        }
        if let right = access.first(where: { $0.shareType == resource.shareType }) { node.add("dct:accessRights", .iri(accessRight + right.eu)) }
        if let cycle = cycles.first(where: { $0.cycle == resource.updateCycle }) { node.add("dct:accrualPeriodicity", .iri(frequency + cycle.eu)) }
        node.add("dct:issued", resource.publishedOn.map { .literal($0.description, datatype: "xsd:date") })
        var distribution = RDFNode(types: ["dcat:Distribution"])
        distribution.add("dct:title", .written(resource.shareMethod ?? resource.format))
        distribution.add("dcat:accessURL", .iri(node.id ?? base))
        distribution.add("dct:format", resource.formatType.flatMap { fileTypes[$0.uppercased()] }.map { .iri(fileType + $0) })
        node.add("dcat:distribution", .node(distribution))
        for related in resource.relatedCodes { node.add("ybz:relatedCode", .literal(related)) }
        let texts: [(String, String?)] = [
            ("ybz:system", resource.systemCode), ("ybz:format", resource.format), ("ybz:formatType", resource.formatType),
            ("ybz:shareType", resource.shareType), ("ybz:shareCondition", resource.shareCondition), ("ybz:shareMethod", resource.shareMethod),
            ("ybz:openType", resource.openType), ("ybz:openCondition", resource.openCondition), ("ybz:updateCycle", resource.updateCycle),
            ("ybz:state", resource.state.rawValue), ("ybz:returnReason", resource.returnReason)
        ]
        for (predicate, value) in texts { node.add(predicate, .text(value)) }
        node.add("ybz:openToPublic", .literal(resource.openToPublic ? "true" : "false", datatype: "xsd:boolean"))
        let counts: [(String, Int64?)] = [
            ("ybz:storageMB", resource.storageMB), ("ybz:records", resource.records),
            ("ybz:sharedRecords", resource.sharedRecords), ("ybz:openedRecords", resource.openedRecords)
        ]
        for (predicate, value) in counts { node.add(predicate, .integer(value)) }
        for (index, item) in resource.items.enumerated() {
            var element = RDFNode(types: ["ybz:DataItem"])
            element.add("ybz:seq", .integer(Int64(index + 1)))
            element.add("ybz:name", .literal(item.name))
            element.add("ybz:dataType", .literal(item.type))
            element.add("ybz:length", .integer(item.length.map(Int64.init)))
            element.add("ybz:description", .text(item.description))
            node.add("ybz:dataItem", .node(element))
        }
        return node
    }

    /// One dataset's description, the answer of its IRI (`BASE/dataset/NAME`), as JSON-LD.
    public static func jsonLD(dataset resource: CatalogResource, unit: GovUnit?, base: String) throws -> Data {
        try RDFWriter.jsonLD(dataset(resource, unit: unit, base: base))
    }

    /// One dataset's description as Turtle.
    public static func turtle(dataset resource: CatalogResource, unit: GovUnit?, base: String) -> String {
        RDFWriter.turtle(dataset(resource, unit: unit, base: base))
    }

    /// The JSON-LD document.
    public static func jsonLD(
        ledger: Ledger, scope: ExportScope = .all, selection: Selection = .register, base: String
    ) async throws -> Data {
        try RDFWriter.jsonLD(try await graph(ledger: ledger, scope: scope, selection: selection, base: base))
    }

    /// The Turtle document.
    public static func turtle(
        ledger: Ledger, scope: ExportScope = .all, selection: Selection = .register, base: String
    ) async throws -> String {
        RDFWriter.turtle(try await graph(ledger: ledger, scope: scope, selection: selection, base: base))
    }
}
