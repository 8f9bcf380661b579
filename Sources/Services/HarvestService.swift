import AsyncHTTPClient
import Crypto
import Foundation
import Interchange
import LedgerCore
import LedgerStore
import NIOCore
import Presentation

/// Runs harvest sources (issue 17): reads a source (a DCAT catalog or a CKAN site, by address or file), maps each of
/// its datasets with the source's profile and takes in every one that passes, reporting each that does not: a run is
/// not all-or-nothing for the source, only for the datasets it takes in. A dataset keeps its resource code from run
/// to run (the source and its identifier); one that did not change is not written again; one gone from the source is
/// taken offline through the workflow (申请下线), never deleted; fields the source does not state (data items, our own
/// elements) are never touched.
public struct HarvestService: Sendable {
    public let ledger: Ledger
    /// Who carries the runs, to the sources' leases: this process, or in tests one of several servers.
    public let holder: String
    /// The largest document or CKAN page read from a source.
    static let maxDocument = 64 << 20

    public init(ledger: Ledger, holder: String = LeaseHolder.thisProcess) {
        self.ledger = ledger
        self.holder = holder
    }

    /// Who runs the sources on the server's schedule (`ybz serve --harvest-every`), as the audit trail names it.
    public static let scheduled = Actor(username: "harvest-schedule", role: .admin, displayName: "定时采集")

    /// Runs the source named `name` for `actor`; the run and its report are stored, also when it fails.
    public func run(_ name: String, by actor: Actor, progress: (@Sendable (String) -> Void)? = nil) async throws -> HarvestRun {
        let (run, source) = try await begin(name)
        return try await carry(run, of: source, by: actor, progress: progress)
    }

    /// Starts a run of the source named `name` and carries it on in the background: the run as it starts, whose page
    /// shows it going on and then its report.
    public func start(_ name: String, by actor: Actor) async throws -> HarvestRun {
        let (run, source) = try await begin(name)
        Task {
            do { _ = try await carry(run, of: source, by: actor, progress: nil) } catch {
                // `carry` stored the failure in the run, which its page shows.
            }
        }
        return run
    }

    /// How long a run's lease lasts unless renewed, and how often the process carrying the run renews it.
    static let leaseSeconds = 90.0
    static let renewSeconds = 30.0

    /// The lease a run of source `id` holds while a process carries it: the servers and commands of one ledger see
    /// from it which runs are going on and which a stopped process left.
    static func lease(source id: Int64) -> String { "harvest source \(id)" }

    /// Takes the source's lease for this process and starts a run of it.
    private func begin(_ name: String) async throws -> (HarvestRun, HarvestSource) {
        let source = try await ledger.harvests.source(named: name)
        guard try await ledger.leases.claim(Self.lease(source: source.id), holder: holder, seconds: Self.leaseSeconds) else {
            throw HarvestRun.sourceBusy
        }
        do {
            // This process holds the source's lease now: a run of the source still going was left by a stopped one.
            for left in try await ledger.harvests.runs(source: source.id, limit: 10) where left.state == "running" {
                try await ledger.harvests.failRun(left.id, error: Self.interrupted)
            }
            return (try await ledger.harvests.startRun(source: source.id), source)
        } catch {
            try await ledger.leases.release(Self.lease(source: source.id), holder: holder)
            throw error
        }
    }

    /// Why a run that a stopped process left going failed.
    static let interrupted = "服务在采集过程中停止，本次采集未完成，请重新采集"

    /// Ends the runs that a stopped process left going (it stopped in the middle of a harvest): those whose source's
    /// lease lapsed, so that a run another server is carrying goes on. Returns how many were ended.
    public func endInterruptedRuns() async throws -> Int {
        let running = try await ledger.harvests.runs(source: nil, limit: 500).filter { $0.state == "running" }
        let carried = try await ledger.leases.held(running.map { Self.lease(source: $0.sourceId) })
        let left = running.filter { !carried.contains(Self.lease(source: $0.sourceId)) }
        for run in left {
            try await ledger.harvests.failRun(run.id, error: Self.interrupted)
        }
        return left.count
    }

    /// Reads, maps and takes in the source for a started run, and stores the run's end; the source's lease is renewed
    /// while the run goes on and given back at its end.
    private func carry(_ run: HarvestRun, of source: HarvestSource, by actor: Actor, progress: (@Sendable (String) -> Void)?) async throws
        -> HarvestRun
    {
        let (lease, leases) = (Self.lease(source: source.id), ledger.leases)
        let renewal = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(Self.renewSeconds))
                _ = try await leases.claim(lease, holder: holder, seconds: Self.leaseSeconds)
            }
        }
        defer { renewal.cancel() }
        let finished: HarvestRun
        do {
            finished = try await WorkMetrics.shared.time(.harvestRun) { try await perform(run, of: source, by: actor, progress: progress) }
        } catch {
            try? await leases.release(lease, holder: holder)  // harmless: the run failed (that error is reported); a kept lease lapses in 90 s
            throw error
        }
        try await leases.release(lease, holder: holder)
        return finished
    }

    /// `carry`, untimed.
    private func perform(_ run: HarvestRun, of source: HarvestSource, by actor: Actor, progress: (@Sendable (String) -> Void)?) async throws
        -> HarvestRun
    {
        do {
            let known = try await ledger.harvests.records(source: source.id)
            let read: SourceRead
            switch source.kind {
            case .dcat:
                progress?("读取 \(source.location)")
                read = SourceRead(document: try await Self.read(source.location))
            case .ckan:
                let cursor = try await ledger.harvests.cursor(source: source.id)
                progress?("读取 \(source.location)" + (cursor.map { "自 \($0) 以来变更的数据集" } ?? "的全部数据集"))
                read = try await CKANSource(source.location).read(holding: known, since: cursor)
            }
            progress?("映射与校验数据集")
            let (report, records) = try await harvest(read, known: known, from: source, run: run.id, by: actor)
            return try await ledger.harvests.finishRun(run.id, report: report, records: records, since: read.since, cursor: read.cursor)
        } catch {
            try await ledger.harvests.failRun(run.id, error: (error as? LedgerError)?.message ?? String(describing: error))
            throw error
        }
    }

    /// A dataset that maps and differs from what the source gave last time.
    private struct Candidate {
        var dataset: DCATImport.MappedDataset
        var object: JSONValue
        var code: String
        var sha256: String
    }

    /// The report of one run over `document` and the records to keep.
    private func harvest(
        _ read: SourceRead, known: [String: HarvestRecord], from source: HarvestSource, run: Int64, by actor: Actor
    ) async throws -> ([HarvestOutcome], [HarvestRecord]) {
        let mapping = DCATImport(profile: source.profile, source: source.name, codes: known.mapValues(\.resourceCode))
        var mapped: [DCATImport.MappedDataset] = []
        if let document = read.document { mapped = try await mapping.datasets(from: document, file: source.name, ledger: ledger) }
        let ours = Set(known.values.map(\.resourceCode))
        var report: [HarvestOutcome] = []
        var records: [HarvestRecord] = []
        var seen = Set<String>()
        var candidates: [Candidate] = []
        for dataset in mapped {
            let code = dataset.object?.value(at: "code")?.stringValue
            func refuse(_ reasons: [String]) {
                report.append(HarvestOutcome(identifier: dataset.identifier, title: dataset.title, code: code, result: .refused, reasons: reasons))
            }
            guard !dataset.identifier.isEmpty else {
                refuse(["数据集没有标识（dct:identifier 或 @id）"])
                continue
            }
            guard seen.insert(dataset.identifier).inserted else {
                refuse(["与前面的数据集标识重复"])
                continue
            }
            guard let object = dataset.object, let code else {
                refuse(dataset.issues.filter { $0.severity == .error }.map(Self.reason))
                continue
            }
            let sha256 = Hex.string(SHA256.hash(data: try CanonicalJSON.encode(object)))
            if var record = known[dataset.identifier], record.contentSha256 == sha256, record.withdrawnRun == nil {
                report.append(HarvestOutcome(identifier: dataset.identifier, title: dataset.title, code: code, result: .unchanged))
                if let time = read.modified[dataset.identifier], time != record.sourceModified {
                    record.sourceModified = time  // saved again at the source without a change: not read again next time
                    records.append(record)
                }
                continue
            }
            // Only a resource this source gave may be written: a code registered here belongs to its unit.
            if !ours.contains(code), try await exists(code) {
                refuse(["信息资源代码 \(code) 已被本地登记的资源使用，采集不会覆盖"])
                continue
            }
            candidates.append(Candidate(dataset: dataset, object: object, code: code, sha256: sha256))
        }
        // What the source listed as not changed since the last run and was not read again.
        for (identifier, title) in read.unchanged.sorted(by: { $0.key < $1.key }) where seen.insert(identifier).inserted {
            report.append(HarvestOutcome(identifier: identifier, title: title, code: known[identifier]?.resourceCode, result: .unchanged))
        }
        // Checked first without writing; what passes is then written in one transaction.
        let importer = Importer(ledger: ledger, actor: actor)
        var refused = Self.errors(try await importer.run(resources: candidates.map(\.object), file: source.name, dryRun: true))
        let passing = candidates.indices.filter { refused[$0] == nil }
        if !passing.isEmpty {
            let written = try await importer.run(resources: passing.map { candidates[$0].object }, file: source.name, dryRun: false)
            if !written.committed {
                // The ledger changed between the check and the write: each is refused with what the write found.
                let found = Self.errors(written)
                for (position, index) in passing.enumerated() {
                    refused[index] = found[position] ?? ["与本地账本的最新状态冲突，请重新采集"]
                }
            }
        }
        for (index, candidate) in candidates.enumerated() {
            let dataset = candidate.dataset
            if let reasons = refused[index] {
                report.append(
                    HarvestOutcome(identifier: dataset.identifier, title: dataset.title, code: candidate.code, result: .refused, reasons: reasons))
                continue
            }
            report.append(
                HarvestOutcome(
                    identifier: dataset.identifier, title: dataset.title, code: candidate.code,
                    result: known[dataset.identifier] == nil ? .accepted : .updated, reasons: dataset.issues.map(Self.reason)))
            records.append(
                HarvestRecord(
                    identifier: dataset.identifier, resourceCode: candidate.code, contentSha256: candidate.sha256,
                    sourceModified: read.modified[dataset.identifier], writtenRun: run))
        }
        for (identifier, record) in known.sorted(by: { $0.key < $1.key }) where !seen.contains(identifier) && record.withdrawnRun == nil {
            let (title, reason) = try await withdraw(record, source: source, by: actor)
            report.append(HarvestOutcome(identifier: identifier, title: title, code: record.resourceCode, result: .withdrawn, reasons: [reason]))
            var gone = record
            gone.withdrawnRun = run
            records.append(gone)
        }
        return (report, records)
    }

    /// Takes the resource of a dataset gone from its source offline through the workflow when it is published; says
    /// what was done.
    private func withdraw(_ record: HarvestRecord, source: HarvestSource, by actor: Actor) async throws -> (String, String) {
        let stored: Stored<CatalogResource>
        do { stored = try await ledger.records.fetch(CatalogResource.self, key: record.resourceCode) } catch let error as LedgerError
            where error.kind == .notFound
        {
            return ("", "本地已无此资源")
        }
        guard stored.record.state == .published else {
            return (stored.record.name, "资源状态为\(stored.record.state.rawValue)，未申请下线，请人工处理")
        }
        _ = try await ledger.records.transition(
            resourceID: stored.id, .takeOffline, reason: "采集来源“\(source.name)”已不再提供该数据集", expectedVersion: nil,
            by: actor)
        return (stored.record.name, "已申请下线（下线中），待管理员确认")
    }

    /// Whether a resource with `code` is registered.
    private func exists(_ code: String) async throws -> Bool {
        do {
            _ = try await ledger.records.fetch(CatalogResource.self, key: code)
            return true
        } catch let error as LedgerError where error.kind == .notFound {
            return false
        }
    }

    /// The errors of each row of an import of resources, by the row's index (`resources[3] …`).
    private static func errors(_ report: ImportReport) -> [Int: [String]] {
        var errors: [Int: [String]] = [:]
        for issue in report.issues where issue.severity == .error {
            guard let open = issue.row.firstIndex(of: "["), let close = issue.row.firstIndex(of: "]"),
                let index = Int(issue.row[issue.row.index(after: open)..<close])
            else { continue }
            errors[index, default: []].append(
                reason(ValidationIssue(field: issue.field, value: issue.value, rule: issue.rule, message: issue.message, article: issue.article)))
        }
        return errors
    }

    /// An issue as a report says it: the field by its Chinese name (a property of the source by its DCAT name), the
    /// value, the message and the article.
    static func reason(_ issue: ValidationIssue) -> String {
        let label = RecordText.label(entity: "resource", field: issue.field) ?? dcatLabels[issue.field] ?? issue.field
        let value = issue.value.isEmpty ? "" : "“\(issue.value)”"
        return "\(label)\(value)：\(issue.message)" + (issue.article.map { "（\($0)）" } ?? "")
    }

    /// The DCAT properties a mapping names, in Chinese with the property.
    static let dcatLabels = [
        "dct:title": "标题（dct:title）", "dct:identifier": "标识（dct:identifier）", "systemCode": "来源系统",
        "dct:description": "描述（dct:description）"
    ]

    // MARK: Reading sources

    /// The bytes at an `http(s)` address or in a file, up to `maxDocument`.
    static func read(_ location: String) async throws -> Data {
        guard location.hasPrefix("http://") || location.hasPrefix("https://") else {
            let url = URL(fileURLWithPath: location)
            let data: Data
            do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch { throw LedgerError(.badRequest, "无法读取文件 \(location)") }
            guard data.count <= maxDocument else { throw LedgerError(.tooLarge, "\(location)：超过 \(maxDocument >> 20) MB") }
            return data
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .follow(max: 5, allowCycles: false)))
        let answer: Result<Data, any Error>
        do {
            var request = HTTPClientRequest(url: location)
            request.headers.add(name: "Accept", value: "application/ld+json, application/json;q=0.9")
            let response = try await client.execute(request, timeout: .seconds(60))
            guard response.status == .ok else {
                throw LedgerError(response.status == .notFound ? .notFound : .badRequest, "\(location) 回答 HTTP \(response.status.code)")
            }
            answer = .success(Data(try await response.body.collect(upTo: maxDocument).readableBytesView))
        } catch let error as LedgerError {
            answer = .failure(error)
        } catch is NIOTooManyBytesError {
            answer = .failure(LedgerError(.tooLarge, "\(location)：超过 \(maxDocument >> 20) MB"))
        } catch {
            answer = .failure(LedgerError(.badRequest, "无法读取 \(location)：\(error)"))
        }
        try await client.shutdown()
        return try answer.get()
    }
}

extension HarvestRun {
    /// The run in words, as the command line and the 采集 page say it: when (Beijing time), and what became of its
    /// datasets, or that it is going on, or why it failed.
    public var summary: String {
        let when = BeijingTime.text(startedAt)
        switch state {
        case "running": return "\(when) 采集中"
        case "failed": return "\(when) 失败：\(error ?? "")"
        default:
            let counts = HarvestResult.allCases.map { "\($0.label) \(count($0))" }.joined(separator: "，")
            return when + "：" + counts + (since == nil ? "" : "（增量：只读取了来源自上次采集以来变更的数据集）")
        }
    }
}
