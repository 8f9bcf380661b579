import LedgerCore
import LedgerTestSupport
import Testing

/// Rules broken by `record`, after the same normalization imports and the API apply.
func rules<R: LedgerRecord>(_ record: R) -> Set<String> {
    var record = record
    record.normalize(codes: Fixtures.codes)
    return Set(record.validate(codes: Fixtures.codes).filter { $0.severity == .error }.map(\.rule))
}

func warnings<R: LedgerRecord>(_ record: R) -> Set<String> {
    var record = record
    record.normalize(codes: Fixtures.codes)
    return Set(record.validate(codes: Fixtures.codes).filter { $0.severity == .warning }.map(\.rule))
}

@Suite("Catalog resource rules (发改高技〔2017〕1272号)")
struct ResourceValidationTests {
    let valid = Fixtures.resource()

    @Test func theSampleIsValid() {
        #expect(rules(valid).isEmpty)
    }

    /// Each case breaks one rule; the sample shows the passing case.
    /// The sample with one rule broken.
    static func broken(_ rule: String) -> CatalogResource {
        var r = Fixtures.resource()
        switch rule {
        case "code.structure": r.code = "103003-000001"
        case "code.classification": r.code = "199001/000001"
        case "name.required": r.name = "　"
        case "summary.required": r.summary = ""
        case "format.code-list": r.format = "纸质"
        case "shareType.code-list": r.shareType = "部分共享"
        case "share.condition-required": r.shareCondition = nil
        case "shareMethod.required": r.shareMethod = nil
        case "share.method-matches-format":
            r.format = "电子表格"
            r.formatType = "XLSX"
        case "updateCycle.code-list": r.updateCycle = "不定期"
        case "openType.required": r.openToPublic = true
        case "open.condition-required":
            r.openToPublic = true
            r.openType = "有条件开放"
        case "open.flag-mismatch": r.openType = "无条件开放"
        case "item.type": r.items[0].type = "字符串"
        case "item.length-required": r.items[0].length = nil
        case "item.length-positive": r.items[0].length = 0
        case "items.unique-name": r.items[1].name = r.items[0].name
        case "count.within-total":
            r.records = 10
            r.sharedRecords = 11
        case "count.non-negative": r.storageMB = -1
        case "related.self": r.relatedCodes = [r.code]
        default: Issue.record("no case for \(rule)")
        }
        return r
    }

    /// Each case breaks one rule; the sample shows the passing case.
    @Test(arguments: [
        "code.structure", "code.classification", "name.required", "summary.required", "format.code-list", "shareType.code-list",
        "share.condition-required", "shareMethod.required", "share.method-matches-format", "updateCycle.code-list", "openType.required",
        "open.condition-required", "open.flag-mismatch", "item.type", "item.length-required", "item.length-positive", "items.unique-name",
        "count.within-total", "count.non-negative", "related.self"
    ])
    func eachRuleHasAFailingCase(rule: String) {
        #expect(rules(Self.broken(rule)).contains(rule), "expected \(rule), got \(rules(Self.broken(rule)))")
    }

    @Test func notSharedNeedsItsLegalBasisAndNoMethod() {
        var resource = valid
        resource.shareType = "不予共享"
        resource.shareMethod = nil
        #expect(rules(resource).isEmpty)
        resource.shareCondition = nil
        #expect(rules(resource) == ["share.condition-required"])
    }

    @Test func aResourceThatIsNotSharedCannotBeOpened() {
        var resource = valid
        resource.shareType = "不予共享"
        resource.openToPublic = true
        resource.openType = "无条件开放"
        #expect(rules(resource).contains("open.requires-sharing"))
    }

    @Test func fileFormatsShareAsFiles() {
        var resource = valid
        resource.format = "电子表格"
        resource.formatType = "XLSX"
        resource.shareMethod = "文件下载"
        #expect(rules(resource).isEmpty)
    }

    @Test func aliasesAndFullWidthSpacesAreAccepted() {
        var resource = valid
        resource.shareType = "有条件　"
        resource.openType = "完全不开放。"
        resource.updateCycle = "每天"
        resource.items[0].type = "字符型C"
        #expect(rules(resource).isEmpty)
        resource.normalize(codes: Fixtures.codes)
        #expect(resource.openType == "不予开放")
        #expect(resource.items[0].type == "C")
    }

    @Test func everyIssueNamesFieldValueRuleAndReference() {
        var resource = valid
        resource.items[0].length = nil
        let issue = resource.validate(codes: Fixtures.codes).first { $0.rule == "item.length-required" }
        #expect(issue?.field == "items[0].length")
        #expect(issue?.article == Reference.catalogGuideline)
        #expect(issue?.message.contains("字符型C") == true)
    }

    @Test func validationReportsAllProblemsAtOnce() {
        var resource = valid
        resource.code = "bad"
        resource.shareCondition = nil
        resource.items[0].type = "?"
        #expect(rules(resource).isSuperset(of: ["code.structure", "share.condition-required", "item.type"]))
    }
}

@Suite("Project rules (Art. 9, 16, 18)")
struct ProjectValidationTests {
    @Test func milestonesMustNotGoBackwards() {
        var project = Fixtures.project()
        project.milestones.approved = CivilDate("2025-03-01")
        project.milestones.contractSigned = CivilDate("2025-02-01")
        #expect(rules(project) == ["dates.order"])
        project.milestones.contractSigned = CivilDate("2025-03-01")
        #expect(rules(project).isEmpty)
    }

    @Test func trialRunLastsAtLeastOneMonth() {
        var project = Fixtures.project()
        project.milestones.trialStarted = CivilDate("2025-05-31")
        project.milestones.trialEnded = CivilDate("2025-06-29")
        #expect(rules(project) == ["trial.minimum-length"])
        project.milestones.trialEnded = CivilDate("2025-06-30")
        #expect(rules(project).isEmpty)
    }

    @Test func preAssessmentReportAboveOneMillionYuan() {
        var project = Fixtures.project()
        project.milestones.projectFiled = CivilDate("2025-11-01")
        project.approvedAmount = Money(yuan: 1_000_000)
        #expect(rules(project).isEmpty)
        project.approvedAmount = Money(fen: 100_000_001)
        #expect(rules(project) == ["pre-assessment.required"])
        project.preAssessmentReport = true
        #expect(rules(project).isEmpty)
    }

    @Test func changesAboveFifteenPercentNeedReReview() {
        var project = Fixtures.project()
        project.changes = [
            ChangeFiling(
                date: CivilDate("2025-06-01")!, description: "增加接口", amountDelta: Money(yuan: 120_000),
                filed: true, reReviewed: false)
        ]
        #expect(warnings(project).isEmpty)
        project.changes[0].amountDelta = Money(yuan: 120_001)
        #expect(warnings(project) == ["change.re-review"])
        project.changes[0].filed = false
        #expect(warnings(project) == ["change.re-review", "change.unfiled"])
    }
}

@Suite("System and unit rules")
struct SystemValidationTests {
    @Test func theSamplesAreValid() {
        #expect(rules(Fixtures.system()).isEmpty)
        #expect(rules(Fixtures.unit()).isEmpty)
    }

    @Test func unitRules() {
        var unit = Fixtures.unit()
        unit.uscc = String(unit.uscc.dropLast()) + (unit.uscc.last == "0" ? "1" : "0")
        unit.kind = "企业"
        #expect(rules(unit) == ["uscc.check", "kind.code-list"])
    }

    static func broken(_ rule: String) -> InfoSystem {
        var s = Fixtures.system()
        switch rule {
        case "appCategories.required": s.appCategories = []
        case "appCategories[0].code-list": s.appCategories = ["娱乐类"]
        case "mlps.level": s.security.mlpsLevel = 6
        case "crypto.date-required": s.security.cryptoResult = "通过"
        case "cloud.used-within-allocated":
            s.cloudResources.allocatedVCPU = 8
            s.cloudResources.usedVCPU = 9
        case "materials[0].code-list": s.materials = ["会议纪要"]
        default: Issue.record("no case for \(rule)")
        }
        return s
    }

    @Test(arguments: [
        "appCategories.required", "appCategories[0].code-list", "mlps.level", "crypto.date-required", "cloud.used-within-allocated",
        "materials[0].code-list"
    ])
    func systemRules(rule: String) {
        #expect(rules(Self.broken(rule)).contains(rule), "expected \(rule), got \(rules(Self.broken(rule)))")
    }

    @Test func runningSystemsWithoutRequiredPlatformIdsAreWarned() {
        var system = Fixtures.system()
        system.platformIds.aishandongItems = []
        #expect(warnings(system) == ["integration.id-missing"])
        system.status = .building
        #expect(warnings(system).isEmpty)
    }
}

@Suite("Catalog workflow")
struct WorkflowTests {
    let codes = Fixtures.codes

    @Test func runsTheWholeWorkflow() throws {
        var resource = Fixtures.resource()
        for (action, expected): (CatalogTransition, CatalogState) in [
            (.submit, .pendingReview), (.approve, .published),
            (.takeOffline, .goingOffline), (.confirmOffline, .offline)
        ] {
            resource.state = try action.apply(to: resource, reason: nil, codes: codes)
            #expect(resource.state == expected)
        }
    }

    @Test func refusesActionsFromTheWrongState() {
        let resource = Fixtures.resource()
        #expect(throws: LedgerError.self) { try CatalogTransition.approve.apply(to: resource, reason: nil, codes: codes) }
    }

    @Test func returningNeedsAReason() throws {
        var resource = Fixtures.resource()
        resource.state = .pendingReview
        #expect(throws: LedgerError.self) { try CatalogTransition.return.apply(to: resource, reason: " ", codes: codes) }
        #expect(try CatalogTransition.return.apply(to: resource, reason: "缺少共享条件", codes: codes) == .returned)
    }

    @Test func structuredResourcesNeedItemsBeforeSubmission() {
        var resource = Fixtures.resource()
        resource.items = []
        #expect(throws: LedgerError.self) { try CatalogTransition.submit.apply(to: resource, reason: nil, codes: codes) }
    }
}
