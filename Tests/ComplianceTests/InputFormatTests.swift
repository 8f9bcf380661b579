import Compliance
import Foundation
import LedgerCore
import Testing

@Suite("Recorded evaluation inputs")
struct InputFormatTests {
    @Test func inputsRecordedWithItemsStillReplayWithTheirCounts() throws {
        // An input as batches recorded it before item counts: the resources carried their data items.
        var fixture = ComplianceFixture()
        fixture.resources[0].items = []
        var legacy = try JSONSerialization.jsonObject(with: CanonicalJSON.encoder.encode(fixture.input)) as! [String: Any]
        legacy.removeValue(forKey: "itemCounts")
        var resources = legacy["resources"] as! [[String: Any]]
        resources[0]["items"] = [["name": "不动产权证号", "type": "C", "length": 64]]
        legacy["resources"] = resources
        let decoded = try CanonicalJSON.decoder.decode(ComplianceInput.self, from: JSONSerialization.data(withJSONObject: legacy))
        #expect(decoded.itemCount(of: decoded.resources[0]) == 1)
        // Without items and without counts, the resource has none: 一本账 maintenance fails on it.
        let empty = try FundingDecision.evaluate(fixture.input, ComplianceFixture.context)
        let maintained = try FundingDecision.evaluate(decoded, ComplianceFixture.context)
        #expect(empty.checks.first { $0.check == .ledgerMaintained }?.reason.contains("没有信息项") == true)
        #expect(maintained.checks.first { $0.check == .ledgerMaintained }?.reason.contains("没有信息项") == false)
    }

    @Test func decisionsAndInputsAreEncodedAsFoundationEncodesThem() throws {
        // The fast canonical encoder writes batches; its bytes must be Foundation's (hashes and stored texts compare).
        let fixture = ComplianceFixture()
        let decision = try FundingDecision.evaluate(fixture.input, ComplianceFixture.context)
        #expect(try CanonicalJSON.encode(decision) == CanonicalJSON.encoder.encode(decision))
        #expect(try CanonicalJSON.encode(fixture.input) == CanonicalJSON.encoder.encode(fixture.input))
        #expect(decision.checks.count == 15)
        // Strings that need escaping, optionals present and absent, a waiver, no score.
        var edge = decision
        edge.systemName = "a\u{1}b\n\t\"\\/\u{7f}é中"
        edge.score.tenths = nil
        edge.checks[0].remediation = nil
        edge.checks[1].remediation = "整改\"说明\"\r"
        edge.checks[1].evidence = [Evidence("标签\u{8}", "值\u{c}", verdictId: 7, runId: 3), Evidence("", "")]
        edge.checks[2].waiver = Waiver(
            systemCode: "TZ-SYS-001", check: .dataSharedFresh, reason: "理由\\", approver: "张三", expiresOn: CivilDate("2027-01-31")!)
        edge.operations.blockers = [
            try JSONDecoder().decode(
                Blocker.self, from: Data(#"{"check":"policy.minimum-score","article":"Art. 27","status":"fail","reason":"\"低\"\n"}"#.utf8))
        ]
        #expect(try CanonicalJSON.encode(edge) == CanonicalJSON.encoder.encode(edge))
        #expect(try CanonicalJSON.encode(edge.checks) == CanonicalJSON.encoder.encode(edge.checks))
    }
}
