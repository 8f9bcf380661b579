import Foundation
import LedgerCore

/// What the simulated platforms know: which ids are registered, which resources are mounted, how fresh they
/// are (relative to the moment of the request, so a scenario never ages), and the faults to inject.
public struct Scenario: Codable, Sendable {
    public struct Item: Codable, Sendable {
        public var online: Bool
        public init(online: Bool) { self.online = online }
    }
    public struct App: Codable, Sendable {
        public var online: Bool
        public var activeUsers30d: Int
        public init(online: Bool, activeUsers30d: Int) {
            self.online = online
            self.activeUsers30d = activeUsers30d
        }
    }
    public struct Feed: Codable, Sendable {
        public var active: Bool
        public var hoursSinceLastPush: Double
        /// The push interval registered on the platform, ISO 8601 (`PT1H`, `P1D`, `P7D`); daily when absent.
        public var interval: String
        public init(active: Bool, hoursSinceLastPush: Double, interval: String = "P1D") {
            self.active = active
            self.hoursSinceLastPush = hoursSinceLastPush
            self.interval = interval
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            active = try c.decode(Bool.self, forKey: .active)
            hoursSinceLastPush = try c.decode(Double.self, forKey: .hoursSinceLastPush)
            interval = try c.decodeIfPresent(String.self, forKey: .interval) ?? "P1D"
        }
    }
    public struct NodeSystem: Codable, Sendable {
        public var registered: Bool
        public init(registered: Bool) { self.registered = registered }
    }
    public struct Org: Codable, Sendable {
        public var mountedResources: Int
        public init(mountedResources: Int) { self.mountedResources = mountedResources }
    }
    public struct Resource: Codable, Sendable {
        public var mounted: Bool
        public var records: Int
        public var daysSinceUpdate: Int
        public var calls30d: Int?
        public init(mounted: Bool, records: Int, daysSinceUpdate: Int, calls30d: Int? = nil) {
            self.mounted = mounted
            self.records = records
            self.daysSinceUpdate = daysSinceUpdate
            self.calls30d = calls30d
        }
    }

    /// The HMAC secret each platform accepts, by platform name; `$YBZ_<PLATFORM>_SECRET` overrides it.
    public var secrets: [String: String]
    public var aishandongItems: [String: Item] = [:]
    public var shandongtongApps: [String: App] = [:]
    public var citybrainFeeds: [String: Feed] = [:]
    public var countyNodeSystems: [String: NodeSystem] = [:]
    public var countyNodeResources: [String: Resource] = [:]
    public var sharingOrgs: [String: Org] = [:]
    public var sharingResources: [String: Resource] = [:]
    public var faults: [Fault] = []

    public init(secrets: [String: String]) { self.secrets = secrets }

    /// Every collection may be left out of a scenario file.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        secrets = try c.decode([String: String].self, forKey: .secrets)
        aishandongItems = try c.decodeIfPresent([String: Item].self, forKey: .aishandongItems) ?? [:]
        shandongtongApps = try c.decodeIfPresent([String: App].self, forKey: .shandongtongApps) ?? [:]
        citybrainFeeds = try c.decodeIfPresent([String: Feed].self, forKey: .citybrainFeeds) ?? [:]
        countyNodeSystems = try c.decodeIfPresent([String: NodeSystem].self, forKey: .countyNodeSystems) ?? [:]
        countyNodeResources = try c.decodeIfPresent([String: Resource].self, forKey: .countyNodeResources) ?? [:]
        sharingOrgs = try c.decodeIfPresent([String: Org].self, forKey: .sharingOrgs) ?? [:]
        sharingResources = try c.decodeIfPresent([String: Resource].self, forKey: .sharingResources) ?? [:]
        faults = try c.decodeIfPresent([Fault].self, forKey: .faults) ?? []
    }

    /// Reads a scenario file.
    public static func load(from url: URL) throws -> Scenario {
        do {
            return try JSONDecoder().decode(Scenario.self, from: Data(contentsOf: url))
        } catch let error as DecodingError {
            let issue = DecodingProblem.issue(for: error)
            throw LedgerError(.badRequest, "场景文件 \(url.lastPathComponent)：\(issue.field) \(issue.message)")
        }
    }
}

/// A fault injected into one platform's answers.
public struct Fault: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Adds `value` milliseconds to every answer.
        case latency
        /// Answers 503 to every request, health included: the platform is down.
        case down
        /// Answers 500 to the first `value` requests of each path, then normally (a transient error).
        case serverError = "server-error"
        /// Holds every answer `value` seconds (10 by default): longer than any client timeout.
        case timeout
        /// Answers 200 with a truncated JSON body.
        case malformed
        /// Answers 200 with an HTML page.
        case wrongContentType = "wrong-content-type"
        /// Every resource and feed is `value` days older than the scenario says.
        case stale
    }

    public var platform: Platform
    public var kind: Kind
    public var value: Double?

    public init(platform: Platform, kind: Kind, value: Double? = nil) {
        self.platform = platform
        self.kind = kind
        self.value = value
    }
}
