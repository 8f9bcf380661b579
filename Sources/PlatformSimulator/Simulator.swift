import Connectors
import Foundation
import Hummingbird
import HummingbirdTLS
import LedgerCore
import Logging
import NIOCore
import NIOSSL

/// The simulator's mutable state: the scenario, the faults in force, and counts of requests per path.
actor SimulatorState {
    var scenario: Scenario
    var requests: [String: Int] = [:]

    init(scenario: Scenario) { self.scenario = scenario }

    func faults(for platform: Platform) -> [Fault] { scenario.faults.filter { $0.platform == platform } }
    func setFaults(_ faults: [Fault]) {
        scenario.faults = faults
        requests = [:]
    }
    func count(_ path: String) -> Int {
        requests[path, default: 0] += 1
        return requests[path]!
    }
}

/// Serves the contract of all five platforms (docs/connectors.md) on one port, under `/<platform>/…`, checks
/// request signatures, and injects faults. `POST /_control/faults` replaces the faults at run time.
public struct PlatformSimulator: Sendable {
    let state: SimulatorState
    let environment: [String: String]

    public init(scenario: Scenario, environment: [String: String] = ProcessInfo.processInfo.environment) {
        state = SimulatorState(scenario: scenario)
        self.environment = environment
    }

    /// The canary reference ids every platform knows.
    public static let canaryIds: [Platform: String] = [
        .aishandong: "370481-CANARY", .shandongtong: "sdt-CANARY", .citybrain: "cb-CANARY",
        .countyNode: "000000/CANARY", .sharingPlatform: "000000/CANARY"
    ]

    /// The secret a platform accepts: `$YBZ_<PLATFORM>_SECRET`, else the scenario's.
    func secret(_ platform: Platform) async -> String? {
        let name = "YBZ_\(platform.rawValue.uppercased().replacingOccurrences(of: "-", with: "_"))_SECRET"
        if let value = environment[name] { return value }
        return await state.scenario.secrets[platform.rawValue]
    }

    /// The router of the simulator.
    public func buildRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.post("_control/faults") { request, _ in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let faults = try JSONDecoder().decode([Fault].self, from: Data(buffer.readableBytesView))
            await state.setFaults(faults)
            return Response(status: .noContent)
        }
        for platform in Platform.allCases {
            router.get("\(platform.rawValue)/health") { request, _ in
                try await answer(platform, request) { _ in (200, .object(["status": .string("ok")])) }
            }
        }
        route(.aishandong, "items") { scenario, id, _ in
            if id == Self.canaryIds[.aishandong] { return (200, Self.data(["code": .string(id), "online": .bool(true)])) }
            guard let item = scenario.aishandongItems[id] else { return Self.unknown(id) }
            return (200, Self.data(["code": .string(id), "online": .bool(item.online)]))
        }
        route(.shandongtong, "apps") { scenario, id, _ in
            if id == Self.canaryIds[.shandongtong] {
                return (200, Self.data(["appId": .string(id), "online": .bool(true), "activeUsers30d": .int(1)]))
            }
            guard let app = scenario.shandongtongApps[id] else { return Self.unknown(id) }
            return (200, Self.data(["appId": .string(id), "online": .bool(app.online), "activeUsers30d": .int(Int64(app.activeUsers30d))]))
        }
        route(.citybrain, "feeds") { scenario, id, staleDays in
            let feed = id == Self.canaryIds[.citybrain] ? Scenario.Feed(active: true, hoursSinceLastPush: 1) : scenario.citybrainFeeds[id]
            guard let feed else { return Self.unknown(id) }
            let pushed = Date().addingTimeInterval(-(feed.hoursSinceLastPush + staleDays * 24) * 3600)
            return (
                200,
                Self.data([
                    "feedId": .string(id), "active": .bool(feed.active), "lastPush": .string(pushed.formatted(.iso8601)),
                    "interval": .string(feed.interval)
                ])
            )
        }
        route(.countyNode, "systems") { scenario, id, _ in
            guard let system = scenario.countyNodeSystems[id] else { return Self.unknown(id) }
            return (200, Self.data(["systemId": .string(id), "registered": .bool(system.registered)]))
        }
        route(.countyNode, "resources") { scenario, id, staleDays in
            Self.resource(id, id == Self.canaryIds[.countyNode] ? Self.canaryResource : scenario.countyNodeResources[id], staleDays: staleDays)
        }
        route(.sharingPlatform, "orgs") { scenario, id, _ in
            guard let org = scenario.sharingOrgs[id] else { return Self.unknown(id) }
            return (200, Self.data(["orgCode": .string(id), "mountedResources": .int(Int64(org.mountedResources))]))
        }
        route(.sharingPlatform, "resources") { scenario, id, staleDays in
            Self.resource(id, id == Self.canaryIds[.sharingPlatform] ? Self.canaryResource : scenario.sharingResources[id], staleDays: staleDays)
        }
        return router

        func route(
            _ platform: Platform, _ collection: String,
            _ lookup: @escaping @Sendable (Scenario, String, Double) -> (Int, JSONValue)
        ) {
            router.get("\(platform.rawValue)/\(collection)/:id") { request, context in
                let raw = try context.parameters.require("id")
                let id = raw.removingPercentEncoding ?? raw
                return try await answer(platform, request) { faults in
                    let stale = faults.first { $0.kind == .stale }?.value ?? 0
                    return lookup(await state.scenario, id, stale)
                }
            }
        }
    }

    static let canaryResource = Scenario.Resource(mounted: true, records: 1, daysSinceUpdate: 0, calls30d: 0)

    static func data(_ fields: [String: JSONValue]) -> JSONValue { .object(["data": .object(fields)]) }

    static func unknown(_ id: String) -> (Int, JSONValue) {
        (404, .object(["error": .object(["code": .string("not_found"), "message": .string("unknown id \(id)")])]))
    }

    static func resource(_ id: String, _ resource: Scenario.Resource?, staleDays: Double) -> (Int, JSONValue) {
        guard let resource else { return unknown(id) }
        let updated = Date().addingTimeInterval(-(Double(resource.daysSinceUpdate) + staleDays) * 86_400)
        var fields: [String: JSONValue] = [
            "code": .string(id), "mounted": .bool(resource.mounted),
            "records": .int(Int64(resource.records)), "lastUpdated": .string(updated.formatted(.iso8601))
        ]
        if let calls = resource.calls30d { fields["calls30d"] = .int(Int64(calls)) }
        return (200, data(fields))
    }

    /// Checks the signature, applies the platform's faults, and answers with the lookup's status and JSON.
    func answer(
        _ platform: Platform, _ request: Request,
        _ lookup: ([Fault]) async -> (Int, JSONValue)
    ) async throws -> Response {
        let faults = await state.faults(for: platform)
        if let latency = faults.first(where: { $0.kind == .latency })?.value {
            try await Task.sleep(nanoseconds: UInt64(latency * 1_000_000))
        }
        if let hold = faults.first(where: { $0.kind == .timeout }) {
            try await Task.sleep(nanoseconds: UInt64((hold.value ?? 10) * 1_000_000_000))
        }
        if faults.contains(where: { $0.kind == .down }) {
            return Self.json(503, .object(["error": .string("platform down")]))
        }
        guard let secret = await secret(platform) else { return Self.json(500, .object(["error": .string("no secret configured")])) }
        let header: (String) -> String? = { name in request.headers.first { $0.name.canonicalName == name.lowercased() }?.value }
        if let problem = RequestSigning.verify(
            headers: header, method: "GET",
            path: request.uri.path, secret: secret)
        {
            return Self.json(401, .object(["error": .string(problem)]))
        }
        if let failures = faults.first(where: { $0.kind == .serverError })?.value,
            await state.count(request.uri.path) <= Int(failures)
        {
            return Self.json(500, .object(["error": .string("internal error")]))
        }
        if faults.contains(where: { $0.kind == .wrongContentType }) {
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "<html><body>维护中</body></html>")))
        }
        let (status, body) = await lookup(faults)
        if faults.contains(where: { $0.kind == .malformed }) {
            let text = String(decoding: body.data, as: UTF8.self)
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: String(text.prefix(text.count / 2)))))
        }
        return Self.json(status, body)
    }

    static func json(_ status: Int, _ body: JSONValue) -> Response {
        Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.data)))
    }

    /// The application on `host:port`: HTTPS when `tls` is given (certificate and key), else plain HTTP.
    public func buildApplication(
        host: String, port: Int, tls: TLSConfiguration? = nil, logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        Application(
            router: buildRouter(), server: try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1(),
            configuration: .init(address: .hostname(host, port: port), serverName: "ybz-simulator"),
            onServerRunning: onServerRunning, logger: logger)
    }

    /// A server TLS configuration from PEM files; the error names the file that cannot be read.
    public static func tlsConfiguration(certificateFile: String, keyFile: String) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do { chain = try NIOSSLCertificate.fromPEMFile(certificateFile) } catch {
            throw LedgerError(.badRequest, "证书文件 \(certificateFile)：不是可读的PEM证书（\(error)）")
        }
        do { key = try NIOSSLPrivateKey(file: keyFile, format: .pem) } catch {
            throw LedgerError(.badRequest, "私钥文件 \(keyFile)：不是可读的PEM私钥（\(error)）")
        }
        return .makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    }
}
