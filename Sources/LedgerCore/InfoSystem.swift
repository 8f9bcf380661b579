/// 系统状态.
public enum SystemStatus: String, ChineseCode {
    case building = "建设中"
    case trial = "试运行"
    case running = "运行"
    case suspended = "停用"
    case deregistered = "已注销"

    public static var aliases: [String: SystemStatus] { ["在建": .building, "运行中": .running, "在用": .running, "注销": .deregistered] }
}

/// Where and how a system is deployed (Art. 3, 18(3)).
public struct Deployment: Codable, Sendable, Equatable {
    /// Deployed on the 政务云.
    public var govCloud: Bool
    /// Uses cloud-native technology (containers, microservices).
    public var cloudNative: Bool

    public init(govCloud: Bool = false, cloudNative: Bool = false) {
        self.govCloud = govCloud
        self.cloudNative = cloudNative
    }
}

/// Security facts: 等保, 分级保护, 密评 and open major hazards (Art. 29-30).
public struct SecurityProfile: Codable, Sendable, Equatable {
    /// 等级保护 level, 1-5.
    public var mlpsLevel: Int?
    /// Date of the last 等保测评.
    public var mlpsAssessedOn: CivilDate?
    /// Under 分级保护 (classified systems).
    public var classifiedProtection: Bool
    /// 密评 result from the code list (`通过` …).
    public var cryptoResult: String?
    public var cryptoAssessedOn: CivilDate?
    /// Open 重大安全隐患.
    public var openMajorHazards: Int

    public init(
        mlpsLevel: Int? = nil, mlpsAssessedOn: CivilDate? = nil, classifiedProtection: Bool = false,
        cryptoResult: String? = nil, cryptoAssessedOn: CivilDate? = nil, openMajorHazards: Int = 0
    ) {
        self.mlpsLevel = mlpsLevel
        self.mlpsAssessedOn = mlpsAssessedOn
        self.classifiedProtection = classifiedProtection
        self.cryptoResult = cryptoResult
        self.cryptoAssessedOn = cryptoAssessedOn
        self.openMajorHazards = openMajorHazards
    }
}

/// 政务云 resources allocated to and used by a system.
public struct CloudResources: Codable, Sendable, Equatable {
    public var allocatedVCPU: Int?
    public var usedVCPU: Int?
    public var allocatedMemoryGB: Int?
    public var usedMemoryGB: Int?
    public var allocatedStorageGB: Int?
    public var usedStorageGB: Int?

    public init() {}
}

/// The system's identifiers on the unified platforms, used by the probes.
public struct PlatformIds: Codable, Sendable, Equatable {
    /// 爱山东 service item codes (事项编码).
    public var aishandongItems: [String]
    /// 山东通 application id.
    public var shandongtongAppId: String?
    /// 城市大脑 feed ids.
    public var citybrainFeeds: [String]
    /// Id on the 一体化大数据平台县级节点.
    public var countyNodeId: String?
    /// Organisation code on the 滕州市级数据共享开放平台.
    public var sharingOrgCode: String?

    public init(
        aishandongItems: [String] = [], shandongtongAppId: String? = nil, citybrainFeeds: [String] = [],
        countyNodeId: String? = nil, sharingOrgCode: String? = nil
    ) {
        self.aishandongItems = aishandongItems
        self.shandongtongAppId = shandongtongAppId
        self.citybrainFeeds = citybrainFeeds
        self.countyNodeId = countyNodeId
        self.sharingOrgCode = sharingOrgCode
    }
}

/// A 政务信息系统: the main row of the 数字资源“一本账”.
public struct InfoSystem: LedgerRecord {
    public static let label = "政务信息系统"

    public var code: String
    public var name: String
    public var unitUSCC: String
    /// Codes of the projects that built or maintain the system.
    public var projectCodes: [String]
    public var status: SystemStatus
    /// 应用类别 (decide the required platform integrations, Art. 22(7)).
    public var appCategories: [String]
    public var summary: String?
    public var deployment: Deployment
    public var networks: [String]
    public var security: SecurityProfile
    /// 信创 status (Art. 22(3), 31).
    public var xinchuang: String?
    public var cloudResources: CloudResources
    public var platformIds: PlatformIds
    /// 验收材料 on file.
    public var materials: [String]
    /// 上线日期.
    public var wentLiveOn: CivilDate?
    /// Last 一本账 maintenance by the unit (Art. 5, 22(4)).
    public var ledgerUpdatedOn: CivilDate?

    public init(
        code: String, name: String, unitUSCC: String, status: SystemStatus,
        projectCodes: [String] = [], appCategories: [String] = [], summary: String? = nil,
        deployment: Deployment = Deployment(), networks: [String] = [],
        security: SecurityProfile = SecurityProfile(), xinchuang: String? = nil,
        cloudResources: CloudResources = CloudResources(), platformIds: PlatformIds = PlatformIds(),
        materials: [String] = [], wentLiveOn: CivilDate? = nil, ledgerUpdatedOn: CivilDate? = nil
    ) {
        self.code = code
        self.name = name
        self.unitUSCC = unitUSCC
        self.status = status
        self.projectCodes = projectCodes
        self.appCategories = appCategories
        self.summary = summary
        self.deployment = deployment
        self.networks = networks
        self.security = security
        self.xinchuang = xinchuang
        self.cloudResources = cloudResources
        self.platformIds = platformIds
        self.materials = materials
        self.wentLiveOn = wentLiveOn
        self.ledgerUpdatedOn = ledgerUpdatedOn
    }

    public var naturalKey: String { code }

    public mutating func normalize(codes: CodeLists) {
        code = Normalize.text(code)
        name = Normalize.text(name)
        unitUSCC = Normalize.text(unitUSCC).uppercased()
        projectCodes = projectCodes.map(Normalize.text)
        appCategories = appCategories.map { codes.canonical($0, in: codes.appCategories) }
        summary = Normalize.optional(summary)
        networks = networks.map { codes.canonical($0, in: codes.networks) }
        security.cryptoResult = codes.canonical(security.cryptoResult, in: codes.cryptoResults)
        xinchuang = codes.canonical(xinchuang, in: codes.xinchuangStatuses)
        platformIds.aishandongItems = platformIds.aishandongItems.map(Normalize.text)
        platformIds.citybrainFeeds = platformIds.citybrainFeeds.map(Normalize.text)
        platformIds.shandongtongAppId = Normalize.optional(platformIds.shandongtongAppId)
        platformIds.countyNodeId = Normalize.optional(platformIds.countyNodeId)
        platformIds.sharingOrgCode = Normalize.optional(platformIds.sharingOrgCode)
        materials = materials.map { codes.canonical($0, in: codes.materials) }
    }

    public func validate(codes: CodeLists) -> [ValidationIssue] {
        var list = IssueList()
        list.requireText("code", code, label: "系统编号")
        list.requireText("name", name, label: "系统名称")
        if appCategories.isEmpty {
            list.add(
                "appCategories", "", "appCategories.required",
                "应至少填写一个应用类别（决定须接入的统建平台）", article: "Art. 22(7)")
        }
        for (index, category) in appCategories.enumerated() {
            list.requireCode(
                "appCategories[\(index)]", category, in: codes.appCategories, codes: codes,
                label: "应用类别", article: "Art. 22(7)")
        }
        for (index, network) in networks.enumerated() {
            list.requireCode("networks[\(index)]", network, in: codes.networks, codes: codes, label: "部署网络")
        }
        for (index, material) in materials.enumerated() {
            list.requireCode(
                "materials[\(index)]", material, in: codes.materials, codes: codes,
                label: "验收材料", article: "Art. 18")
        }
        if let level = security.mlpsLevel, !(1...5).contains(level) {
            list.add("security.mlpsLevel", String(level), "mlps.level", "等保级别应为1—5级", article: "Art. 29")
        }
        if let result = security.cryptoResult {
            list.requireCode(
                "security.cryptoResult", result, in: codes.cryptoResults, codes: codes,
                label: "密评结果", article: "Art. 30")
            if result != "未开展", security.cryptoAssessedOn == nil {
                list.add(
                    "security.cryptoAssessedOn", "", "crypto.date-required",
                    "已有密评结果“\(result)”，应填写密评日期", article: "Art. 30")
            }
        }
        if security.openMajorHazards < 0 {
            list.add("security.openMajorHazards", String(security.openMajorHazards), "count.non-negative", "重大安全隐患数不能为负数")
        }
        if let status = xinchuang {
            list.requireCode(
                "xinchuang", status, in: codes.xinchuangStatuses, codes: codes,
                label: "信创情况", article: "Art. 22(3), 31")
        }
        validateCloud(&list)
        validateIntegrations(&list, codes: codes)
        return list.issues
    }

    private func validateCloud(_ list: inout IssueList) {
        let pairs: [(String, Int?, Int?, String)] = [
            ("VCPU", cloudResources.allocatedVCPU, cloudResources.usedVCPU, "vCPU"),
            ("MemoryGB", cloudResources.allocatedMemoryGB, cloudResources.usedMemoryGB, "内存"),
            ("StorageGB", cloudResources.allocatedStorageGB, cloudResources.usedStorageGB, "存储")
        ]
        for (suffix, allocated, used, label) in pairs {
            for (kind, value) in [("allocated", allocated), ("used", used)] {
                if let value, value < 0 {
                    list.add("cloudResources.\(kind)\(suffix)", String(value), "count.non-negative", "云资源\(label)不能为负数")
                }
            }
            if let allocated, let used, used > allocated {
                list.add(
                    "cloudResources.used\(suffix)", String(used), "cloud.used-within-allocated",
                    "已使用\(label)（\(used)）超过已分配（\(allocated)）")
            }
        }
    }

    /// Warnings for a running system whose categories require a platform id it does not have.
    private func validateIntegrations(_ list: inout IssueList, codes: CodeLists) {
        guard status == .running || status == .trial else { return }
        let required = Set(appCategories.compactMap { codes.entry($0, in: codes.appCategories)?.platforms }.joined())
        let missing: [(String, String, Bool)] = [
            ("aishandong", "platformIds.aishandongItems", platformIds.aishandongItems.isEmpty),
            ("shandongtong", "platformIds.shandongtongAppId", platformIds.shandongtongAppId == nil),
            ("citybrain", "platformIds.citybrainFeeds", platformIds.citybrainFeeds.isEmpty)
        ]
        let names = ["aishandong": "爱山东", "shandongtong": "山东通", "citybrain": "城市大脑"]
        for (platform, field, isMissing) in missing where required.contains(platform) && isMissing {
            list.add(
                field, "", "integration.id-missing",
                "应用类别要求接入\(names[platform]!)，但未登记平台标识", article: "Art. 22(7)", severity: .warning)
        }
        if platformIds.sharingOrgCode == nil {
            list.add(
                "platformIds.sharingOrgCode", "", "integration.id-missing",
                "未登记滕州市级数据共享开放平台机构编码", article: "Art. 28", severity: .warning)
        }
    }
}

extension Deployment {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(govCloud: try c.decode(.govCloud, default: false), cloudNative: try c.decode(.cloudNative, default: false))
    }
}

extension SecurityProfile {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            mlpsLevel: try c.decodeIfPresent(Int.self, forKey: .mlpsLevel),
            mlpsAssessedOn: try c.decodeIfPresent(CivilDate.self, forKey: .mlpsAssessedOn),
            classifiedProtection: try c.decode(.classifiedProtection, default: false),
            cryptoResult: try c.decodeIfPresent(String.self, forKey: .cryptoResult),
            cryptoAssessedOn: try c.decodeIfPresent(CivilDate.self, forKey: .cryptoAssessedOn),
            openMajorHazards: try c.decode(.openMajorHazards, default: 0))
    }
}

extension PlatformIds {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            aishandongItems: try c.decode(.aishandongItems, default: []),
            shandongtongAppId: try c.decodeIfPresent(String.self, forKey: .shandongtongAppId),
            citybrainFeeds: try c.decode(.citybrainFeeds, default: []),
            countyNodeId: try c.decodeIfPresent(String.self, forKey: .countyNodeId),
            sharingOrgCode: try c.decodeIfPresent(String.self, forKey: .sharingOrgCode))
    }
}

extension InfoSystem {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            code: try c.decode(String.self, forKey: .code), name: try c.decode(String.self, forKey: .name),
            unitUSCC: try c.decode(String.self, forKey: .unitUSCC),
            status: try c.decode(SystemStatus.self, forKey: .status),
            projectCodes: try c.decode(.projectCodes, default: []),
            appCategories: try c.decode(.appCategories, default: []),
            summary: try c.decodeIfPresent(String.self, forKey: .summary),
            deployment: try c.decode(.deployment, default: Deployment()),
            networks: try c.decode(.networks, default: []),
            security: try c.decode(.security, default: SecurityProfile()),
            xinchuang: try c.decodeIfPresent(String.self, forKey: .xinchuang),
            cloudResources: try c.decode(.cloudResources, default: CloudResources()),
            platformIds: try c.decode(.platformIds, default: PlatformIds()),
            materials: try c.decode(.materials, default: []),
            wentLiveOn: try c.decodeIfPresent(CivilDate.self, forKey: .wentLiveOn),
            ledgerUpdatedOn: try c.decodeIfPresent(CivilDate.self, forKey: .ledgerUpdatedOn))
    }
}
