import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerTestSupport
import Logging
import PlatformSimulator
import Testing

@testable import Connectors

/// A small ledger and a scenario that covers every verdict.
enum ProbeFixture {
    static let secrets = Dictionary(uniqueKeysWithValues: Platform.allCases.map { ($0.rawValue, "secret-\($0.rawValue)") })
    static let asOf = CivilDate(Date())

    static var systems: [InfoSystem] {
        var service = Fixtures.system(code: "S1")
        service.platformIds = PlatformIds(aishandongItems: ["I-OK", "I-OFF", "I-UNKNOWN"], countyNodeId: "N1", sharingOrgCode: "ORG1")
        var office = Fixtures.system(code: "S2")
        office.appCategories = ["数字机关类"]
        office.platformIds = PlatformIds(shandongtongAppId: "A1", countyNodeId: "N2", sharingOrgCode: "ORG-EMPTY")
        var unregistered = Fixtures.system(code: "S3")
        unregistered.appCategories = ["数字机关类"]
        unregistered.platformIds = PlatformIds()
        var decision = Fixtures.system(code: "S4")
        decision.appCategories = ["辅助决策类"]
        decision.platformIds = PlatformIds(citybrainFeeds: ["F-FRESH", "F-OLD", "F-WEEKLY", "F-HOURLY-LATE"])
        var building = Fixtures.system(code: "S5")
        building.status = .building
        return [service, office, unregistered, decision, building]
    }

    static var resources: [String: [CatalogResource]] {
        func resource(_ code: String, cycle: String = "每月") -> CatalogResource {
            var r = Fixtures.resource(code: code, system: "S1")
            r.updateCycle = cycle
            return r
        }
        return [
            "S1": [
                resource("101001/000001"), resource("101001/000002"), resource("101001/000003"),
                resource("101001/000004"), resource("101001/000005", cycle: "其他")
            ]
        ]
    }

    static var scenario: Scenario {
        var scenario = Scenario(secrets: secrets)
        scenario.aishandongItems = ["I-OK": .init(online: true), "I-OFF": .init(online: false)]
        scenario.shandongtongApps = ["A1": .init(online: true, activeUsers30d: 5)]
        scenario.citybrainFeeds = [
            "F-FRESH": .init(active: true, hoursSinceLastPush: 1), "F-OLD": .init(active: true, hoursSinceLastPush: 48),
            "F-WEEKLY": .init(active: true, hoursSinceLastPush: 100, interval: "P7D"),
            "F-HOURLY-LATE": .init(active: true, hoursSinceLastPush: 5, interval: "PT1H")
        ]
        scenario.countyNodeSystems = ["N1": .init(registered: true), "N2": .init(registered: true)]
        let fresh = Scenario.Resource(mounted: true, records: 100, daysSinceUpdate: 2, calls30d: 9)
        let resources: [String: Scenario.Resource] = [
            "101001/000001": fresh,
            "101001/000002": .init(mounted: true, records: 100, daysSinceUpdate: 40, calls30d: 0),
            "101001/000003": .init(mounted: false, records: 0, daysSinceUpdate: 0, calls30d: 0),
            "101001/000004": .init(mounted: true, records: 0, daysSinceUpdate: 1, calls30d: 0),
            "101001/000005": .init(mounted: true, records: 5, daysSinceUpdate: 400, calls30d: 1)
        ]
        scenario.countyNodeResources = resources
        scenario.sharingResources = resources
        scenario.sharingOrgs = ["ORG1": .init(mountedResources: 4), "ORG-EMPTY": .init(mountedResources: 0)]
        return scenario
    }

    /// The shipped specs pointed at the simulator (`ConnectorSpec.forTests`).
    static func specs(port: Int, timeoutMs: Double = 5000, retries: Int = 1) throws -> [ConnectorSpec] {
        try ConnectorSpec.loadAll(from: SpecTests.folder).map { $0.forTests(port: port, timeoutMs: timeoutMs, retries: retries) }
    }

    static var environment: [String: String] {
        Dictionary(
            uniqueKeysWithValues: Platform.allCases.map { platform in
                ("YBZ_\(platform.rawValue.uppercased().replacingOccurrences(of: "-", with: "_"))_SECRET", "secret-\(platform.rawValue)")
            })
    }

    /// Runs `body` with the simulator listening on a loopback port and a transport to reach it.
    static func withSimulator(
        _ scenario: Scenario = scenario,
        _ body: @escaping @Sendable (Int, AsyncHTTPTransport, TestClientProtocol) async throws -> Void
    ) async throws {
        let simulator = PlatformSimulator(scenario: scenario, environment: [:])
        let app = try simulator.buildApplication(host: "127.0.0.1", port: 0, logger: Logger(label: "simulator"))
        let transport = AsyncHTTPTransport()
        do {
            try await app.test(.live) { client in
                try await body(client.port!, transport, client)
            }
        } catch {
            try await transport.shutdown()
            throw error
        }
        try await transport.shutdown()
    }

    static func run(
        port: Int, transport: AsyncHTTPTransport, specs: [ConnectorSpec]? = nil,
        environment: [String: String] = environment
    ) async throws -> ProbeRunResult {
        let engine = ProbeEngine(specs: try specs ?? Self.specs(port: port), transport: transport, environment: environment)
        return await engine.run(ProbeInput(systems: systems, resources: resources, asOf: asOf, codes: Fixtures.codes))
    }

    static func setFaults(_ faults: [Fault], _ client: TestClientProtocol) async throws {
        let body = ByteBuffer(bytes: try JSONEncoder().encode(faults))
        let response = try await client.execute(uri: "/_control/faults", method: .post, headers: [:], body: body)
        #expect(response.status == .noContent)
    }
}

extension ProbeRunResult {
    func verdict(_ platform: Platform, _ system: String, _ target: String? = nil, probe: String? = nil) -> Verdict? {
        verdicts.first {
            $0.platform == platform && $0.systemCode == system && (target == nil || $0.target == target)
                && (probe == nil || $0.probe == probe)
        }
    }
}

@Suite("Probe engine against the simulator over loopback", .serialized)
struct EngineTests {
    @Test func everyVerdictFromAHealthyPlatform() async throws {
        try await ProbeFixture.withSimulator { port, transport, _ in
            let run = try await ProbeFixture.run(port: port, transport: transport)
            #expect(run.canaries.count == 5)
            #expect(run.canaries.allSatisfy { $0.outcome == .pass })
            #expect(run.verdict(.aishandong, "S1", "I-OK")?.outcome == .pass)
            let offline = run.verdict(.aishandong, "S1", "I-OFF")
            #expect(offline?.outcome == .fail)
            #expect(offline?.notIntegrated == false)
            #expect(offline?.conditions.contains { $0.resolved == "body.data.online (false) == true" } == true)
            let unknown = run.verdict(.aishandong, "S1", "I-UNKNOWN")
            #expect(unknown?.outcome == .fail)
            #expect(unknown?.notIntegrated == true)
            #expect(unknown?.reason.contains("status (404) == 404") == true)
            #expect(run.verdict(.aishandong, "S2")?.outcome == .notApplicable)
            #expect(run.verdict(.shandongtong, "S2", "A1")?.outcome == .pass)
            let missingId = run.verdict(.shandongtong, "S3")
            #expect(missingId?.outcome == .fail)
            #expect(missingId?.reason.contains("一本账未登记山东通应用ID") == true)
            #expect(run.verdict(.citybrain, "S4", "F-FRESH")?.outcome == .pass)
            #expect(run.verdict(.citybrain, "S4", "F-OLD")?.outcome == .fail)
            #expect(run.verdict(.citybrain, "S4", "F-WEEKLY")?.outcome == .pass)
            #expect(run.verdict(.citybrain, "S4", "F-HOURLY-LATE")?.outcome == .fail)
            #expect(run.verdict(.countyNode, "S5")?.outcome == .notApplicable)
            #expect(run.verdict(.sharingPlatform, "S2", "ORG-EMPTY")?.notIntegrated == true)
            let attempts = run.verdict(.aishandong, "S1", "I-OK")!.attempts
            #expect(attempts.count == 1)
            #expect(attempts[0].status == 200)
            #expect(attempts[0].bodySHA256?.count == 64)
            #expect(attempts[0].bodySnippet?.contains("\"online\":true") == true)
            #expect(run.verdicts.allSatisfy { $0.specHash.count == 64 })
        }
    }

    @Test func catalogResourcesAreMountedFilledAndFresh() async throws {
        try await ProbeFixture.withSimulator { port, transport, _ in
            let run = try await ProbeFixture.run(port: port, transport: transport)
            for platform in [Platform.countyNode, .sharingPlatform] {
                #expect(run.verdict(platform, "S1", "101001/000001")?.outcome == .pass)
                let stale = run.verdict(platform, "S1", "101001/000002")
                #expect(stale?.outcome == .fail)
                #expect(stale?.platformUpdatedAt != nil)
                #expect(stale?.conditions.last?.resolved.contains("+ 31d + 1d <") == true)
                // The observation is kept, so that an evaluation judges it for its own as-of date.
                let terms = try #require(stale?.freshness)
                #expect(terms.cycleDays == 31 && terms.graceDays == 1)
                #expect(
                    stale?.judged(asOf: terms.lastUpdate).outcome == .pass && stale?.judged(asOf: terms.lastUpdate.adding(days: 40)).outcome == .fail)
                let unmounted = run.verdict(platform, "S1", "101001/000003")
                #expect(unmounted?.outcome == .fail)
                #expect(unmounted?.notIntegrated == true)
                #expect(run.verdict(platform, "S1", "101001/000004")?.outcome == .fail)
                #expect(run.verdict(platform, "S1", "101001/000005")?.outcome == .pass)  // 其他: no cycle, no staleness
            }
        }
    }

    @Test func aPlatformThatIsDownIsSkippedNotFailed() async throws {
        try await ProbeFixture.withSimulator { port, transport, client in
            try await ProbeFixture.setFaults([Fault(platform: .aishandong, kind: .down)], client)
            let run = try await ProbeFixture.run(port: port, transport: transport)
            #expect(run.canaries.first { $0.platform == .aishandong }?.outcome == .error)
            var probed: [Verdict] = []
            for verdict in run.verdicts where verdict.platform == .aishandong && verdict.outcome != .notApplicable {
                probed.append(verdict)
            }
            #expect(probed.count == 3)
            for verdict in probed {
                #expect(verdict.outcome == .skipped)
                #expect(verdict.skipReason == .platformUnavailable)
            }
            #expect(run.verdict(.shandongtong, "S2", "A1")?.outcome == .pass)
        }
    }

    @Test func timeoutsAreErrorsAfterRetriesNeverFailures() async throws {
        try await ProbeFixture.withSimulator { port, transport, client in
            let specs = try ProbeFixture.specs(port: port, timeoutMs: 300, retries: 1).filter { $0.platform == .shandongtong }
            // The canary passes first, then every answer is slower than the timeout.
            let canaryFirst = try await ProbeFixture.run(port: port, transport: transport, specs: specs)
            #expect(canaryFirst.verdict(.shandongtong, "S2", "A1")?.outcome == .pass)
            try await ProbeFixture.setFaults([Fault(platform: .shandongtong, kind: .latency, value: 800)], client)
            let engine = ProbeEngine(specs: specs, transport: transport, environment: ProbeFixture.environment)
            let spec = specs[0]
            let input = ProbeInput(systems: ProbeFixture.systems, resources: [:], asOf: ProbeFixture.asOf, codes: Fixtures.codes)
            let targets = engine.plan(spec, input).0
            let verdict = await engine.probe(targets.first { $0.id == "A1" }!, asOf: ProbeFixture.asOf, codes: Fixtures.codes)
            #expect(verdict.outcome == .error)
            #expect(!verdict.notIntegrated)
            #expect(verdict.attempts.count == 2)
            #expect(verdict.attempts.allSatisfy { $0.error == "timeout" })
        }
    }

    @Test func aPlatformThatNeverAnswersIsAnErrorWithEveryAttemptTimedOut() async throws {
        try await ProbeFixture.withSimulator { port, transport, client in
            let specs = try ProbeFixture.specs(port: port, timeoutMs: 200, retries: 1).filter { $0.platform == .citybrain }
            try await ProbeFixture.setFaults([Fault(platform: .citybrain, kind: .timeout, value: 1)], client)
            let run = try await ProbeFixture.run(port: port, transport: transport, specs: specs)
            let canary = run.canaries[0]
            #expect(canary.outcome == .error)
            #expect(canary.attempts.map(\.error) == ["timeout", "timeout"])
            #expect(run.verdict(.citybrain, "S4", "F-FRESH")?.skipReason == .platformUnavailable)
        }
    }

    @Test func transientServerErrorsAreRetriedFailedConditionsAreNot() async throws {
        try await ProbeFixture.withSimulator { port, transport, client in
            let specs = try ProbeFixture.specs(port: port, retries: 2).filter { $0.platform == .aishandong }
            let engine = ProbeEngine(specs: specs, transport: transport, environment: ProbeFixture.environment)
            let input = ProbeInput(systems: ProbeFixture.systems, resources: [:], asOf: ProbeFixture.asOf, codes: Fixtures.codes)
            let targets = engine.plan(specs[0], input).0
            try await ProbeFixture.setFaults([Fault(platform: .aishandong, kind: .serverError, value: 1)], client)
            let recovered = await engine.probe(targets.first { $0.id == "I-OK" }!, asOf: ProbeFixture.asOf, codes: nil)
            #expect(recovered.outcome == .pass)
            #expect(recovered.attempts.map(\.status) == [500, 200])
            let failed = await engine.probe(targets.first { $0.id == "I-OFF" }!, asOf: ProbeFixture.asOf, codes: nil)
            #expect(failed.outcome == .fail)
            #expect(failed.attempts.count == 2)  // one 500, then the failing answer, which is not retried
            try await ProbeFixture.setFaults([Fault(platform: .aishandong, kind: .serverError, value: 10)], client)
            let exhausted = await engine.probe(targets.first { $0.id == "I-OK" }!, asOf: ProbeFixture.asOf, codes: nil)
            #expect(exhausted.outcome == .error)
            #expect(exhausted.attempts.count == 3)
        }
    }

    @Test(arguments: [Fault.Kind.malformed, .wrongContentType])
    func unreadableAnswersAreErrors(kind: Fault.Kind) async throws {
        try await ProbeFixture.withSimulator { port, transport, client in
            let specs = try ProbeFixture.specs(port: port).filter { $0.platform == .aishandong }
            let engine = ProbeEngine(specs: specs, transport: transport, environment: ProbeFixture.environment)
            let input = ProbeInput(systems: ProbeFixture.systems, resources: [:], asOf: ProbeFixture.asOf, codes: Fixtures.codes)
            try await ProbeFixture.setFaults([Fault(platform: .aishandong, kind: kind)], client)
            let verdict = await engine.probe(engine.plan(specs[0], input).0.first { $0.id == "I-OK" }!, asOf: ProbeFixture.asOf, codes: nil)
            #expect(verdict.outcome == .error)
            #expect(verdict.reason.contains("不是有效的JSON"))
        }
    }

    @Test func staleDataFailsFreshness() async throws {
        try await ProbeFixture.withSimulator { port, transport, client in
            try await ProbeFixture.setFaults([Fault(platform: .countyNode, kind: .stale, value: 60)], client)
            let run = try await ProbeFixture.run(port: port, transport: transport)
            #expect(run.verdict(.countyNode, "S1", "101001/000001")?.outcome == .fail)
            #expect(run.verdict(.sharingPlatform, "S1", "101001/000001")?.outcome == .pass)
        }
    }

    @Test func aWrongSecretIsAnAuthenticationErrorAndAMissingOneIsSaid() async throws {
        try await ProbeFixture.withSimulator { port, transport, _ in
            var environment = ProbeFixture.environment
            environment["YBZ_SHANDONGTONG_SECRET"] = "wrong"
            environment["YBZ_CITYBRAIN_SECRET"] = nil
            let run = try await ProbeFixture.run(port: port, transport: transport, environment: environment)
            let canary = run.canaries.first { $0.platform == .shandongtong }
            #expect(canary?.outcome == .error)
            #expect(canary?.reason.contains("401") == true)
            #expect(run.canaries.first { $0.platform == .citybrain }?.reason.contains("YBZ_CITYBRAIN_SECRET") == true)
            #expect(run.verdict(.aishandong, "S1", "I-OK")?.outcome == .pass)
        }
    }

    @Test func maintenanceWindowsSkipThePlatform() async throws {
        try await ProbeFixture.withSimulator { port, transport, _ in
            var specs = try ProbeFixture.specs(port: port)
            specs[0].maintenance = [MaintenanceWindow(weekday: nil, fromMinute: 0, toMinute: 24 * 60)]
            let run = try await ProbeFixture.run(port: port, transport: transport, specs: specs)
            let verdict = run.verdict(specs[0].platform, "S1", "I-OK")
            #expect(verdict?.outcome == .skipped)
            #expect(verdict?.skipReason == .maintenance)
        }
    }
}
