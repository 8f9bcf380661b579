import Compliance
import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

@testable import LedgerStore

@Suite("Store: probe history")
struct ProbeHistoryTests {
    func verdict(_ outcome: VerdictOutcome, at date: Date, target: String = "I-1") -> Verdict {
        var verdict = Verdict(
            platform: .aishandong, probe: "service-item", systemCode: "TZ-SYS-001", target: target,
            outcome: outcome, reason: outcome.rawValue, checkedAt: date, specHash: String(repeating: "a", count: 64))
        var attempt = ProbeAttempt(number: 1, url: "http://127.0.0.1/aishandong/items/\(target)", startedAt: date, totalMs: 12)
        attempt.status = outcome == .pass ? 200 : 404
        verdict.attempts = [attempt]
        return verdict
    }

    func record(_ history: any ProbeHistoryRepository, _ verdicts: [Verdict], threshold: Int = 2) async throws -> Int64 {
        try await history.recordRun(
            startedAt: verdicts[0].checkedAt, finishedAt: verdicts[0].checkedAt, asOf: CivilDate("2026-11-26")!,
            trigger: "test", specHashes: ["aishandong": String(repeating: "a", count: 64)], canaries: [],
            verdicts: verdicts, flipThresholds: [.aishandong: threshold])
    }

    @Test(arguments: TestStore.available) func runsKeepVerdictsWithAttemptsAndSpecHashes(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        defer { ledger.close() }
        let history = ledger.probeHistory
        let canary = Verdict(
            platform: .aishandong, probe: "canary", systemCode: "-", target: "-", outcome: .pass, reason: "", checkedAt: Date(),
            specHash: String(repeating: "a", count: 64))
        let id = try await history.recordRun(
            startedAt: Date(), finishedAt: Date(), asOf: CivilDate("2026-11-26")!, trigger: "test", specHashes: ["aishandong": "a"],
            canaries: [canary], verdicts: [verdict(.pass, at: Date()), verdict(.fail, at: Date(), target: "I-2")],
            flipThresholds: [.aishandong: 2])
        let (run, verdicts) = try await history.run(id: id)
        #expect(run.summary["aishandong"] == ["pass": 1, "fail": 1])
        #expect(run.asOf == "2026-11-26")
        #expect(run.specHashes == ["aishandong": "a"])
        #expect(verdicts.map(\.verdict.target) == ["I-2", "I-1", "-"])
        #expect(verdicts.allSatisfy { $0.verdict.specHash.count == 64 })
        #expect(verdicts.map(\.verdict.attempts.count) == [1, 1, 0])
        #expect(verdicts[0].verdict.attempts.first?.url == "http://127.0.0.1/aishandong/items/I-2")
        #expect(try await history.canaries(runId: id).map(\.verdict.probe) == ["canary"])
        #expect(try await history.runs().total == 1)
        #expect(try await history.integrationCounts(systemCodes: ["TZ-SYS-001"]) == ["TZ-SYS-001": [.aishandong: [.pass: 1, .fail: 1]]])
        await #expect(throws: LedgerError.self) { try await history.run(id: id + 1) }
        await #expect(throws: LedgerError.self) { try await history.targets(systemCode: "TZ-SYS-404") }
        let (systems, resources) = try await history.targets()
        #expect(systems.map(\.code) == ["TZ-SYS-001"])
        #expect(resources["TZ-SYS-001"]?.map(\.code) == ["103003/000001"])
    }

    @Test(arguments: TestStore.available) func integrationStatusFlipsAfterTheThreshold(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        defer { ledger.close() }
        let history = ledger.probeHistory
        let now = Date()
        _ = try await record(history, [verdict(.pass, at: now)])
        _ = try await record(history, [verdict(.fail, at: now.addingTimeInterval(60))])
        let held = try #require(try await history.integrations(systemCode: "TZ-SYS-001").first)
        #expect(held.status == IntegrationStatus(status: .pass, candidate: .fail, streak: 1))
        #expect(held.changedAt == now.formatted(.iso8601))
        _ = try await record(history, [verdict(.error, at: now.addingTimeInterval(120))])
        _ = try await record(history, [verdict(.fail, at: now.addingTimeInterval(180))])
        let status = try await history.integrations(systemCode: "TZ-SYS-001").first
        #expect(status?.status.status == .fail)
        #expect(status?.changedAt == now.addingTimeInterval(180).formatted(.iso8601))
        #expect(try await history.verdicts(systemCode: "TZ-SYS-001").map(\.verdict.outcome) == [.fail, .error, .fail, .pass])
        #expect(try await history.verdicts(systemCode: "TZ-SYS-001", platform: .aishandong, limit: 2).map(\.verdict.outcome) == [.fail, .error])
        #expect(try await history.verdicts(systemCode: "TZ-SYS-001", platform: .shandongtong).isEmpty)
    }

    /// Servers recording runs at once: every run is kept, verdict ids grow in the order runs were recorded, and the
    /// status moved by each verdict in turn.
    @Test(arguments: TestStore.available) func serversRecordRunsOneAfterTheOther(store: TestStore) async throws {
        let servers = try await TestLedger.servers(on: store, count: 2)
        defer { for server in servers { server.close() } }
        _ = try await servers[0].records.create(Fixtures.unit(), by: .commandLine)
        _ = try await servers[0].records.create(Fixtures.system(), by: .commandLine)
        let now = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<10 {
                group.addTask {
                    let outcome: VerdictOutcome = index.isMultiple(of: 2) ? .pass : .fail
                    let verdicts = (1...30).map { verdict(outcome, at: now.addingTimeInterval(Double(index)), target: "I-\($0)") }
                    _ = try await record(servers[index % 2].probeHistory, verdicts, threshold: 1)
                }
            }
            try await group.waitForAll()
        }
        let runs = try await servers[1].probeHistory.runs(page: PageRequest(limit: 100))
        #expect(runs.total == 10)
        var lastVerdict: Int64 = .max
        for run in runs.items {
            let verdicts = try await servers[0].probeHistory.run(id: run.id).1
            #expect(verdicts.count == 30)
            #expect(verdicts.allSatisfy { $0.id < lastVerdict })
            lastVerdict = verdicts.map(\.id).min() ?? lastVerdict
        }
        // The last run recorded set every status (threshold 1).
        let last = try #require(try await servers[0].probeHistory.run(id: runs.items[0].id).1.first?.verdict.outcome)
        let statuses = try await servers[1].probeHistory.integrations(systemCode: "TZ-SYS-001")
        #expect(statuses.count == 30)
        #expect(statuses.allSatisfy { $0.status.status == last })
        #expect(statuses.map(\.target) == (1...30).map { "I-\($0)" }.sorted())
    }

    /// A stored state that is no outcome (a damaged or hand-edited database) is a decoding error, not a trap that takes
    /// the server down with it.
    @Test func aDamagedIntegrationStatusIsAnErrorNotACrash() async throws {
        let ledger = try await Fixtures.seededLedger()
        _ = try await record(ledger.probeHistory, [verdict(.pass, at: Date())])
        try await ledger.sqlite.writer.write { try $0.execute(sql: "UPDATE integration_status SET status = 'bogus'") }
        await #expect(throws: DecodingError.self) { try await ledger.probeHistory.integrations(systemCode: "TZ-SYS-001") }
        await #expect(throws: DecodingError.self) { try await record(ledger.probeHistory, [verdict(.fail, at: Date())]) }
    }

    @Test(arguments: TestStore.available) func failuresAreKeptLongerThanPasses(store: TestStore) async throws {
        let ledger = try await TestLedger.make(on: store, seeded: true)
        defer { ledger.close() }
        let now = Date()
        let old = now.addingTimeInterval(-60 * 86_400)
        let ancient = now.addingTimeInterval(-500 * 86_400)
        let first = try await record(ledger.probeHistory, [verdict(.fail, at: ancient, target: "I-3")])
        _ = try await record(ledger.probeHistory, [verdict(.pass, at: old), verdict(.fail, at: old, target: "I-2")])
        _ = try await record(ledger.probeHistory, [verdict(.pass, at: now)])
        #expect(try await ledger.probeHistory.prune(now: now) == 2)
        let history = try await ledger.probeHistory.verdicts(systemCode: "TZ-SYS-001")
        #expect(history.map(\.verdict.outcome) == [.pass, .fail])
        // A run left without verdicts goes with them.
        #expect(try await ledger.probeHistory.runs().total == 2)
        await #expect(throws: LedgerError.self) { try await ledger.probeHistory.run(id: first) }
    }

    @Test func evaluationsTakeTheNewestConclusiveVerdictBeforeTheAsOfDay() async throws {
        let ledger = try await Fixtures.seededLedger()
        let day = try Date("2026-11-20T10:00:00+08:00", strategy: .iso8601)
        _ = try await record(ledger.probeHistory, [verdict(.fail, at: day.addingTimeInterval(-86_400))])
        let passRun = try await record(ledger.probeHistory, [verdict(.pass, at: day)])
        _ = try await record(ledger.probeHistory, [verdict(.skipped, at: day.addingTimeInterval(3600))])
        _ = try await record(ledger.probeHistory, [verdict(.fail, at: day.addingTimeInterval(86_400))])  // after the as-of day
        let input = try #require(try await ledger.evaluations.inputs(fiscalYear: 2027, asOf: CivilDate("2026-11-20")!).first)
        #expect(input.verdicts.count == 1)
        #expect(input.verdicts.first?.verdict.outcome == .pass)
        #expect(input.verdicts.first?.runId == passRun)
        #expect(input.projects.map(\.code) == ["TZXM-2025-001"])
        // The input records what the checks read of each resource (from its columns) and how many data items it has.
        let resource = try #require(input.resources.first)
        #expect(resource == ResourceFacts(code: "103003/000001", name: "不动产登记信息", shareType: "有条件共享", state: .draft))
        #expect(input.itemCount(of: resource) == 2)
        let later = try #require(try await ledger.evaluations.inputs(fiscalYear: 2027, asOf: CivilDate("2026-11-21")!).first)
        #expect(later.verdicts.first?.verdict.outcome == .fail)
    }
}
