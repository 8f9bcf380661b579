import Connectors
import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerServer
import LedgerStore
import LedgerTestSupport
import Logging
import PlatformSimulator
import Services
import Testing

@Suite("Probe API with the simulator")
struct ProbeAPITests {
    @Test func aProbeRunThroughTheAPIIsRecordedAndQueryable() async throws {
        var scenario = Scenario(secrets: ["aishandong": "s-a", "sharing-platform": "s-s"])
        scenario.aishandongItems = ["370481000001": .init(online: true)]
        scenario.sharingOrgs = ["TZGX0001": .init(mountedResources: 1)]
        scenario.sharingResources = ["103003/000001": .init(mounted: true, records: 10, daysSinceUpdate: 0, calls30d: 3)]
        let simulator = try PlatformSimulator(scenario: scenario, environment: [:])
            .buildApplication(host: "127.0.0.1", port: 0, logger: Logger(label: "simulator"))
        let ledger = try await Fixtures.seededLedger()
        let transport = AsyncHTTPTransport()
        try await simulator.test(.live) { simulatorClient in
            let port = simulatorClient.port!
            let folder = Fixtures.catalog.connectorsURL(environment: [:])
            let specs = try ConnectorSpec.loadAll(from: folder).filter { [.aishandong, .sharingPlatform].contains($0.platform) }
                .map { $0.forTests(port: port) }
            let service = ProbeService(
                ledger: ledger, specs: specs, transport: transport,
                environment: ["YBZ_AISHANDONG_SECRET": "s-a", "YBZ_SHARING_PLATFORM_SECRET": "s-s"])
            let app = Application(router: buildRouter(ledger: ledger, probes: service))
            try await signedIn(ledger, app, .router) { client in
                let created = try await client.execute(
                    uri: "/api/v1/probe-runs", method: .post,
                    body: ByteBuffer(string: #"{"system":"TZ-SYS-001","asOf":"2026-11-26"}"#))
                #expect(created.status == .created)
                let detail = try JSONSerialization.jsonObject(with: Data(created.body.readableBytesView)) as! [String: Any]
                let verdicts = detail["verdicts"] as! [[String: Any]]
                // Instants are ISO 8601, as stored (not Foundation's default seconds since 2001).
                let checkedAt = (verdicts.first?["verdict"] as? [String: Any])?["checkedAt"] as? String
                #expect(checkedAt.flatMap { try? Date($0, strategy: .iso8601) } != nil)
                let outcomes = Dictionary(
                    verdicts.map {
                        (
                            ($0["verdict"] as! [String: Any])["probe"] as! String,
                            ($0["verdict"] as! [String: Any])["outcome"] as! String
                        )
                    }, uniquingKeysWith: { $1 })
                #expect(outcomes == ["service-item": "pass", "org-connected": "pass", "resource-shared": "pass"])
                #expect((detail["canaries"] as! [Any]).count == 2)
                let history = try await client.execute(uri: "/api/v1/systems/TZ-SYS-001/verdicts?platform=aishandong", method: .get)
                #expect((try JSONSerialization.jsonObject(with: Data(history.body.readableBytesView)) as! [Any]).count == 1)
                let integrations = try await client.execute(uri: "/api/v1/systems/TZ-SYS-001/integrations", method: .get)
                #expect((try JSONSerialization.jsonObject(with: Data(integrations.body.readableBytesView)) as! [Any]).count == 3)
                let runs = try await client.execute(uri: "/api/v1/probe-runs", method: .get)
                #expect((try JSONSerialization.jsonObject(with: Data(runs.body.readableBytesView)) as! [String: Any])["total"] as? Int == 1)
                let bad = try await client.execute(uri: "/api/v1/systems/TZ-SYS-001/verdicts?platform=wechat", method: .get)
                #expect(bad.status == .badRequest)
            }
        }
        try await transport.shutdown()
    }

    @Test func withoutConnectorsProbeRunsAreRefusedClearly() async throws {
        let ledger = try Fixtures.ledger()
        let app = Application(router: buildRouter(ledger: ledger))
        try await signedIn(ledger, app, .router) { client in
            let response = try await client.execute(uri: "/api/v1/probe-runs", method: .post)
            #expect(response.status == .conflict)
        }
    }
}
