import Foundation

/// The unified platforms a system must be connected to (Art. 18(3), 22(7), 28).
public enum Platform: String, CaseIterable, Codable, Sendable, Comparable {
    case aishandong
    case shandongtong
    case citybrain
    case countyNode = "county-node"
    case sharingPlatform = "sharing-platform"

    /// The Chinese name.
    public var label: String {
        switch self {
        case .aishandong: "爱山东"
        case .shandongtong: "山东通"
        case .citybrain: "城市大脑"
        case .countyNode: "一体化大数据平台县级节点"
        case .sharingPlatform: "滕州市级数据共享开放平台"
        }
    }

    public static func < (lhs: Platform, rhs: Platform) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The outcome of one probe of one target. The score reads verdicts only, never attempts.
public enum VerdictOutcome: String, Codable, Sendable, CaseIterable {
    /// Every condition held.
    case pass
    /// The platform answered and a condition failed, or it said the id is unknown (positive evidence).
    case fail
    /// No conclusive answer: transport errors after retries, 5xx, malformed bodies, authentication refused.
    case error
    /// Not probed: the platform's canary failed in this run, or the platform is in maintenance.
    case skipped
    /// The probe does not apply (category, status, or no such object in the ledger).
    case notApplicable = "not-applicable"
}

/// Why a verdict was skipped.
public enum SkipReason: String, Codable, Sendable {
    case platformUnavailable = "platform-unavailable"
    case maintenance
}

/// One condition with the value it was evaluated against: `status (404) == 200`.
public struct ConditionResult: Codable, Sendable, Equatable {
    public var expression: String
    public var resolved: String
    public var passed: Bool
    /// For a condition on time (`cert.expiresIn`, `age.<path>`), what it observed, to be judged again for the day of
    /// an evaluation (`Verdict.judged(asOf:)`); absent from other conditions and from verdicts recorded before.
    public var clock: ClockTerms?

    public init(expression: String, resolved: String, passed: Bool, clock: ClockTerms? = nil) {
        self.expression = expression
        self.resolved = resolved
        self.passed = passed
        self.clock = clock
    }
}

/// What a condition on time observed: the instant it measures to (a certificate's expiry) or from (the answer's last
/// update), its comparison and its bound. The time left or passed is a question about the moment of judging, which for
/// an evaluation is its as-of day, not the probe's.
public struct ClockTerms: Codable, Sendable, Equatable {
    /// The subject as the condition writes it (`cert.expiresIn`, `age.data.lastPush`).
    public var subject: String
    public var instant: Date
    /// Whether the condition measures the time since `instant` (an age) rather than until it (an expiry).
    public var since: Bool
    /// The comparison (`>`, `<=` …), the bound in milliseconds, and the bound as the condition shows it.
    public var comparison: String
    public var boundMs: Double
    public var shownBound: String

    public init(subject: String, instant: Date, since: Bool, comparison: String, boundMs: Double, shownBound: String) {
        (self.subject, self.instant, self.since, self.comparison) = (subject, instant, since, comparison)
        (self.boundMs, self.shownBound) = (boundMs, shownBound)
    }

    /// The condition judged at `moment`, written as a probe writes it: `cert.expiresIn (9d) > 14d`.
    public func result(expression: String, at moment: Date) -> ConditionResult {
        let ms = (since ? moment.timeIntervalSince(instant) : instant.timeIntervalSince(moment)) * 1000
        let passed = Comparison.holds(ms, comparison, boundMs)
        return ConditionResult(
            expression: expression, resolved: "\(subject) (\(DurationFormat.readable(ms))) \(comparison) \(shownBound)", passed: passed,
            clock: self)
    }
}

/// A comparison of two magnitudes as conditions write it: `==`, `!=`, `<`, `<=`, `>`, `>=` (any other never holds).
public enum Comparison {
    public static func holds(_ left: Double, _ comparison: String, _ right: Double) -> Bool {
        switch comparison {
        case "==": left == right
        case "!=": left != right
        case "<": left < right
        case "<=": left <= right
        case ">": left > right
        case ">=": left >= right
        default: false
        }
    }
}

/// Durations as people read them.
public enum DurationFormat {
    /// `850ms`, `2s`, `2.5s`, `26h`, `31.2h`, `14d` (part days under ten in hours).
    public static func readable(_ ms: Double) -> String {
        let units: [(String, Double)] = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        for (suffix, size) in units where abs(ms) >= size {
            let amount = ms / size
            let whole = (amount * 10).rounded() == amount.rounded() * 10
            if suffix == "d", !whole, abs(amount) < 10 { continue }
            return whole ? "\(Int64(amount.rounded()))\(suffix)" : String(format: "%.1f", amount) + suffix
        }
        return ms.rounded() == ms ? "\(Int64(ms))ms" : String(format: "%.1fms", ms)
    }
}

/// The transport facts of one HTTP attempt.
public struct ProbeAttempt: Codable, Sendable, Equatable {
    public var number: Int
    public var url: String
    public var startedAt: Date
    /// Milliseconds until the request was written, until the response head arrived, and in total.
    public var sentMs: Double?
    public var firstByteMs: Double?
    public var totalMs: Double
    public var status: Int?
    /// A transport error (`timeout`, `connection refused` …), when there was no usable response.
    public var error: String?
    /// SHA-256 of the body (hex) and its first 512 bytes.
    public var bodySHA256: String?
    public var bodySnippet: String?
    /// Certificate expiry, where TLS was used (the platform's certificate as presented in this run).
    public var tlsExpiresAt: Date?
    /// The phases of setting up a new connection; on the canary's first attempt, since probes reuse pooled
    /// connections and have no set-up of their own.
    public var connection: ConnectionFacts?

    public init(number: Int, url: String, startedAt: Date, totalMs: Double) {
        self.number = number
        self.url = url
        self.startedAt = startedAt
        self.totalMs = totalMs
    }
}

/// How a new connection to a platform was set up: name resolution, TCP connect and TLS handshake times, the
/// address reached, and the certificate presented (read whether or not it is trusted; trust is the request's job).
public struct ConnectionFacts: Codable, Sendable, Equatable {
    public var host: String
    public var port: Int
    public var address: String?
    public var dnsMs: Double?
    public var connectMs: Double?
    public var tlsMs: Double?
    public var tlsExpiresAt: Date?
    public var tlsSubject: String?
    public var tlsIssuer: String?
    /// Where setting up failed (`dns`, `connect`, `tls`) and why.
    public var error: String?

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}

/// The verdict of one probe of one target (a system, a service item, a feed or a catalog resource).
public struct Verdict: Codable, Sendable, Equatable {
    public var platform: Platform
    /// The probe's id in its spec (`service-item`, `resource-mounted` …).
    public var probe: String
    public var systemCode: String
    /// The object probed: item code, feed id, resource code, app id or system code.
    public var target: String
    public var outcome: VerdictOutcome
    public var skipReason: SkipReason?
    /// The platform said the id is unknown or nothing is mounted: positive evidence of no integration.
    public var notIntegrated: Bool
    public var reason: String
    public var conditions: [ConditionResult]
    public var attempts: [ProbeAttempt]
    /// The platform's own timestamp of the last update, and our clock when the answer came.
    public var platformUpdatedAt: String?
    public var checkedAt: Date
    /// SHA-256 of the spec file that produced the verdict.
    public var specHash: String
    /// What the freshness condition observed and was judged with, so that an evaluation judges it again for its own
    /// as-of date (`judged(asOf:)`); absent from verdicts recorded before it existed, which count as they were judged.
    public var freshness: FreshnessTerms?

    public init(
        platform: Platform, probe: String, systemCode: String, target: String, outcome: VerdictOutcome,
        reason: String, checkedAt: Date, specHash: String
    ) {
        self.platform = platform
        self.probe = probe
        self.systemCode = systemCode
        self.target = target
        self.outcome = outcome
        self.reason = reason
        self.checkedAt = checkedAt
        self.specHash = specHash
        skipReason = nil
        notIntegrated = false
        conditions = []
        attempts = []
    }
}

/// Freshness of a catalog resource: stale when last update + 更新周期 + grace is before the as-of date.
public enum Freshness {
    /// Whether data last updated on `lastUpdate` is stale on `asOf` for a cycle of `cycleDays` and `graceDays`.
    public static func isStale(lastUpdate: CivilDate, cycleDays: Int, graceDays: Int, asOf: CivilDate) -> Bool {
        lastUpdate.adding(days: cycleDays + graceDays) < asOf
    }

    /// The freshness condition of `terms` judged for `asOf`, as a verdict shows it.
    public static func condition(_ terms: FreshnessTerms, expression: String, asOf: CivilDate) -> ConditionResult {
        let stale = isStale(lastUpdate: terms.lastUpdate, cycleDays: terms.cycleDays, graceDays: terms.graceDays, asOf: asOf)
        return ConditionResult(
            expression: expression,
            resolved: "\(terms.field) (\(terms.lastUpdate)) + \(terms.cycleDays)d + \(terms.graceDays)d \(stale ? "<" : ">=") \(asOf)",
            passed: !stale)
    }
}

/// What a freshness condition observed — the platform's last update of a resource — and the terms it was judged with.
public struct FreshnessTerms: Codable, Sendable, Equatable {
    /// The answer's field that held the last update.
    public var field: String
    /// The day (in China) of the platform's last update.
    public var lastUpdate: CivilDate
    /// The resource's 更新周期 in days, and the spec's grace days.
    public var cycleDays: Int
    public var graceDays: Int

    public init(field: String, lastUpdate: CivilDate, cycleDays: Int, graceDays: Int) {
        (self.field, self.lastUpdate, self.cycleDays, self.graceDays) = (field, lastUpdate, cycleDays, graceDays)
    }
}

extension Verdict {
    /// The verdict as of `asOf`. Whether data was fresh, how long a certificate had left, how old a feed was, are
    /// questions about the evaluation's day, not the probe's: the conditions that recorded such an observation
    /// (`freshness`, `ConditionResult.clock`) are judged again for `asOf` — a condition on time at the start of that
    /// day, China time, or when the probe ran if that was later — the other conditions stand as observed, and the
    /// outcome and reason follow. Any other verdict is as it was recorded.
    public func judged(asOf: CivilDate) -> Verdict {
        let freshIndex = freshness == nil ? nil : conditions.lastIndex(where: { $0.expression.hasPrefix("fresh(") })
        guard outcome == .pass || outcome == .fail, !notIntegrated, freshIndex != nil || conditions.contains(where: { $0.clock != nil })
        else { return self }
        var again = self
        if let freshness, let index = freshIndex {
            again.conditions[index] = Freshness.condition(freshness, expression: conditions[index].expression, asOf: asOf)
        }
        let moment = max(asOf.start(), checkedAt)
        for (index, condition) in conditions.enumerated() {
            guard let clock = condition.clock else { continue }
            again.conditions[index] = clock.result(expression: condition.expression, at: moment)
        }
        let failed = again.conditions.filter { !$0.passed }
        again.outcome = failed.isEmpty ? .pass : .fail
        again.reason = failed.isEmpty ? "全部条件满足" : "条件未满足：" + failed.map(\.resolved).joined(separator: "；")
        return again
    }
}

/// The status of an integration changes only after `threshold` consecutive verdicts that disagree with it.
public struct IntegrationStatus: Codable, Sendable, Equatable {
    public var status: VerdictOutcome
    public var candidate: VerdictOutcome?
    public var streak: Int

    public init(status: VerdictOutcome, candidate: VerdictOutcome? = nil, streak: Int = 0) {
        self.status = status
        self.candidate = candidate
        self.streak = streak
    }

    /// The status after one more conclusive verdict (pass or fail); other outcomes leave it as it is.
    public func next(_ outcome: VerdictOutcome, threshold: Int) -> IntegrationStatus {
        guard outcome == .pass || outcome == .fail else { return self }
        if outcome == status { return IntegrationStatus(status: status) }
        let streak = candidate == outcome ? self.streak + 1 : 1
        return streak >= threshold ? IntegrationStatus(status: outcome) : IntegrationStatus(status: status, candidate: outcome, streak: streak)
    }
}
