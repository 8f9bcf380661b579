import Crypto
import Foundation
import LedgerCore
import Yams

/// What a probe iterates over for each system.
public enum Iteration: String, Sendable, CaseIterable {
    /// Once per system; `{id}` is the system code.
    case system
    /// Each 爱山东 service item code.
    case aishandongItems
    /// The 山东通 application id.
    case shandongtongApp
    /// Each 城市大脑 feed id.
    case citybrainFeeds
    /// The system's id on the county node.
    case countyNode
    /// The system's organisation code on the sharing platform.
    case sharingOrg
    /// Each catalog resource of the system that is not offline; `{id}` is its code, percent-encoded.
    case resources
    /// Each such resource that is shared (not 不予共享): what the sharing platform must carry (Art. 28).
    case sharedResources
}

/// A maintenance window in China Standard Time; `weekday` 1 = Monday … 7 = Sunday, `nil` every day.
public struct MaintenanceWindow: Sendable, Equatable {
    public var weekday: Int?
    public var fromMinute: Int
    public var toMinute: Int

    /// Whether `instant` falls inside the window.
    public func contains(_ instant: Date) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: instant)
        let isoWeekday = (parts.weekday! + 5) % 7 + 1
        let minute = parts.hour! * 60 + parts.minute!
        return (weekday == nil || weekday == isoWeekday) && minute >= fromMinute && minute < toMinute
    }
}

/// The freshness rule of a resource probe: the body field holding the platform's last update, and grace days.
public struct FreshnessRule: Sendable, Equatable {
    public var field: String
    public var graceDays: Int
}

/// One probe of a platform spec.
public struct ProbeSpec: Sendable {
    public var id: String
    public var name: String
    public var each: Iteration
    /// Path template below the base URL; `{id}` is replaced by the target.
    public var path: String
    public var conditions: [Condition]
    /// When any holds, the platform says the id is unknown or nothing is there: positive evidence of no integration.
    public var notIntegrated: [Condition]
    public var freshness: FreshnessRule?
}

/// The declarative contract of one platform, read from `connectors/<platform>.yaml`.
public struct ConnectorSpec: Sendable {
    public var platform: Platform
    public var name: String
    public var baseURL: String
    /// Environment variable that overrides `baseURL`.
    public var baseURLEnv: String?
    public var appKey: String
    /// Environment variable holding the HMAC secret (never the secret itself).
    public var secretEnv: String
    public var timeoutMs: Double
    public var retries: Int
    public var flipAfter: Int
    /// Application categories that must connect to the platform; `nil` means every system (Art. 22(7), 28).
    public var appliesTo: [String]?
    public var maintenance: [MaintenanceWindow]
    public var canaryHealth: String
    public var canaryReference: String
    public var canaryConditions: [Condition]
    public var probes: [ProbeSpec]
    /// SHA-256 of the file, stored with every result.
    public var hash: String
    public var file: String

    /// The base URL in force: the environment override or the spec's.
    public func resolvedBaseURL(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let url = baseURLEnv.flatMap { environment[$0] } ?? baseURL
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }
}

/// A spec file that cannot be used: names the file, the line and the reason.
public struct SpecError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int
    public var reason: String
    public var description: String { "\(file):\(line): \(reason)" }
}

extension ConnectorSpec {
    /// Loads every `*.yaml` in a folder, sorted by platform; each platform must appear once.
    public static func loadAll(from folder: URL) throws -> [ConnectorSpec] {
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "yaml" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
        var specs: [ConnectorSpec] = []
        for file in files {
            let spec = try load(from: file)
            if specs.contains(where: { $0.platform == spec.platform }) {
                throw SpecError(file: file.lastPathComponent, line: 1, reason: "平台 \(spec.platform.rawValue) 已由另一个文件定义")
            }
            specs.append(spec)
        }
        return specs.sorted { $0.platform < $1.platform }
    }

    /// Loads one spec file; a bad spec is refused with the file, the line and the reason.
    public static func load(from url: URL) throws -> ConnectorSpec {
        let data = try Data(contentsOf: url)
        let text = String(decoding: data, as: UTF8.self)
        let reader = SpecReader(file: url.lastPathComponent)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw reader.error(nil, "文件为空") }
            root = node
        } catch let error as SpecError {
            throw error
        } catch let error as YamlError {
            throw SpecError(file: url.lastPathComponent, line: Self.line(of: error), reason: "YAML 语法错误：\(error)")
        }
        let platformName = try reader.string(root, "platform")
        guard let platform = Platform(rawValue: platformName.value) else {
            throw reader.error(platformName.node, "未知平台“\(platformName.value)”（可用：\(Platform.allCases.map(\.rawValue).joined(separator: ", "))）")
        }
        let auth = try reader.required(root, "auth")
        let scheme = try reader.string(auth, "scheme")
        guard scheme.value == "hmac-sha256" else { throw reader.error(scheme.node, "只支持 hmac-sha256 签名") }
        if auth["secret"] != nil { throw reader.error(auth["secret"], "密钥不得写入文件：请用 secretEnv 指定环境变量名") }
        let canary = try reader.required(root, "canary")
        let probesNode = try reader.required(root, "probes")
        guard let probeNodes = probesNode.sequence, !probeNodes.isEmpty else { throw reader.error(probesNode, "probes 应为非空列表") }
        var probes: [ProbeSpec] = []
        for node in probeNodes {
            let id = try reader.string(node, "id").value
            if probes.contains(where: { $0.id == id }) { throw reader.error(node, "探针 id “\(id)” 重复") }
            let each = try reader.string(node, "each")
            guard let iteration = Iteration(rawValue: each.value) else {
                throw reader.error(each.node, "each 应为 \(Iteration.allCases.map(\.rawValue).joined(separator: "、"))")
            }
            var freshness: FreshnessRule?
            if let fresh = node["freshness"] {
                freshness = FreshnessRule(
                    field: try reader.string(fresh, "field").value,
                    graceDays: try reader.duration(fresh, "grace", default: 0).map { Int($0 / 86_400_000) } ?? 0)
            }
            probes.append(
                ProbeSpec(
                    id: id, name: try reader.string(node, "name").value, each: iteration,
                    path: try reader.string(node, "path").value, conditions: try reader.conditions(node, "conditions"),
                    notIntegrated: try node["notIntegrated"] == nil ? [] : reader.conditions(node, "notIntegrated"), freshness: freshness))
        }
        var windows: [MaintenanceWindow] = []
        for node in root["maintenance"]?.sequence ?? [] {
            windows.append(try reader.window(node))
        }
        let hash = Hex.string(SHA256.hash(data: data))
        return ConnectorSpec(
            platform: platform, name: try reader.string(root, "name").value, baseURL: try reader.string(root, "baseURL").value,
            baseURLEnv: root["baseURLEnv"]?.string, appKey: try reader.string(auth, "appKey").value,
            secretEnv: try reader.string(auth, "secretEnv").value,
            timeoutMs: try reader.duration(root, "timeout", default: 2000) ?? 2000,
            retries: try reader.int(root, "retries", default: 2, range: 0...5),
            flipAfter: try reader.int(root, "flipAfter", default: 2, range: 1...10),
            appliesTo: root["appliesTo"]?.sequence?.compactMap(\.string), maintenance: windows,
            canaryHealth: try reader.string(canary, "health").value, canaryReference: try reader.string(canary, "reference").value,
            canaryConditions: try reader.conditions(canary, "conditions"), probes: probes, hash: hash, file: url.lastPathComponent)
    }

    private static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return 1
        }
    }
}

/// Typed reads from YAML nodes that fail with the file and line.
struct SpecReader {
    let file: String

    func error(_ node: Node?, _ reason: String) -> SpecError {
        SpecError(file: file, line: node?.mark?.line ?? 1, reason: reason)
    }

    func required(_ node: Node, _ key: String) throws -> Node {
        guard let value = node[key] else { throw error(node, "缺少字段 \(key)") }
        return value
    }

    func string(_ node: Node, _ key: String) throws -> (value: String, node: Node) {
        let value = try required(node, key)
        guard let text = value.string, !text.isEmpty else { throw error(value, "\(key) 应为非空文本") }
        return (text, value)
    }

    func int(_ node: Node, _ key: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let value = node[key] else { return fallback }
        guard let number = value.int, range.contains(number) else { throw error(value, "\(key) 应为 \(range.lowerBound)-\(range.upperBound) 的整数") }
        return number
    }

    /// A duration (`2s`, `500ms`, `1d`) in milliseconds.
    func duration(_ node: Node, _ key: String, default fallback: Double?) throws -> Double? {
        guard let value = node[key] else { return fallback }
        // `try?`: any text that is no positive duration gets the one message below.
        guard let text = value.string, case .duration(let ms)? = try? Condition.literal(text), ms > 0 else {  // no duration: the error below
            throw error(value, "\(key) 应为时长，如 500ms、2s、1d")
        }
        return ms
    }

    func condition(_ node: Node) throws -> Condition {
        guard let text = node.string else { throw error(node, "条件应为文本") }
        do {
            return try Condition(text)
        } catch let problem as ConditionError {
            throw error(node, "条件无效：\(problem.description)")
        }
    }

    func conditions(_ node: Node, _ key: String) throws -> [Condition] {
        let list = try required(node, key)
        guard let items = list.sequence, !items.isEmpty else { throw error(list, "\(key) 应为非空条件列表") }
        return try items.map(condition)
    }

    func window(_ node: Node) throws -> MaintenanceWindow {
        func minutes(_ key: String) throws -> Int {
            let (text, valueNode) = try string(node, key)
            let parts = text.split(separator: ":").compactMap { Int($0) }
            guard parts.count == 2, (0...24).contains(parts[0]), (0..<60).contains(parts[1]) else {
                throw error(valueNode, "\(key) 应为 HH:mm")
            }
            return parts[0] * 60 + parts[1]
        }
        let weekday = node["weekday"]?.int
        if let weekday, !(1...7).contains(weekday) { throw error(node["weekday"], "weekday 应为 1（周一）到 7（周日）") }
        let window = MaintenanceWindow(weekday: weekday, fromMinute: try minutes("from"), toMinute: try minutes("to"))
        guard window.fromMinute < window.toMinute else { throw error(node, "维护窗口的 from 应早于 to") }
        return window
    }
}
