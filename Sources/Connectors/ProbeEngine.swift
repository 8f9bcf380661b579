import Foundation
import LedgerCore
import Logging

/// The ledger facts a probe run needs.
public struct ProbeInput: Sendable {
    public var systems: [InfoSystem]
    /// Catalog resources by system code.
    public var resources: [String: [CatalogResource]]
    public var asOf: CivilDate
    public var now: Date
    /// Only these platforms, when given.
    public var platforms: Set<Platform>?
    public var codes: CodeLists

    public init(
        systems: [InfoSystem], resources: [String: [CatalogResource]], asOf: CivilDate, now: Date = Date(),
        platforms: Set<Platform>? = nil, codes: CodeLists
    ) {
        self.systems = systems
        self.resources = resources
        self.asOf = asOf
        self.now = now
        self.platforms = platforms
        self.codes = codes
    }
}

/// The outcome of one run: every verdict, the canary of each platform, and what produced them.
public struct ProbeRunResult: Codable, Sendable {
    public var startedAt: Date
    public var finishedAt: Date
    public var asOf: CivilDate
    public var canaries: [Verdict]
    public var verdicts: [Verdict]
    /// SHA-256 of each platform's spec file.
    public var specHashes: [String: String]
    /// How a new connection to each platform was set up in this run, by platform name.
    public var connections: [String: ConnectionFacts] = [:]

    /// Verdict counts per platform and outcome.
    public var summary: [String: [String: Int]] {
        var counts: [String: [String: Int]] = [:]
        for verdict in verdicts { counts[verdict.platform.rawValue, default: [:]][verdict.outcome.rawValue, default: 0] += 1 }
        return counts
    }
}

/// Runs the probes of the specs against the platforms: canary first, then every target with a global and a
/// per-host concurrency limit, a timeout per request, and retries on transport errors and 5xx only.
public struct ProbeEngine: Sendable {
    public var specs: [ConnectorSpec]
    public var transport: any ProbeTransport
    public var globalLimit: Int
    public var perHostLimit: Int
    public var environment: [String: String]

    public init(
        specs: [ConnectorSpec], transport: any ProbeTransport, globalLimit: Int = 64, perHostLimit: Int = 16,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.specs = specs
        self.transport = transport
        self.globalLimit = globalLimit
        self.perHostLimit = perHostLimit
        self.environment = environment
    }

    /// One unit of work: a probe of one target of one system.
    struct Target: Sendable {
        var spec: ConnectorSpec
        var probe: ProbeSpec
        var system: InfoSystem
        var id: String
        var resource: CatalogResource?
    }

    /// Runs every applicable probe; `progress` gets (done, total) as targets finish.
    public func run(_ input: ProbeInput, progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async -> ProbeRunResult {
        let started = Date()
        let limiter = Limiter(global: globalLimit, perHost: perHostLimit)
        let chosen = specs.filter { input.platforms?.contains($0.platform) ?? true }
        var verdicts: [Verdict] = []
        var targets: [Target] = []
        for spec in chosen {
            let (ready, decided) = plan(spec, input)
            targets += ready
            verdicts += decided
        }
        let total = targets.count
        let counter = Counter()
        var canaries: [Verdict] = []
        var connections: [Platform: ConnectionFacts] = [:]
        var unavailable: [Platform: (SkipReason, String)] = [:]
        for spec in chosen {
            if spec.maintenance.contains(where: { $0.contains(input.now) }) {
                unavailable[spec.platform] = (.maintenance, "\(spec.name)处于维护窗口，本次不探测")
                continue
            }
            let connection = await transport.inspectConnection(spec.resolvedBaseURL(environment: environment), timeoutMs: spec.timeoutMs)
            connections[spec.platform] = connection
            var canary = await runCanary(spec, limiter: limiter, connection: connection)
            if !canary.attempts.isEmpty { canary.attempts[0].connection = connection }
            canaries.append(canary)
            if canary.outcome != .pass {
                unavailable[spec.platform] = (.platformUnavailable, "\(spec.name)金丝雀探测未通过（\(canary.reason)），平台不可用，结果跳过而非判定失败")
            }
        }
        let inspected = connections
        let probed = await withTaskGroup(of: Verdict.self) { group in
            for target in targets {
                if let (reason, text) = unavailable[target.spec.platform] {
                    var verdict = Verdict(
                        platform: target.spec.platform, probe: target.probe.id, systemCode: target.system.code,
                        target: target.id, outcome: .skipped, reason: text, checkedAt: Date(), specHash: target.spec.hash)
                    verdict.skipReason = reason
                    progress(await counter.increment(), total)
                    group.addTask { verdict }
                    continue
                }
                group.addTask {
                    let verdict = await limiter.withSlot(host: target.spec.platform.rawValue) {
                        await probe(target, asOf: input.asOf, codes: input.codes, connection: inspected[target.spec.platform])
                    }
                    progress(await counter.increment(), total)
                    return verdict
                }
            }
            var results: [Verdict] = []
            for await verdict in group { results.append(verdict) }
            return results
        }
        verdicts += probed
        verdicts.sort { ($0.platform, $0.systemCode, $0.probe, $0.target) < ($1.platform, $1.systemCode, $1.probe, $1.target) }
        return ProbeRunResult(
            startedAt: started, finishedAt: Date(), asOf: input.asOf, canaries: canaries, verdicts: verdicts,
            specHashes: Dictionary(uniqueKeysWithValues: chosen.map { ($0.platform.rawValue, $0.hash) }),
            connections: Dictionary(uniqueKeysWithValues: connections.map { ($0.key.rawValue, $0.value) }))
    }

    /// The targets to probe and the verdicts decided without a request (not applicable, nothing registered).
    func plan(_ spec: ConnectorSpec, _ input: ProbeInput) -> ([Target], [Verdict]) {
        var targets: [Target] = []
        var decided: [Verdict] = []
        for system in input.systems {
            func verdict(_ probe: ProbeSpec, _ outcome: VerdictOutcome, _ reason: String) -> Verdict {
                Verdict(
                    platform: spec.platform, probe: probe.id, systemCode: system.code, target: system.code,
                    outcome: outcome, reason: reason, checkedAt: input.now, specHash: spec.hash)
            }
            let inactive = system.status == .building || system.status == .deregistered
            let required = spec.appliesTo.map { !Set($0).isDisjoint(with: system.appCategories) } ?? true
            for probe in spec.probes {
                if inactive {
                    decided.append(verdict(probe, .notApplicable, "系统状态为\(system.status.rawValue)，不探测"))
                    continue
                }
                if !required {
                    decided.append(verdict(probe, .notApplicable, "应用类别（\(system.appCategories.joined(separator: "、"))）无须接入\(spec.name)"))
                    continue
                }
                let found = Self.targets(of: probe.each, system: system, resources: input.resources[system.code] ?? [])
                if found.isEmpty {
                    decided.append(verdict(probe, .fail, "一本账未登记\(Self.describe(probe.each))，无法证明已接入\(spec.name)"))
                }
                targets += found.map { Target(spec: spec, probe: probe, system: system, id: $0.id, resource: $0.resource) }
            }
        }
        return (targets, decided)
    }

    static func targets(
        of iteration: Iteration, system: InfoSystem,
        resources: [CatalogResource]
    ) -> [(id: String, resource: CatalogResource?)] {
        let ids = system.platformIds
        switch iteration {
        case .system: return [(system.code, nil)]
        case .aishandongItems: return ids.aishandongItems.map { ($0, nil) }
        case .shandongtongApp: return ids.shandongtongAppId.map { [($0, nil)] } ?? []
        case .citybrainFeeds: return ids.citybrainFeeds.map { ($0, nil) }
        case .countyNode: return ids.countyNodeId.map { [($0, nil)] } ?? []
        case .sharingOrg: return ids.sharingOrgCode.map { [($0, nil)] } ?? []
        case .resources: return resources.filter { $0.state.isEditable }.map { ($0.code, $0) }
        case .sharedResources: return resources.filter { $0.state.isEditable && $0.isShared }.map { ($0.code, $0) }
        }
    }

    static func describe(_ iteration: Iteration) -> String {
        switch iteration {
        case .system: "系统"
        case .aishandongItems: "爱山东事项编码"
        case .shandongtongApp: "山东通应用ID"
        case .citybrainFeeds: "城市大脑数据源"
        case .countyNode: "县级节点标识"
        case .sharingOrg: "共享平台机构编码"
        case .resources: "信息资源目录"
        case .sharedResources: "可共享的信息资源目录"
        }
    }

    /// The canary: the health path, then a known-good reference, must satisfy their conditions.
    func runCanary(_ spec: ConnectorSpec, limiter: Limiter, connection: ConnectionFacts?) async -> Verdict {
        let reference = ProbeSpec(
            id: "canary", name: "金丝雀", each: .system, path: spec.canaryReference,
            conditions: spec.canaryConditions, notIntegrated: [], freshness: nil)
        let health = ProbeSpec(
            id: "canary", name: "健康检查", each: .system, path: spec.canaryHealth,
            conditions: [try! Condition("status == 200")], notIntegrated: [], freshness: nil)
        let placeholder = InfoSystem(code: "-", name: "canary", unitUSCC: "-", status: .running)
        func run(_ check: ProbeSpec) async -> Verdict {
            await limiter.withSlot(host: spec.platform.rawValue) {
                await probe(
                    Target(spec: spec, probe: check, system: placeholder, id: check.path), asOf: CivilDate(Date()), codes: nil,
                    connection: connection)
            }
        }
        let healthVerdict = await run(health)
        return healthVerdict.outcome == .pass ? await run(reference) : healthVerdict
    }

    /// Probes one target: signed GET with retries on transport errors and 5xx, then the verdict. The platform's
    /// certificate expiry, from `connection`, goes on every attempt and into `cert.expiresIn`.
    func probe(_ target: Target, asOf: CivilDate, codes: CodeLists?, connection: ConnectionFacts? = nil) async -> Verdict {
        let spec = target.spec
        var verdict = Verdict(
            platform: spec.platform, probe: target.probe.id, systemCode: target.system.code, target: target.id,
            outcome: .error, reason: "", checkedAt: Date(), specHash: spec.hash)
        guard let secret = environment[spec.secretEnv], !secret.isEmpty else {
            verdict.reason = "未配置\(spec.name)的签名密钥（环境变量 \(spec.secretEnv)）"
            return verdict
        }
        let encoded = target.id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? target.id
        let path = target.probe.path.replacingOccurrences(of: "{id}", with: encoded)
        let base = spec.resolvedBaseURL(environment: environment)
        let signedPath = (URL(string: base)?.path ?? "") + path
        var response: ProbeResponse?
        var lastError = ""
        for number in 1...(spec.retries + 1) {
            // `try?`: a cancelled wait ends early; the next attempt sees the cancellation.
            if number > 1 { try? await Task.sleep(nanoseconds: UInt64(50_000_000 << (number - 2))) }  // cancelled: next attempt sees it
            let headers = RequestSigning.headers(appKey: spec.appKey, secret: secret, path: signedPath)
            let started = Date()
            do {
                var (answer, attempt) = try await transport.get(base + path, headers: headers, timeoutMs: spec.timeoutMs)
                attempt.number = number
                attempt.tlsExpiresAt = connection?.tlsExpiresAt
                answer.tlsExpiresAt = connection?.tlsExpiresAt
                verdict.attempts.append(attempt)
                response = answer
                if answer.status < 500 { break }
                lastError = "平台返回 \(answer.status)"
            } catch {
                var attempt = ProbeAttempt(
                    number: number, url: base + path, startedAt: started,
                    totalMs: Date().timeIntervalSince(started) * 1000)
                attempt.error = Self.describe(error)
                verdict.attempts.append(attempt)
                response = nil
                lastError = attempt.error!
            }
        }
        verdict.checkedAt = Date()
        guard let response, response.status < 500 else {
            verdict.reason = "\(spec.retries + 1)次尝试均无结论：\(lastError)"
            return verdict
        }
        if response.status == 401 || response.status == 403 {
            verdict.reason = "平台拒绝认证（\(response.status)）：签名或密钥不正确"
            return verdict
        }
        let negative = target.probe.notIntegrated.map { $0.evaluate(response) }
        if let evidence = negative.first(where: \.passed) {
            verdict.outcome = .fail
            verdict.notIntegrated = true
            verdict.conditions = [evidence]
            verdict.reason = "平台确认未接入：\(evidence.resolved)"
            return verdict
        }
        guard response.json != nil else {
            let type = response.headers["content-type"] ?? "无"
            verdict.reason = "响应不是有效的JSON（Content-Type: \(type)）"
            return verdict
        }
        verdict.conditions = target.probe.conditions.map { $0.evaluate(response) }
        if let rule = target.probe.freshness, let resource = target.resource {
            verdict.conditions.append(freshness(rule, resource: resource, response: response, asOf: asOf, codes: codes, verdict: &verdict))
        }
        let failed = verdict.conditions.filter { !$0.passed }
        verdict.outcome = failed.isEmpty ? .pass : .fail
        verdict.reason = failed.isEmpty ? "全部条件满足" : "条件未满足：" + failed.map(\.resolved).joined(separator: "；")
        return verdict
    }

    /// The freshness condition: last update + 更新周期 + grace must not be before the as-of date.
    func freshness(
        _ rule: FreshnessRule, resource: CatalogResource, response: ProbeResponse, asOf: CivilDate,
        codes: CodeLists?, verdict: inout Verdict
    ) -> ConditionResult {
        let expression = "fresh(\(rule.field), \(resource.updateCycle), grace \(rule.graceDays)d)"
        guard let days = codes?.entry(resource.updateCycle, in: codes?.updateCycles ?? [])?.days else {
            return ConditionResult(expression: expression, resolved: "更新周期“\(resource.updateCycle)”无固定天数，不判断时效", passed: true)
        }
        guard case .string(let text)? = response.json?.value(at: rule.field), let instant = Timestamp.parse(text) else {
            return ConditionResult(expression: expression, resolved: "\(rule.field) (missing)", passed: false)
        }
        verdict.platformUpdatedAt = text
        let terms = FreshnessTerms(field: rule.field, lastUpdate: CivilDate(instant), cycleDays: days, graceDays: rule.graceDays)
        verdict.freshness = terms
        return Freshness.condition(terms, expression: expression, asOf: asOf)
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("deadlineExceeded") || text.contains("readTimeout") || text.contains("connectTimeout") { return "timeout" }
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "TLS证书不受信任（CERTIFICATE_VERIFY_FAILED）：用 --ca-file 或 YBZ_CA_FILE 指定签发机构的证书"
        }
        if text.contains("handshakeFailed") { return "TLS握手失败：" + String(text.prefix(160)) }
        return text.count > 200 ? String(text.prefix(200)) : text
    }
}

/// Counts finished targets for progress.
actor Counter {
    private var value = 0
    func increment() -> Int {
        value += 1
        return value
    }
}
