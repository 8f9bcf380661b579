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

    func record(_ ledger: Ledger, _ verdicts: [Verdict], threshold: Int = 2) async throws -> Int64 {
        try await ledger.probeHistory.recordRun(
            startedAt: verdicts[0].checkedAt, finishedAt: verdicts[0].checkedAt, asOf: CivilDate("2026-11-26")!,
            trigger: "test", specHashes: ["aishandong": String(repeating: "a", count: 64)], canaries: [],
            verdicts: verdicts, flipThresholds: [.aishandong: threshold])
    }

    @Test func runsKeepVerdictsWithAttemptsAndSpecHashes() async throws {
        let ledger = try await Fixtures.seededLedger()
        let id = try await record(ledger, [verdict(.pass, at: Date()), verdict(.fail, at: Date(), target: "I-2")])
        let (run, verdicts) = try await ledger.probeHistory.run(id: id)
        #expect(run.summary["aishandong"] == ["pass": 1, "fail": 1])
        #expect(run.asOf == "2026-11-26")
        #expect(verdicts.count == 2)
        #expect(verdicts.allSatisfy { $0.verdict.attempts.count == 1 && $0.verdict.specHash.count == 64 })
        #expect(try await ledger.probeHistory.runs().total == 1)
    }

    @Test func integrationStatusFlipsAfterTheThreshold() async throws {
        let ledger = try await Fixtures.seededLedger()
        let now = Date()
        _ = try await record(ledger, [verdict(.pass, at: now)])
        _ = try await record(ledger, [verdict(.fail, at: now.addingTimeInterval(60))])
        #expect(try await ledger.probeHistory.integrations(systemCode: "TZ-SYS-001").first?.status.status == .pass)
        _ = try await record(ledger, [verdict(.error, at: now.addingTimeInterval(120))])
        _ = try await record(ledger, [verdict(.fail, at: now.addingTimeInterval(180))])
        let status = try await ledger.probeHistory.integrations(systemCode: "TZ-SYS-001").first
        #expect(status?.status.status == .fail)
        #expect(status?.changedAt == now.addingTimeInterval(180).formatted(.iso8601))
        #expect(try await ledger.probeHistory.verdicts(systemCode: "TZ-SYS-001").map(\.verdict.outcome) == [.fail, .error, .fail, .pass])
    }

    /// A stored state that is no outcome (a damaged or hand-edited database) is a decoding error, not a trap that takes
    /// the server down with it.
    @Test func aDamagedIntegrationStatusIsAnErrorNotACrash() async throws {
        let ledger = try await Fixtures.seededLedger()
        _ = try await record(ledger, [verdict(.pass, at: Date())])
        try await ledger.database.writer.write { try $0.execute(sql: "UPDATE integration_status SET status = 'bogus'") }
        await #expect(throws: DecodingError.self) { try await ledger.probeHistory.integrations(systemCode: "TZ-SYS-001") }
        await #expect(throws: DecodingError.self) { try await record(ledger, [verdict(.fail, at: Date())]) }
    }

    @Test func failuresAreKeptLongerThanPasses() async throws {
        let ledger = try await Fixtures.seededLedger()
        let now = Date()
        let old = now.addingTimeInterval(-60 * 86_400)
        _ = try await record(ledger, [verdict(.pass, at: old), verdict(.fail, at: old, target: "I-2")])
        _ = try await record(ledger, [verdict(.pass, at: now)])
        #expect(try await ledger.probeHistory.prune(now: now) == 1)
        let history = try await ledger.probeHistory.verdicts(systemCode: "TZ-SYS-001")
        #expect(history.map(\.verdict.outcome) == [.pass, .fail])
    }

    @Test func evaluationsTakeTheNewestConclusiveVerdictBeforeTheAsOfDay() async throws {
        let ledger = try await Fixtures.seededLedger()
        let day = try Date("2026-11-20T10:00:00+08:00", strategy: .iso8601)
        _ = try await record(ledger, [verdict(.fail, at: day.addingTimeInterval(-86_400))])
        let passRun = try await record(ledger, [verdict(.pass, at: day)])
        _ = try await record(ledger, [verdict(.skipped, at: day.addingTimeInterval(3600))])
        _ = try await record(ledger, [verdict(.fail, at: day.addingTimeInterval(86_400))])  // after the as-of day
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
