import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

@testable import Connectors

func response(_ status: Int, _ body: String, elapsedMs: Double = 12) -> ProbeResponse {
    ProbeResponse(
        status: status, headers: ["content-type": "application/json"], body: Array(body.utf8),
        elapsedMs: elapsedMs, receivedAt: Date())
}

@Suite("Conditions")
struct ConditionTests {
    @Test func evaluatesWithTheResolvedValue() throws {
        let result = try Condition("status == 200").evaluate(response(404, "{}"))
        #expect(!result.passed)
        #expect(result.resolved == "status (404) == 200")
        let online = try Condition("body.data.online == true").evaluate(response(200, #"{"data":{"online":true}}"#))
        #expect(online.passed)
        #expect(try Condition("elapsed < 2s").evaluate(response(200, "{}", elapsedMs: 2500)).resolved == "elapsed (2.5s) < 2s")
        #expect(try Condition("elapsed < 2s").evaluate(response(200, "{}", elapsedMs: 850)).resolved == "elapsed (850ms) < 2s")
        #expect(try Condition("body.items.len > 0").evaluate(response(200, #"{"items":[1,2]}"#)).passed)
        #expect(try !Condition("body.items.len > 0").evaluate(response(200, #"{"items":[]}"#)).passed)
        #expect(try Condition("body.data.name == \"爱山东\"").evaluate(response(200, #"{"data":{"name":"爱山东"}}"#)).passed)
    }

    @Test func missingFieldsFailAndAreShown() throws {
        let result = try Condition("body.data.records > 0").evaluate(response(200, "{}"))
        #expect(!result.passed)
        #expect(result.resolved == "body.data.records (missing) > 0")
    }

    @Test func ageComparesTimestampsWithTheClock() throws {
        let recent = Date().addingTimeInterval(-3600).formatted(.iso8601)
        let old = Date().addingTimeInterval(-30 * 3600).formatted(.iso8601)
        #expect(try Condition("age.data.lastPush < 26h").evaluate(response(200, #"{"data":{"lastPush":"\#(recent)"}}"#)).passed)
        #expect(try !Condition("age.data.lastPush < 26h").evaluate(response(200, #"{"data":{"lastPush":"\#(old)"}}"#)).passed)
    }

    /// How long a certificate had left and how old a feed was are judged for the evaluation's day: the probe records
    /// what it observed (`ClockTerms`), and `Verdict.judged(asOf:)` measures from the start of that day, China time,
    /// or from the probe when it ran later that day (issue 16).
    @Test func conditionsOnTimeAreJudgedForTheEvaluationsDay() throws {
        let probed = Date(timeIntervalSince1970: 1_780_279_200)  // 2026-06-01 10:00 China time
        var answer = response(200, #"{"data":{"lastPush":"\#(probed.addingTimeInterval(-2 * 3600).formatted(.iso8601))","interval":"P1D"}}"#)
        answer.receivedAt = probed
        answer.tlsExpiresAt = probed.addingTimeInterval(20 * 86_400)
        let conditions = try ["cert.expiresIn > 14d", "age.data.lastPush < body.data.interval + 2h", "status == 200"].map {
            try Condition($0).evaluate(answer)
        }
        #expect(conditions.allSatisfy { $0.passed })
        #expect(conditions.map { $0.clock?.subject } == ["cert.expiresIn", "age.data.lastPush", nil])
        var verdict = Verdict(
            platform: .aishandong, probe: "service-item", systemCode: "S", target: "T", outcome: .pass, reason: "全部条件满足",
            checkedAt: probed, specHash: "")
        verdict.conditions = conditions
        // The day of the probe: as observed. Two days on: the feed is 40 hours old. Ten days on: 10.4 days left.
        #expect(verdict.judged(asOf: CivilDate("2026-06-01")!) == verdict)
        let later = verdict.judged(asOf: CivilDate("2026-06-03")!)
        #expect(later.outcome == .fail && later.conditions.map(\.passed) == [true, false, true])
        #expect(later.reason == "条件未满足：age.data.lastPush (40h) < body.data.interval + 2h (26h)")
        let expiring = verdict.judged(asOf: CivilDate("2026-06-11")!)
        #expect(expiring.conditions[0].resolved == "cert.expiresIn (10.4d) > 14d" && !expiring.conditions[0].passed)
        // A verdict recorded before conditions kept their observations stands as recorded.
        var recorded = verdict
        recorded.conditions = conditions.map { ConditionResult(expression: $0.expression, resolved: $0.resolved, passed: $0.passed) }
        #expect(recorded.judged(asOf: CivilDate("2026-06-11")!) == recorded)
    }

    @Test func eachFeedIsJudgedAgainstTheIntervalItStates() throws {
        func feed(hoursAgo: Double, interval: String) -> ProbeResponse {
            let pushed = Date().addingTimeInterval(-hoursAgo * 3600).formatted(.iso8601)
            return response(200, #"{"data":{"lastPush":"\#(pushed)","interval":"\#(interval)"}}"#)
        }
        let condition = try Condition("age.data.lastPush < body.data.interval + 2h")
        #expect(condition.evaluate(feed(hoursAgo: 3.5, interval: "PT1H")).passed == false)
        #expect(condition.evaluate(feed(hoursAgo: 2.5, interval: "PT1H")).passed)
        #expect(condition.evaluate(feed(hoursAgo: 2.5, interval: "P1D")).passed)
        #expect(condition.evaluate(feed(hoursAgo: 100, interval: "P7D")).passed)
        #expect(condition.evaluate(feed(hoursAgo: 27, interval: "1d")).passed == false)
        let shown = condition.evaluate(feed(hoursAgo: 30, interval: "P1D"))
        #expect(shown.resolved.hasPrefix("age.data.lastPush (30h) < body.data.interval + 2h (26h)"))
        let unstated = condition.evaluate(response(200, #"{"data":{"lastPush":"2026-01-01T00:00:00Z"}}"#))
        #expect(!unstated.passed)
        #expect(unstated.resolved.hasSuffix("(missing)"))
        let scaled = try Condition("age.data.lastPush <= body.data.interval * 1.5")
        #expect(scaled.evaluate(feed(hoursAgo: 1.4, interval: "PT1H")).passed)
        #expect(!scaled.evaluate(feed(hoursAgo: 1.6, interval: "PT1H")).passed)
    }

    @Test(arguments: ["PT15M": 900_000.0, "PT1H30M": 5_400_000, "P1D": 86_400_000, "P1W": 604_800_000, "2h": 7_200_000])
    func readsPlatformDurations(_ text: String, _ ms: Double) {
        #expect(DurationText.milliseconds(text) == ms)
    }

    @Test(arguments: [
        "status = 200", "speed < 3", "status < true", "status == maybe", "body. == 1",
        "age.data.lastPush < body.data.interval + fast", "age.data.lastPush < body.data.interval * 2h",
        "age.data.lastPush < body.data.interval +"
    ])
    func refusesMalformedConditions(_ text: String) {
        #expect(throws: ConditionError.self) { try Condition(text) }
    }
}

@Suite("Connector specs")
struct SpecTests {
    static let folder = Fixtures.catalog.url.deletingLastPathComponent().appendingPathComponent("connectors")

    @Test func everyShippedSpecLoads() throws {
        let specs = try ConnectorSpec.loadAll(from: Self.folder)
        #expect(specs.map(\.platform) == Platform.allCases)
        for spec in specs {
            #expect(spec.hash.count == 64)
            #expect(!spec.probes.isEmpty)
            #expect(spec.secretEnv.hasPrefix("YBZ_"))
        }
        let county = specs.first { $0.platform == .countyNode }!
        #expect(county.probes.contains { $0.each == .resources && $0.freshness?.graceDays == 1 })
        #expect(specs.first { $0.platform == .aishandong }?.appliesTo == ["政务服务类"])
    }

    func load(_ yaml: String) throws -> ConnectorSpec {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("bad.yaml")
        try Data(yaml.utf8).write(to: url)
        return try ConnectorSpec.load(from: url)
    }

    var valid: String { try! String(contentsOf: Self.folder.appendingPathComponent("aishandong.yaml"), encoding: .utf8) }

    @Test func aBadConditionIsRefusedWithItsLine() throws {
        let broken = valid.replacingOccurrences(
            of: "      - body.data.online == true\n      - elapsed < 2s", with: "      - body.data.online == true\n      - elapsed <= fast")
        let line = broken.components(separatedBy: "\n").firstIndex { $0.contains("elapsed <= fast") }! + 1
        let error = #expect(throws: SpecError.self) { try load(broken) }
        #expect(error?.file == "bad.yaml")
        #expect(error?.line == line)
        #expect(error?.reason.contains("条件无效") == true)
    }

    @Test func aSecretInTheFileIsRefused() throws {
        let broken = valid.replacingOccurrences(
            of: "  secretEnv: YBZ_AISHANDONG_SECRET", with: "  secretEnv: YBZ_AISHANDONG_SECRET\n  secret: abc123")
        let error = #expect(throws: SpecError.self) { try load(broken) }
        #expect(error?.reason.contains("密钥不得写入文件") == true)
    }

    @Test func unknownPlatformsAndBadYAMLAreRefused() throws {
        let unknown = #expect(throws: SpecError.self) { try load(valid.replacingOccurrences(of: "platform: aishandong", with: "platform: wechat")) }
        #expect(unknown?.line == 3)
        let syntax = #expect(throws: SpecError.self) { try load("platform: aishandong\nprobes: [\n") }
        #expect(syntax?.reason.contains("YAML") == true)
    }
}

@Suite("Flip threshold and freshness")
struct StatusTests {
    @Test func statusFlipsOnlyAfterConsecutiveResults() {
        var status = IntegrationStatus(status: .pass)
        status = status.next(.fail, threshold: 2)
        #expect(status.status == .pass)
        status = status.next(.pass, threshold: 2)
        #expect(status == IntegrationStatus(status: .pass))
        status = status.next(.fail, threshold: 2).next(.error, threshold: 2).next(.fail, threshold: 2)
        #expect(status.status == .fail)
    }

    @Test(arguments: [
        ("每日", 1, "2026-11-24", false), ("每日", 1, "2026-11-23", true), ("每周", 7, "2026-11-18", false),
        ("每周", 7, "2026-11-17", true), ("每月", 31, "2026-10-25", false), ("每季度", 92, "2026-08-25", false),
        ("每季度", 92, "2026-08-24", true)
    ])
    func freshnessPerCycle(cycle: String, days: Int, lastUpdate: String, stale: Bool) {
        #expect(Fixtures.codes.entry(cycle, in: Fixtures.codes.updateCycles)?.days == days)
        #expect(Freshness.isStale(lastUpdate: CivilDate(lastUpdate)!, cycleDays: days, graceDays: 1, asOf: CivilDate("2026-11-26")!) == stale)
    }
}
