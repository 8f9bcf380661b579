import Compliance
import LedgerCore
import LedgerTestSupport
import Testing

@Suite("Deadlines")
struct DeadlineTests {
    func project(_ edit: (inout Milestones) -> Void) -> Project {
        var project = Fixtures.project()
        edit(&project.milestones)
        return project
    }

    /// Art. 11 across the 2026 Spring Festival: Thursday 2026-02-12 + 7 working days, with the 调休 Saturdays
    /// 2-14 and 2-28 working and 2-15..2-23 off, is Saturday 2026-02-28.
    @Test(arguments: [("2026-02-27", DeadlineStatus.open, 1), ("2026-02-28", .open, 0), ("2026-03-02", .overdue, -2)])
    func procurementFilingAcrossSpringFestival(asOf: String, status: DeadlineStatus, daysLeft: Int) throws {
        let list = Deadlines.list(
            projects: [project { $0.contractSigned = CivilDate("2026-02-12") }],
            calendar: ComplianceFixture.calendar, asOf: CivilDate(asOf)!)
        let filing = try #require(list.first { $0.kind == "procurement-filing" })
        #expect(filing.dueOn == CivilDate("2026-02-28"))
        #expect(filing.status == status)
        #expect(filing.daysLeft == daysLeft)
        #expect(filing.article == "Art. 11")
    }

    @Test func doneLateAndTheEvaluationWindow() throws {
        let accepted = project {
            $0.contractSigned = CivilDate("2024-03-01")
            $0.procurementFiled = CivilDate("2024-03-20")
            $0.trialEnded = CivilDate("2024-09-30")
            $0.acceptanceApplied = CivilDate("2024-12-15")
            $0.completionAccepted = CivilDate("2025-01-10")
            $0.acceptanceFiled = CivilDate("2025-01-20")
        }
        let list = Deadlines.list(projects: [accepted], calendar: ComplianceFixture.calendar, asOf: CivilDate("2026-11-27")!)
        func status(_ kind: String) -> Deadline? { list.first { $0.kind == kind } }
        #expect(status("procurement-filing")?.status == .late)
        #expect(status("acceptance-application")?.status == .done)  // due 2024-12-30
        #expect(status("acceptance-filing")?.dueOn == CivilDate("2025-01-24"))
        #expect(status("acceptance-filing")?.status == .done)
        let evaluation = try #require(status("performance-evaluation"))
        #expect(evaluation.opensOn == CivilDate("2026-01-10"))
        #expect(evaluation.dueOn == CivilDate("2027-01-10"))
        #expect(evaluation.status == .open)
        #expect(list.first?.kind == "performance-evaluation")  // open items before done ones
    }

    @Test func aYearWithoutACalendarIsSaidNotGuessed() throws {
        let list = Deadlines.list(
            projects: [project { $0.contractSigned = CivilDate("2018-05-10") }],
            calendar: ComplianceFixture.calendar, asOf: CivilDate("2026-11-27")!)
        let filing = try #require(list.first)
        #expect(filing.status == .unknown)
        #expect(filing.note?.contains("2018") == true)
    }
}
