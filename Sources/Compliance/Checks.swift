import Foundation
import LedgerCore

/// The checks of design.md §3: pure functions of (ledger state, probe verdicts, policy, as-of date).
public enum Checks {
    /// Every check for one system, waivers in force applied.
    public static func run(_ input: ComplianceInput, _ context: ComplianceContext) -> [CheckResult] {
        let results: [CheckResult] = [
            accepted(input), omFreePeriod(input, context.policy), omCap(input, context.policy),
            sharingPlatform(input, context.policy), dataSharedFresh(input, context.policy),
            cryptoSecurity(input, context.policy), xinchuang(input), ledgerMaintained(input, context.policy),
            managed(input), performance(input), platformIntegration(input, context),
            cloud(input), procurementFiled(input, context.calendar), changesFiled(input),
            deregistrationCandidate(input, context.policy)
        ]
        return results.map { result in
            var result = result
            result.waiver = input.waivers.first { $0.check == result.check && $0.systemCode == input.system.code && $0.applies(on: input.asOf) }
            return result
        }
    }

    static func isInactive(_ system: InfoSystem) -> Bool { system.status == .building || system.status == .deregistered }

    // MARK: Art. 19

    static func accepted(_ input: ComplianceInput) -> CheckResult {
        let projects = input.constructionProjects
        guard !projects.isEmpty else {
            return CheckResult(
                .accepted, .inconclusive, "一本账中没有该系统的建设类项目，无法判断是否验收",
                evidence: [Evidence("关联项目", input.system.projectCodes.joined(separator: "、"))],
                remediation: "在系统的关联项目中登记建设类项目及其竣工验收、验收备案日期")
        }
        var evidence: [Evidence] = []
        var gaps: [String] = []
        for project in projects {
            let accepted = project.milestones.completionAccepted.flatMap { $0 <= input.asOf ? $0 : nil }
            let filed = project.milestones.acceptanceFiled.flatMap { $0 <= input.asOf ? $0 : nil }
            evidence.append(Evidence("\(project.code) 竣工验收", accepted?.description ?? "无"))
            evidence.append(Evidence("\(project.code) 验收备案", filed?.description ?? "无"))
            if accepted == nil { gaps.append("\(project.code) 未完成竣工验收") } else if filed == nil { gaps.append("\(project.code) 未办理验收备案") }
        }
        guard gaps.isEmpty else {
            return CheckResult(
                .accepted, .fail, gaps.joined(separator: "；") + "：未经验收的项目不得拨付后续建设资金和运行维护经费",
                evidence: evidence,
                remediation: "完成竣工验收，并在验收后10个工作日内向市大数据工作主管部门办理验"
                    + "收备案（Art. 19）")
        }
        return CheckResult(.accepted, .pass, "全部建设类项目已竣工验收并备案", evidence: evidence)
    }

    // MARK: Art. 21

    static func omFreePeriod(_ input: ComplianceInput, _ policy: Policy) -> CheckResult {
        guard let period = OMCap.freePeriod(input, policy) else {
            return CheckResult(
                .omFreePeriod, .inconclusive, "没有竣工验收日期，无法确定免费运维期",
                remediation: "登记建设类项目的竣工验收日期")
        }
        let evidence = [
            Evidence("竣工验收", period.accepted.description), Evidence("免费运维期至", period.lastFreeDay.description),
            Evidence("财政年度", String(input.fiscalYear))
        ]
        let yearEnd = CivilDate(year: input.fiscalYear, month: 12, day: 31)!
        let yearStart = CivilDate(year: input.fiscalYear, month: 1, day: 1)!
        if period.lastFreeDay >= yearEnd {
            return CheckResult(
                .omFreePeriod, .fail, "\(input.fiscalYear)年全年处于免费运维期（至 \(period.lastFreeDay)），运维经费上限为0",
                evidence: evidence, remediation: "免费运维期内由承建单位免费运维，期满后再申请运维经费")
        }
        if period.lastFreeDay >= yearStart {
            return CheckResult(
                .omFreePeriod, .pass,
                "免费运维期至 \(period.lastFreeDay)，\(input.fiscalYear)年其后的天数可安排运维经费（按"
                    + "天折算）",
                evidence: evidence)
        }
        return CheckResult(.omFreePeriod, .pass, "免费运维期已于 \(period.lastFreeDay) 届满", evidence: evidence)
    }

    static func omCap(_ input: ComplianceInput, _ policy: Policy) -> CheckResult {
        let cap = OMCap.compute(input, policy)
        var evidence = [
            Evidence("建设资金", "\(input.constructionFunds)元"), Evidence("运维经费上限", "\(cap.amount)元"),
            Evidence("计算", cap.basis)
        ]
        let requests = OMCap.requests(input)
        guard !requests.isEmpty else {
            return CheckResult(.omCap, .notApplicable, "\(input.fiscalYear)年没有该系统的运维项目申请", evidence: evidence)
        }
        let requested = Money.total(requests.map { $0.approvedAmount ?? Money(fen: 0) }) ?? Money(fen: .max)
        evidence.append(Evidence("运维申请", requests.map { "\($0.code) \($0.approvedAmount?.description ?? "0.00")元" }.joined(separator: "、")))
        guard requested <= cap.amount else {
            return CheckResult(
                .omCap, .fail, "运维申请 \(requested)元 超过上限 \(cap.amount)元", evidence: evidence,
                remediation: "运维经费原则上每年不超过建设资金的\(policy.capPercent)%，按上限核减申请（Art. 21）")
        }
        return CheckResult(.omCap, .pass, "运维申请 \(requested)元 不超过上限 \(cap.amount)元", evidence: evidence)
    }

    // MARK: Art. 28

    static func sharingPlatform(_ input: ComplianceInput, _ policy: Policy) -> CheckResult {
        if input.system.status == .deregistered { return CheckResult(.sharingPlatform, .notApplicable, "系统已注销") }
        let probes = ProbeEvidence(input, policy, platform: .sharingPlatform, probe: "org-connected")
        if input.system.platformIds.sharingOrgCode == nil {
            return CheckResult(
                .sharingPlatform, .fail, "一本账未登记共享平台机构编码，无接入证据",
                remediation: "接入滕州市级数据共享开放平台，并在一本账登记机构编码（Art. 28）")
        }
        return probes.result(
            .sharingPlatform, what: "共享平台机构接入",
            remediation: "按规定接入滕州市级数据共享开放平台并挂接数据资源（Art. 28）")
    }

    // MARK: Art. 22(1), 26, 27

    static func dataSharedFresh(_ input: ComplianceInput, _ policy: Policy) -> CheckResult {
        if isInactive(input.system) { return CheckResult(.dataSharedFresh, .notApplicable, "系统状态为\(input.system.status.rawValue)") }
        let active = input.resources.filter { $0.state.isEditable }
        guard !active.isEmpty else {
            return CheckResult(
                .dataSharedFresh, .fail, "未编制政务信息资源目录", evidence: [Evidence("目录资源", "0")],
                remediation: "编制信息资源目录并挂接到县级节点和共享平台（Art. 26, 27）")
        }
        let node = ProbeEvidence(input, policy, platform: .countyNode, probe: "resource-mounted")
        let shared = ProbeEvidence(input, policy, platform: .sharingPlatform, probe: "resource-shared")
        var passed = 0
        var open = 0
        var failures: [Evidence] = []
        for resource in active {
            // A 不予共享 resource is aggregated on the county node but not carried by the sharing platform.
            let verdicts = resource.isShared ? [node.usable[resource.code], shared.usable[resource.code]] : [node.usable[resource.code]]
            if let failed = verdicts.compactMap({ $0 }).first(where: { $0.verdict.outcome == .fail }) {
                failures.append(Evidence("\(resource.code) \(resource.name)", failed.verdict.reason, verdictId: failed.id, runId: failed.runId))
            } else if verdicts.allSatisfy({ $0?.verdict.outcome == .pass }) {
                passed += 1
            } else {
                open += 1
            }
        }
        let total = active.count
        let minimum = policy.thresholds.dataFreshMinimumPercent
        var evidence = [
            Evidence("目录资源", String(total)), Evidence("挂接、有数据且按期更新", String(passed)),
            Evidence("无有效探测结果", String(open)), Evidence("未通过", String(failures.count)),
            Evidence("策略要求", "≥\(minimum)%")
        ]
        evidence += failures.prefix(20)
        let percent = "\(passed * 100 / total)%"
        if passed * 100 >= minimum * total {
            return CheckResult(.dataSharedFresh, .pass, "\(percent)的目录资源已挂接、有数据并按更新周期更新", evidence: evidence)
        }
        if (passed + open) * 100 < minimum * total {
            return CheckResult(
                .dataSharedFresh, .fail, "仅\(percent)的目录资源已挂接、有数据并按期更新（要求≥\(minimum)%）",
                evidence: evidence,
                remediation: "将未挂接、无数据或过期的资源挂接到县级节点和共享平台并按更新周期"
                    + "更新（Art. 22(1), 27）")
        }
        return CheckResult(
            .dataSharedFresh, .inconclusive, "\(open)项资源缺少有效探测结果，无法确定是否达到\(minimum)%",
            evidence: evidence, remediation: "对该系统重新探测（ybz probe --system \(input.system.code)）")
    }

    // MARK: Art. 22(2), 29, 30

    static func cryptoSecurity(_ input: ComplianceInput, _ policy: Policy) -> CheckResult {
        let security = input.system.security
        var fails: [String] = []
        var unknown: [String] = []
        var evidence: [Evidence] = []
        evidence.append(Evidence("密评", "\(security.cryptoResult ?? "未登记") \(security.cryptoAssessedOn?.description ?? "")"))
        switch security.cryptoResult {
        case nil:
            unknown.append(laterThanAsOf(input, "security.cryptoAssessedOn", "密评", then: "基准日时尚无结果") ?? "未登记密评结果")
        case "通过", "基本符合":
            if let date = security.cryptoAssessedOn {
                let expires = date.adding(months: policy.thresholds.cryptoMaxAgeMonths)
                if expires < input.asOf { fails.append("密评（\(date)）已超过\(policy.thresholds.cryptoMaxAgeMonths)个月") }
            } else {
                unknown.append("未登记密评日期")
            }
        case let result?: fails.append("密评结果为“\(result)”")
        }
        evidence.append(Evidence("等保", "\(security.mlpsLevel.map { "第\($0)级" } ?? "未登记") \(security.mlpsAssessedOn?.description ?? "")"))
        if let level = security.mlpsLevel {
            let months = policy.thresholds.mlpsMaxAge(level: level)
            if let date = security.mlpsAssessedOn {
                if date.adding(months: months) < input.asOf { fails.append("等保测评（\(date)）已超过\(months)个月") }
            } else {
                let later = laterThanAsOf(input, "security.mlpsAssessedOn", "等保测评", then: "基准日时尚无结果")
                unknown.append(later ?? "未登记等保测评日期")
            }
        } else {
            unknown.append("未登记等保级别")
        }
        evidence.append(Evidence("未整改重大安全隐患", String(security.openMajorHazards)))
        if security.openMajorHazards > 0 { fails.append("存在\(security.openMajorHazards)项未整改的重大安全隐患") }
        if !fails.isEmpty {
            return CheckResult(
                .cryptoSecurity, .fail, (fails + unknown).joined(separator: "；"), evidence: evidence,
                remediation: "开展密码应用安全性评估和等级保护测评并整改重大安全隐患（Art. 29, 30）")
        }
        if !unknown.isEmpty {
            return CheckResult(
                .cryptoSecurity, .inconclusive, unknown.joined(separator: "；"), evidence: evidence,
                remediation: "在一本账登记密评结果和日期、等保级别和测评日期")
        }
        return CheckResult(.cryptoSecurity, .pass, "密评、等保测评在有效期内，无重大安全隐患", evidence: evidence)
    }

    // MARK: Art. 22(3), 31

    static func xinchuang(_ input: ComplianceInput) -> CheckResult {
        let evidence = [Evidence("信创", input.system.xinchuang ?? "未登记")]
        switch input.system.xinchuang {
        case "已建成", "已适配": return CheckResult(.xinchuang, .pass, "信创\(input.system.xinchuang!)", evidence: evidence)
        case nil: return CheckResult(.xinchuang, .inconclusive, "未登记信创建设或适配情况", evidence: evidence, remediation: "在一本账登记信创情况")
        case let status?:
            return CheckResult(
                .xinchuang, .fail, "信创状态为“\(status)”", evidence: evidence,
                remediation: "按信创工作要求完成建设或适配（Art. 22(3), 31）")
        }
    }

    // MARK: Art. 22(4), 5

    /// Why a fact cut at the as-of date is missing (`ComplianceInput.laterFacts`): “密评（2026-11-20）晚于评估基准日，…”.
    static func laterThanAsOf(_ input: ComplianceInput, _ field: String, _ fact: String, then: String) -> String? {
        input.laterFacts?[field].map { "\(fact)（\($0)）晚于评估基准日，\(then)" }
    }

    static func ledgerMaintained(_ input: ComplianceInput, _ policy: Policy) -> CheckResult {
        let system = input.system
        var gaps: [String] = []
        let maxAge = policy.thresholds.ledgerMaxAgeDays
        if let updated = system.ledgerUpdatedOn {
            if updated.days(until: input.asOf) > maxAge { gaps.append("一本账最后维护于 \(updated)，超过\(maxAge)天") }
        } else {
            let later = laterThanAsOf(input, "ledgerUpdatedOn", "一本账维护日期", then: "基准日及以前没有维护记录")
            gaps.append(later ?? "一本账没有维护日期")
        }
        if (system.summary ?? "").isEmpty { gaps.append("缺少系统简介") }
        if system.networks.isEmpty { gaps.append("缺少部署网络") }
        if system.appCategories.isEmpty { gaps.append("缺少应用类别") }
        let active = input.resources.filter { $0.state.isEditable }
        if active.isEmpty, !isInactive(system) { gaps.append("未编制信息资源目录") }
        let unpublished = active.filter { $0.state != .published }
        if !unpublished.isEmpty { gaps.append("\(unpublished.count)项目录资源未发布（\(unpublished.prefix(5).map(\.code).joined(separator: "、"))）") }
        let empty = active.filter { input.itemCount(of: $0) == 0 }
        if !empty.isEmpty { gaps.append("\(empty.count)项目录资源没有信息项") }
        let evidence = [
            Evidence("最后维护", system.ledgerUpdatedOn?.description ?? "无"), Evidence("目录资源", String(active.count)),
            Evidence("已发布", String(active.count - unpublished.count))
        ]
        guard gaps.isEmpty else {
            return CheckResult(
                .ledgerMaintained, .fail, gaps.joined(separator: "；"), evidence: evidence,
                remediation: "补全一本账信息、提交并发布目录资源，每\(maxAge)天内至少维护一次（Art. 22(4)）")
        }
        return CheckResult(.ledgerMaintained, .pass, "一本账信息完整，最后维护于 \(system.ledgerUpdatedOn!)", evidence: evidence)
    }

    // MARK: Art. 22(5)

    static func managed(_ input: ComplianceInput) -> CheckResult {
        if input.system.security.classifiedProtection || input.projects.contains(where: { $0.exemption == .classified }) {
            return CheckResult(.managed, .notApplicable, "涉密项目不纳入项目管理平台")
        }
        var gaps: [String] = []
        if input.system.projectCodes.isEmpty { gaps.append("系统未关联任何项目") }
        if !input.missingProjects.isEmpty { gaps.append("关联项目 \(input.missingProjects.joined(separator: "、")) 不在项目管理中") }
        let unapproved = input.projects.filter { $0.milestones.contractSigned != nil && $0.milestones.approved == nil && $0.exemption == nil }
        if !unapproved.isEmpty { gaps.append("项目 \(unapproved.map(\.code).joined(separator: "、")) 未经批复即签订合同，逃避监督管理") }
        let evidence = input.projects.map {
            Evidence(
                $0.code,
                "\($0.category.rawValue) 批复"
                    + " \($0.milestones.approved?.description ?? "无")\($0.exemption.map { " 豁免：\($0.rawValue)" } ?? "")")
        }
        guard gaps.isEmpty else {
            return CheckResult(
                .managed, .fail, gaps.joined(separator: "；"), evidence: evidence,
                remediation: "将项目纳入项目管理（登记申报、审核、批复）（Art. 22(5)）")
        }
        return CheckResult(.managed, .pass, "关联项目均已纳入项目管理", evidence: evidence)
    }

    // MARK: Art. 20, 22(6)

    static func performance(_ input: ComplianceInput) -> CheckResult {
        let latest = input.constructionProjects.filter { $0.milestones.completionAccepted != nil }
            .max { $0.milestones.completionAccepted! < $1.milestones.completionAccepted! }
        guard let live = input.system.wentLiveOn ?? latest?.milestones.completionAccepted else {
            return CheckResult(.performance, .notApplicable, "系统尚未投入使用")
        }
        let opens = live.adding(months: 12)
        let closes = live.adding(months: 24)
        var evidence = [Evidence("投入使用", live.description), Evidence("评价期", "\(opens)–\(closes)")]
        if let project = latest, let evaluated = project.milestones.performanceEvaluated, evaluated <= input.asOf {
            evidence.append(Evidence("绩效评价", "\(evaluated) \(project.performanceResult?.rawValue ?? "结果未登记")"))
            switch (project.performanceResult, project.performanceRectified) {
            case (.passed?, _): return CheckResult(.performance, .pass, "绩效评价合格（\(evaluated)）", evidence: evidence)
            case (.failed?, true?): return CheckResult(.performance, .pass, "绩效评价不合格，已整改到位", evidence: evidence)
            case (.failed?, _):
                return CheckResult(
                    .performance, .fail, "绩效评价不合格且未整改到位", evidence: evidence,
                    remediation: "按评价意见整改并登记整改结果（Art. 22(6)）")
            case (nil, _):
                return CheckResult(.performance, .inconclusive, "已开展绩效评价，但未登记结果", evidence: evidence, remediation: "登记绩效评价结果")
            }
        }
        if input.asOf <= closes {
            return CheckResult(.performance, .notApplicable, "绩效评价期 \(opens)–\(closes)，尚未到期", evidence: evidence)
        }
        return CheckResult(
            .performance, .fail, "投入使用后24个月内（至 \(closes)）未开展绩效评价", evidence: evidence,
            remediation: "开展绩效自评价并将报告报送市大数据工作主管部门（Art. 20）")
    }

    // MARK: Art. 22(7), 18(3)

    /// The probe that shows a system is integrated with each platform (besides the sharing platform).
    static let integrationProbes: [(Platform, String)] = [
        (.aishandong, "service-item"), (.shandongtong, "app"), (.citybrain, "feed"), (.countyNode, "system-registered")
    ]

    /// The platforms a system must use: by its app categories (code list), and the county node for all.
    public static func requiredPlatforms(_ system: InfoSystem, _ codes: CodeLists) -> [Platform] {
        var required: Set<Platform> = [.countyNode]
        for category in system.appCategories {
            for name in codes.entry(category, in: codes.appCategories)?.platforms ?? [] {
                if let platform = Platform(rawValue: name) { required.insert(platform) }
            }
        }
        return Platform.allCases.filter(required.contains)
    }

    static func platformIntegration(_ input: ComplianceInput, _ context: ComplianceContext) -> CheckResult {
        if isInactive(input.system) { return CheckResult(.platformIntegration, .notApplicable, "系统状态为\(input.system.status.rawValue)") }
        let required = requiredPlatforms(input.system, context.codes)
        let results = integrationProbes.filter { required.contains($0.0) }.map { platform, probe in
            ProbeEvidence(input, context.policy, platform: platform, probe: probe)
                .result(.platformIntegration, what: platform.label, remediation: "")
        }
        let evidence = results.flatMap(\.evidence)
        let failed = results.filter { $0.status == .fail }
        let unknown = results.filter { $0.status == .inconclusive }
        let names = required.map(\.label).joined(separator: "、")
        if !failed.isEmpty {
            return CheckResult(
                .platformIntegration, .fail, failed.map(\.reason).joined(separator: "；"), evidence: evidence,
                remediation: "按应用类别规范接入\(names)（Art. 22(7)）")
        }
        if !unknown.isEmpty {
            return CheckResult(
                .platformIntegration, .inconclusive, unknown.map(\.reason).joined(separator: "；"), evidence: evidence,
                remediation: "对该系统重新探测（ybz probe --system \(input.system.code)）")
        }
        return CheckResult(.platformIntegration, .pass, "已接入\(names)并正常工作", evidence: evidence)
    }

    // MARK: Art. 3, 18(3)

    static func cloud(_ input: ComplianceInput) -> CheckResult {
        let deployment = input.system.deployment
        let evidence = [Evidence("政务云", deployment.govCloud ? "是" : "否"), Evidence("云原生", deployment.cloudNative ? "是" : "否")]
        if !deployment.govCloud {
            return CheckResult(.cloud, .fail, "未部署于政务云", evidence: evidence, remediation: "迁移至政务云（Art. 3）")
        }
        if !deployment.cloudNative {
            return CheckResult(
                .cloud, .fail, "部署于政务云，但未应用云原生技术（容器、微服务）", evidence: evidence,
                remediation: "应用容器、微服务等云原生技术（Art. 18(3) 验收前置审查内容）")
        }
        return CheckResult(.cloud, .pass, "部署于政务云并应用云原生技术", evidence: evidence)
    }

    // MARK: Art. 11

    static func procurementFiled(_ input: ComplianceInput, _ calendar: WorkingCalendar) -> CheckResult {
        var evidence: [Evidence] = []
        var late: [String] = []
        var unknown: [String] = []
        for project in input.projects {
            guard let contract = project.milestones.contractSigned, contract <= input.asOf else { continue }
            let due: CivilDate
            do { due = try calendar.addingWorkingDays(7, to: contract) } catch {
                unknown.append("\(project.code)：\(error)")
                continue
            }
            let filed = project.milestones.procurementFiled.flatMap { $0 <= input.asOf ? $0 : nil }
            evidence.append(Evidence("\(project.code) 合同 \(contract)", "采购备案 \(filed?.description ?? "无")，期限 \(due)"))
            if let filed, filed > due { late.append("\(project.code) 采购备案（\(filed)）晚于期限 \(due)") }
            if filed == nil, input.asOf > due { late.append("\(project.code) 合同签订后7个工作日（至 \(due)）未采购备案") }
        }
        if evidence.isEmpty, unknown.isEmpty { return CheckResult(.procurementFiled, .notApplicable, "没有已签订的采购合同") }
        if !late.isEmpty {
            return CheckResult(
                .procurementFiled, .fail, late.joined(separator: "；") + "：未采购备案的项目不得申请验收", evidence: evidence,
                remediation: "向市大数据工作主管部门补办采购备案（Art. 11）")
        }
        if !unknown.isEmpty {
            return CheckResult(
                .procurementFiled, .inconclusive, unknown.joined(separator: "；"), evidence: evidence,
                remediation: "补充该年度的工作日历（catalog/calendar/cn-workdays.yaml）")
        }
        return CheckResult(.procurementFiled, .pass, "采购备案均在合同签订后7个工作日内完成（或尚未到期）", evidence: evidence)
    }

    // MARK: Art. 16

    static func changesFiled(_ input: ComplianceInput) -> CheckResult {
        var evidence: [Evidence] = []
        var gaps: [String] = []
        for project in input.projects {
            for change in project.changes where change.date <= input.asOf {
                evidence.append(
                    Evidence(
                        "\(project.code) \(change.date)",
                        "\(change.description) \(change.amountDelta)元 备案"
                            + "：\(change.filed ? "是" : "否")"))
                if !change.filed { gaps.append("\(project.code) \(change.date) 的变更未备案") }
                if let approved = project.approvedAmount, Money.exceeds(change.amountDelta, percent: Project.reReviewPercent, of: approved),
                    !change.reReviewed
                {
                    gaps.append("\(project.code) \(change.date) 资金调整超过\(Project.reReviewPercent)%，未重新审核")
                }
            }
        }
        if evidence.isEmpty { return CheckResult(.changesFiled, .notApplicable, "没有项目变更") }
        guard gaps.isEmpty else {
            return CheckResult(
                .changesFiled, .fail, gaps.joined(separator: "；") + "：验收申请不予批准", evidence: evidence,
                remediation: "补办变更备案，调整超过15%的重新提报审核（Art. 16）")
        }
        return CheckResult(.changesFiled, .pass, "变更均已备案", evidence: evidence)
    }

    // MARK: Art. 23(3)

    static func deregistrationCandidate(_ input: ComplianceInput, _ policy: Policy) -> CheckResult {
        if input.system.status == .deregistered || input.system.status == .building {
            return CheckResult(.deregistrationCandidate, .notApplicable, "系统状态为\(input.system.status.rawValue)")
        }
        let signals = DeregistrationSignals(input, policy)
        guard signals.found.count >= 2 else {
            let note = signals.found.isEmpty ? "无停滞、数据不更新或活跃度低的迹象" : "仅一项迹象：\(signals.found[0].value)"
            return CheckResult(.deregistrationCandidate, .pass, note, evidence: signals.found)
        }
        return CheckResult(
            .deregistrationCandidate, .fail, "系统停滞、内容长期不更新或用户活跃度低，应提出注销申请或说明",
            evidence: signals.found, remediation: "建设单位提出系统注销申请并编制注销方案，或整改后说明（Art. 23(3)）")
    }
}
