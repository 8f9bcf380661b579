import Compliance
import LedgerCore
import Presentation
import Testing

@Suite("Pre-acceptance review (Art. 18(3))")
struct ReviewTests {
    @Test func fiveItemsAndARecommendation() throws {
        var fixture = ComplianceFixture()
        fixture.system.materials = ComplianceFixture.policy.acceptanceMaterials
        let report = try ReviewReport.build(fixture.input, ComplianceFixture.context)
        #expect(report.items.map(\.number) == [1, 2, 3, 4, 5])
        #expect(report.items.allSatisfy { $0.status == .pass })
        #expect(report.recommendation == .pass)

        fixture.system.materials.removeAll { $0 == "试运行报告" }
        fixture.system.deployment.cloudNative = false
        let missing = try ReviewReport.build(fixture.input, ComplianceFixture.context)
        #expect(missing.items[0].status == .fail)
        #expect(missing.items[0].findings[0] == "缺少验收材料：试运行报告")
        #expect(missing.items[2].status == .fail)
        #expect(missing.recommendation == .reject)
        #expect(missing.recommendationReason == "（1）验收材料完整性不符合要求；（3）云原生技术应用情况不符合要求")

        // The recommendation follows the items: one item 不符合 (云原生 alone) is no 通过.
        fixture.system.materials.append("试运行报告")
        let cloudOnly = try ReviewReport.build(fixture.input, ComplianceFixture.context)
        #expect(cloudOnly.items[2].status == .fail)
        #expect(cloudOnly.recommendation == .reject)
        #expect(cloudOnly.recommendationReason == "（3）云原生技术应用情况不符合要求")
        fixture.system.deployment.cloudNative = true
        let allMet = try ReviewReport.build(fixture.input, ComplianceFixture.context)
        #expect(allMet.items.allSatisfy { $0.status == .pass || $0.status == .notApplicable } == (allMet.recommendation == .pass))
    }

    @Test func missingProbeEvidenceIsNotARejectionOfIntegration() throws {
        var fixture = ComplianceFixture()
        fixture.system.materials = ComplianceFixture.policy.acceptanceMaterials
        fixture.verdicts = []
        let report = try ReviewReport.build(fixture.input, ComplianceFixture.context)
        #expect(report.items[3].status == .inconclusive)
        #expect(report.recommendationReason.contains("（4）与城市大脑、爱山东、山东通、一体化大数据平台县级节点等统建平台的协同对接情况证据不足"))
    }

    @Test func thePrintablePageEscapesTextAndNeedsNothingFromTheNetwork() throws {
        var fixture = ComplianceFixture()
        fixture.system.name = "<script>alert(1)</script>平台"
        let html = ReviewPage.html(try ReviewReport.build(fixture.input, ComplianceFixture.context), id: 9)
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;平台"))
        #expect(html.contains("审查编号 9"))
        #expect(!html.contains("src=") && !html.contains("href="))
    }
}
