import Foundation
import Interchange
import LedgerCore
import LedgerStore

/// What a run read from its source: the datasets to map, as one DCAT document; the time the source gives each dataset
/// as last modified, when it does; and, when a CKAN site was asked only for what changed, the datasets it listed that
/// were not read again (identifier → title), since when and up to when.
struct SourceRead {
    /// `nil` when there is nothing to read again.
    var document: Data?
    var modified: [String: String] = [:]
    var unchanged: [String: String] = [:]
    var since: String?
    var cursor: String?
}

/// A CKAN site as a harvest source (a county's Yibenzhang, seen from its city, is one). The first run reads every
/// dataset with `package_search`, a page at a time, and keeps the `metadata_modified` the site gives each. A later run
/// lists the site's datasets (`fl=id,title,metadata_modified`: light) and reads only those whose time is not the one
/// kept, or that the city does not hold (new, refused or withdrawn before): one by one with `package_show`, or, when
/// there are many, with `fq=metadata_modified:[… TO *]` from the earliest of their times. A dataset the listing lacks
/// is one the site withdrew. (A site's times may be whole seconds and a bulk import gives every dataset the same one,
/// so the times are compared dataset by dataset rather than against one cursor.)
struct CKANSource {
    let base: String
    /// Datasets read a page at a time, and at most this many pages.
    static let page = 100
    static let listingPage = 500
    static let maxPages = 2_000
    /// More datasets than this to read, and they are read by pages rather than one by one.
    let maxSingles: Int

    init(_ site: String, maxSingles: Int = 100) {
        base = site.hasSuffix("/") ? String(site.dropLast()) : site
        self.maxSingles = maxSingles
    }

    /// The site's datasets: all of them when nothing is held from it with its time, or what changed since `known`.
    func read(holding known: [String: HarvestRecord], since cursor: String?) async throws -> SourceRead {
        guard known.values.contains(where: { $0.sourceModified != nil }) else {
            let packages = try await search([])
            return SourceRead(
                document: try Self.document(packages), modified: Self.times(packages), cursor: packages.compactMap(Self.modified).max())
        }
        let listed = try await search(["fl=id,title,metadata_modified"], rows: Self.listingPage)
        // A site that lists nothing is not taken to have withdrawn everything (as a catalog without datasets is not).
        guard !listed.isEmpty else { throw LedgerError(.badRequest, "\(base) 没有列出任何数据集，本次采集未作更改") }
        var modified = Self.times(listed)
        var unchanged: [String: String] = [:]
        var changed: Set<String> = []
        for package in listed {
            guard let identifier = Self.identifier(package) else { continue }
            if let record = known[identifier], record.withdrawnRun == nil, let time = record.sourceModified, time == modified[identifier] {
                unchanged[identifier] = package["title"]?.stringValue ?? ""
            } else {
                changed.insert(identifier)
            }
        }
        var packages: [JSONValue] = []
        if changed.count <= maxSingles {
            for identifier in changed.sorted() {
                if let package = try await show(identifier) { packages.append(package) }  // gone since the listing: withdrawn
            }
        } else {
            let earliest = changed.compactMap { modified[$0] }.min()
            let query = earliest.map { ["fq=" + Self.encoded("metadata_modified:[\(Self.solrTime($0)) TO *]")] } ?? []
            packages = try await search(query).filter { Self.identifier($0).map(changed.contains) ?? false }
        }
        modified.merge(Self.times(packages)) { _, read in read }
        return SourceRead(
            document: packages.isEmpty ? nil : try Self.document(packages), modified: modified, unchanged: unchanged, since: cursor,
            cursor: listed.compactMap(Self.modified).max())
    }

    /// Every dataset `package_search` answers with `parameters`, page after page.
    func search(_ parameters: [String], rows: Int = page) async throws -> [JSONValue] {
        var packages: [JSONValue] = []
        for page in 0..<Self.maxPages {
            let query = (parameters + ["rows=\(rows)", "start=\(page * rows)", "sort=name%20asc"]).joined(separator: "&")
            let result = try await action("package_search?" + query)
            guard let results = result["results"]?.arrayValue else { throw notCKAN("package_search") }
            packages += results
            if results.count < rows || packages.count >= Int(result["count"]?.intValue ?? 0) { break }
        }
        return packages
    }

    /// One dataset, by its identifier; `nil` when the site no longer has it.
    func show(_ identifier: String) async throws -> JSONValue? {
        do { return try await action("package_show?id=" + Self.encoded(identifier)) } catch let error as LedgerError where error.kind == .notFound {
            return nil
        }
    }

    /// The `result` of an action of the site's API.
    func action(_ path: String) async throws -> JSONValue {
        let data = try await HarvestService.read("\(base)/api/3/action/\(path)")
        let answer = try JSONValue(parsing: String(decoding: data, as: UTF8.self))
        guard answer["success"] == .bool(true), let result = answer["result"] else { throw notCKAN(String(path.prefix { $0 != "?" })) }
        return result
    }

    func notCKAN(_ action: String) -> LedgerError {
        LedgerError(.badRequest, "\(base) 不是 CKAN 站点（\(action) 未回答 success 与 result）")
    }

    /// CKAN packages as a DCAT-US document.
    static func document(_ packages: [JSONValue]) throws -> Data {
        try CanonicalJSON.encode(JSONValue.object(["dataset": .array(packages.map(CKANPackage.dataset))]))
    }

    static func identifier(_ package: JSONValue) -> String? { package["id"]?.stringValue }
    static func modified(_ package: JSONValue) -> String? { package["metadata_modified"]?.stringValue }

    /// Each package's time of last modification, by its identifier.
    static func times(_ packages: [JSONValue]) -> [String: String] {
        var times: [String: String] = [:]
        for package in packages {
            if let identifier = identifier(package), let time = modified(package) { times[identifier] = time }
        }
        return times
    }

    /// A time as Solr reads it in a query: in UTC with its `Z` (CKAN writes `metadata_modified` without one).
    static func solrTime(_ time: String) -> String { time.hasSuffix("Z") ? time : time + "Z" }

    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// The characters an address carries as they are (RFC 3986's unreserved: ASCII letters, digits and `-._~`).
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
