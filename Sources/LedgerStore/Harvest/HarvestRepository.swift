import LedgerCore

/// What a harvest source serves.
public enum HarvestKind: String, Codable, Sendable, CaseIterable {
    /// A DCAT catalog: DCAT-US `data.json`, or DCAT-AP as JSON-LD (compact, expanded or `@graph`).
    case dcat
    /// A CKAN site, read through `package_search` a page at a time.
    case ckan

    /// The kind as pages name it.
    public var label: String {
        switch self {
        case .dcat: "DCAT 目录（data.json / JSON-LD）"
        case .ckan: "CKAN 站点"
        }
    }
}

/// A catalog that others publish, whose datasets are taken into the catalog as resources (issue 17).
public struct HarvestSource: Codable, Sendable, Equatable {
    public var id: Int64
    /// A short name, unique: it names the source in every resource's origin.
    public var name: String
    /// An `http(s)` address, or a file on this machine.
    public var location: String
    public var kind: HarvestKind
    public var profile: HarvestProfile
    public var createdAt: String

    public init(id: Int64 = 0, name: String, location: String, kind: HarvestKind, profile: HarvestProfile, createdAt: String = "") {
        (self.id, self.name, self.location, self.kind, self.profile, self.createdAt) = (id, name, location, kind, profile, createdAt)
    }
}

/// What became of a dataset in a run.
public enum HarvestResult: String, Codable, Sendable, CaseIterable {
    case accepted, updated, unchanged, refused, withdrawn

    /// The result as pages and reports name it.
    public var label: String {
        switch self {
        case .accepted: "新增"
        case .updated: "更新"
        case .unchanged: "未变"
        case .refused: "拒收"
        case .withdrawn: "来源已撤下"
        }
    }
}

/// One dataset's line of a run's report.
public struct HarvestOutcome: Codable, Sendable, Equatable {
    public var identifier: String
    public var title: String
    /// The resource code it has (or would have had).
    public var code: String?
    public var result: HarvestResult
    /// Why it was refused, what was noticed in mapping it, or what was done when the source withdrew it.
    public var reasons: [String]

    public init(identifier: String, title: String, code: String?, result: HarvestResult, reasons: [String] = []) {
        (self.identifier, self.title, self.code, self.result, self.reasons) = (identifier, title, code, result, reasons)
    }
}

/// A dataset a source has given before: the resource it became and the hash of what it was mapped to, so that a
/// dataset that did not change is not written again.
public struct HarvestRecord: Sendable, Equatable {
    public var identifier: String
    public var resourceCode: String
    public var contentSha256: String
    /// The run that found it gone from the source, while it is.
    public var withdrawnRun: Int64?
    /// When the source said it was last modified, as the source writes it (a CKAN site's `metadata_modified`), when it
    /// says: a later run reads it again only when the source gives another time.
    public var sourceModified: String?
    /// The run that last wrote its resource.
    public var writtenRun: Int64?

    public init(
        identifier: String, resourceCode: String, contentSha256: String, withdrawnRun: Int64? = nil, sourceModified: String? = nil,
        writtenRun: Int64? = nil
    ) {
        (self.identifier, self.resourceCode, self.contentSha256) = (identifier, resourceCode, contentSha256)
        (self.withdrawnRun, self.sourceModified, self.writtenRun) = (withdrawnRun, sourceModified, writtenRun)
    }
}

/// Where a harvested resource came from, as its page says: the source (its name and address) and the run that last
/// wrote it, when.
public struct HarvestProvenance: Sendable, Equatable {
    public var source: String
    public var location: String
    public var run: Int64?
    public var writtenAt: String?

    public init(source: String, location: String, run: Int64?, writtenAt: String?) {
        (self.source, self.location, self.run, self.writtenAt) = (source, location, run, writtenAt)
    }
}

/// One run of a source: when, how it ended, the count of each result, and (when read alone) its report.
public struct HarvestRun: Codable, Sendable, Equatable {
    public var id: Int64
    public var sourceId: Int64
    public var sourceName: String
    public var startedAt: String
    public var finishedAt: String?
    /// `running`, `done` or `failed`.
    public var state: String
    public var error: String?
    public var counts: [String: Int]
    public var report: [HarvestOutcome]
    /// When the run asked a CKAN site only for what changed: since when (the newest time the run before listed, as the
    /// site writes it).
    public var since: String?
    /// The newest time the site listed a dataset as modified.
    public var cursor: String?

    /// How many datasets got `result`.
    public func count(_ result: HarvestResult) -> Int { counts[result.rawValue] ?? 0 }
}

extension HarvestRun {
    /// The refusal of a run of a source that is being harvested (by this server or another).
    public static let sourceBusy = LedgerError(.conflict, "该来源正在采集中，请等待本次采集结束")
}

/// What one source has given to the catalog (a county's catalog, seen from the city that harvests it): its resources
/// counted by workflow state and by 共享类型.
public struct HarvestHoldings: Sendable, Equatable {
    public var byState: [CatalogState: Int] = [:]
    public var byShareType: [String: Int] = [:]

    public init(byState: [CatalogState: Int] = [:], byShareType: [String: Int] = [:]) {
        (self.byState, self.byShareType) = (byState, byShareType)
    }

    /// Every resource the source has given.
    public var total: Int { byState.values.reduce(0, +) }

    /// Two sources' holdings together (a total).
    public static func + (a: HarvestHoldings, b: HarvestHoldings) -> HarvestHoldings {
        HarvestHoldings(
            byState: a.byState.merging(b.byState, uniquingKeysWith: +), byShareType: a.byShareType.merging(b.byShareType, uniquingKeysWith: +))
    }
}

/// Harvest sources, the datasets each has given, and their runs with reports.
public protocol HarvestRepository: Sendable {
    /// Registers a source; its name must be new.
    func addSource(_ source: HarvestSource, by actor: Actor) async throws -> HarvestSource
    /// Every source, by name.
    func sources() async throws -> [HarvestSource]
    /// The source named `name`.
    func source(named name: String) async throws -> HarvestSource
    /// Removes a source with its runs and records; the resources it gave stay, with their origin.
    func removeSource(named name: String, by actor: Actor) async throws
    /// The datasets the source has given, by their identifier.
    func records(source id: Int64) async throws -> [String: HarvestRecord]
    /// Starts a run of the source; refused while another run of it is going on.
    func startRun(source id: Int64) async throws -> HarvestRun
    /// Finishes a run with its report, the records of what it took in or found withdrawn, and what it read from (`since`)
    /// and up to (`cursor`) when its source serves a cursor.
    func finishRun(_ id: Int64, report: [HarvestOutcome], records: [HarvestRecord], since: String?, cursor: String?) async throws -> HarvestRun
    /// The cursor of the source's newest finished run: what the next run reads only the changes since.
    func cursor(source id: Int64) async throws -> String?
    /// Ends a run that could not read its source or map it.
    func failRun(_ id: Int64, error: String) async throws
    /// The newest runs (of one source, or all), without reports.
    func runs(source id: Int64?, limit: Int) async throws -> [HarvestRun]
    /// One run with its report.
    func run(id: Int64) async throws -> HarvestRun
    /// Where the resource with `code` was harvested from, when a source gave it.
    func provenance(resource code: String) async throws -> HarvestProvenance?
    /// The resources each source has given, by source id, as they stand in the catalog now.
    func holdings() async throws -> [Int64: HarvestHoldings]
}

extension HarvestSource {
    /// What is wrong with the source before the ledger is asked: its profile against the code lists, its name and address.
    func issues(codes: CodeLists) -> [ValidationIssue] {
        var issues = profile.issues(codes: codes)
        for (field, value, label) in [("name", name, "名称"), ("location", location, "地址")] {
            if value.trimmingCharacters(in: .whitespaces).isEmpty {
                issues.append(ValidationIssue(field: field, value: "", rule: "harvest.required", message: "请填写\(label)"))
            } else if let issue = FieldLimits.issue(field: field, text: value) {
                issues.append(issue)
            }
        }
        return issues
    }

    /// Refuses the source with `issues`, and with the profile's system when the ledger has no such system.
    func check(_ issues: [ValidationIssue], systemMissing: Bool) throws {
        var issues = issues
        if systemMissing, let system = profile.system {
            issues.append(ValidationIssue(field: "system", value: system, rule: "harvest.system", message: "信息系统 \(system) 不存在"))
        }
        guard issues.isEmpty else { throw LedgerError.invalid(issues) }
    }

    /// The refusal of a second source of the same name.
    var nameTaken: LedgerError { LedgerError(.conflict, "采集来源“\(name)”已存在") }
}
