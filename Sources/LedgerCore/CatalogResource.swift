/// One 信息项 (data item) of a resource.
public struct DataItem: Codable, Sendable, Equatable {
    public var name: String
    /// Data type code (`C`, `N`, `D` …); `字符型` and `字符型C` are accepted and stored as `C`.
    public var type: String
    /// Length, required where the type needs one (C, N, F).
    public var length: Int?
    public var description: String?

    public init(name: String, type: String, length: Int? = nil, description: String? = nil) {
        self.name = name
        self.type = type
        self.length = length
        self.description = description
    }
}

/// A 政务信息资源 of a system's 政务信息资源目录, with every element of 发改高技〔2017〕1272号.
public struct CatalogResource: LedgerRecord {
    public static let label = "信息资源"

    /// 信息资源代码: six-digit classification code, "/", six-digit sequence number; unique and permanent.
    public var code: String
    public var name: String
    /// Code of the 来源系统; the system's unit is the 提供方.
    public var systemCode: String
    /// 信息资源摘要.
    public var summary: String
    /// 信息资源格式 category (`数据库` …) and type (`MySQL` …).
    public var format: String
    public var formatType: String?
    public var items: [DataItem]
    /// 共享属性.
    public var shareType: String
    public var shareCondition: String?
    public var shareMethod: String?
    /// 开放属性.
    public var openToPublic: Bool
    public var openType: String?
    public var openCondition: String?
    public var updateCycle: String
    public var publishedOn: CivilDate?
    /// 关联资源代码.
    public var relatedCodes: [String]
    /// 数据存储总量 in megabytes, 结构化记录总数, and records already shared and opened.
    public var storageMB: Int64?
    public var records: Int64?
    public var sharedRecords: Int64?
    public var openedRecords: Int64?
    /// Catalog workflow state; changed only through `CatalogTransition`.
    public var state: CatalogState
    /// Why the reviewer returned the resource, when it was returned.
    public var returnReason: String?
    /// The harvest source it came from and what that source says beyond the catalog's elements; `nil` for a
    /// resource registered here.
    public var origin: ResourceOrigin?

    public init(
        code: String, name: String, systemCode: String, summary: String, format: String,
        formatType: String? = nil, items: [DataItem] = [], shareType: String,
        shareCondition: String? = nil, shareMethod: String? = nil, openToPublic: Bool = false,
        openType: String? = nil, openCondition: String? = nil, updateCycle: String,
        publishedOn: CivilDate? = nil, relatedCodes: [String] = [], storageMB: Int64? = nil,
        records: Int64? = nil, sharedRecords: Int64? = nil, openedRecords: Int64? = nil,
        state: CatalogState = .draft, returnReason: String? = nil, origin: ResourceOrigin? = nil
    ) {
        self.code = code
        self.name = name
        self.systemCode = systemCode
        self.summary = summary
        self.format = format
        self.formatType = formatType
        self.items = items
        self.shareType = shareType
        self.shareCondition = shareCondition
        self.shareMethod = shareMethod
        self.openToPublic = openToPublic
        self.openType = openType
        self.openCondition = openCondition
        self.updateCycle = updateCycle
        self.publishedOn = publishedOn
        self.relatedCodes = relatedCodes
        self.storageMB = storageMB
        self.records = records
        self.sharedRecords = sharedRecords
        self.openedRecords = openedRecords
        self.state = state
        self.returnReason = returnReason
        self.origin = origin
    }

    public var naturalKey: String { code }

    /// The 共享类型 that keeps a resource off the sharing platform.
    public static let notShared = "不予共享"
    /// The 共享类型 of a resource shared without condition: the only one a public catalog shows (`--public-catalog`).
    public static let openShareType = "无条件共享"
    /// Whether the resource is shared at all (无条件 or 有条件).
    public var isShared: Bool { shareType != Self.notShared }

    /// Whether `code` has the structure `NNNNNN/NNNNNN`.
    public static func hasCodeStructure(_ code: String) -> Bool {
        let parts = code.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts[0].count == 6 && parts[1].count == 6
            && parts.allSatisfy { $0.allSatisfy(\.isASCIIDigitCharacter) }
    }

    public mutating func normalize(codes: CodeLists) {
        code = Normalize.text(code)
        if code.contains("／") { code = code.replacingOccurrences(of: "／", with: "/") }
        name = Normalize.text(name)
        systemCode = Normalize.text(systemCode)
        summary = Normalize.text(summary)
        format = codes.canonical(format, in: codes.formats)
        formatType = Normalize.optional(formatType)
        shareType = codes.canonical(shareType, in: codes.shareTypes)
        shareCondition = Normalize.optional(shareCondition)
        shareMethod = codes.canonical(shareMethod, in: codes.shareMethods)
        openType = codes.canonical(openType, in: codes.openTypes)
        openCondition = Normalize.optional(openCondition)
        updateCycle = codes.canonical(updateCycle, in: codes.updateCycles)
        relatedCodes = relatedCodes.map(Normalize.text)
        returnReason = Normalize.optional(returnReason)
        for index in items.indices {
            items[index].name = Normalize.text(items[index].name)
            items[index].type = codes.dataType(items[index].type)?.code ?? Normalize.text(items[index].type)
            items[index].description = Normalize.optional(items[index].description)
        }
    }

    public func validate(codes: CodeLists) -> [ValidationIssue] {
        var list = IssueList()
        let guideline = Reference.catalogGuideline
        if !CatalogResource.hasCodeStructure(code) {
            list.add(
                "code", code, "code.structure",
                "信息资源代码应为“6位分类码/6位顺序码”，如 101001/000001", article: guideline)
        } else if codes.classificationPath(of: code.prefix(6)) == nil {
            list.add(
                "code", code, "code.classification",
                "分类码\(code.prefix(6))不在资源分类（类·项·目）代码表中", article: guideline)
        }
        list.requireText("name", name, label: "信息资源名称", article: guideline)
        list.requireText("systemCode", systemCode, label: "来源系统")
        list.requireText("summary", summary, label: "信息资源摘要", article: guideline)
        validateFormat(&list, codes: codes)
        validateShare(&list, codes: codes)
        validateOpen(&list, codes: codes)
        list.requireCode(
            "updateCycle", updateCycle, in: codes.updateCycles, codes: codes, label: "更新周期",
            article: "Art. 26")
        for (index, related) in relatedCodes.enumerated() {
            if !CatalogResource.hasCodeStructure(related) {
                list.add("relatedCodes[\(index)]", related, "code.structure", "关联资源代码格式不正确", article: guideline)
            } else if related == code {
                list.add("relatedCodes[\(index)]", related, "related.self", "关联资源不能是本资源")
            }
        }
        validateCounts(&list)
        list.add(contentsOf: validateItems(codes: codes))
        return list.issues
    }

    private func validateFormat(_ list: inout IssueList, codes: CodeLists) {
        list.requireCode(
            "format", format, in: codes.formats, codes: codes, label: "信息资源格式",
            article: Reference.catalogGuideline)
        if let entry = codes.entry(format, in: codes.formats), let type = formatType,
            let types = entry.types, !types.contains(where: { $0.caseInsensitiveCompare(type) == .orderedSame })
        {
            list.add(
                "formatType", type, "format.type", "格式类型“\(type)”不属于\(format)（允许：\(types.joined(separator: "、"))）",
                article: Reference.catalogGuideline, severity: .warning)
        }
    }

    private func validateShare(_ list: inout IssueList, codes: CodeLists) {
        let guideline = Reference.catalogGuideline
        list.requireCode("shareType", shareType, in: codes.shareTypes, codes: codes, label: "共享类型", article: guideline)
        let shareEntry = codes.entry(shareType, in: codes.shareTypes)
        if shareEntry?.requiresCondition == true, shareCondition == nil {
            let what = !isShared ? "不予共享的法律、行政法规或政策依据" : "共享条件"
            list.add(
                "shareCondition", "", "share.condition-required", "共享类型为\(shareType)时须填写\(what)",
                article: guideline)
        }
        if !isShared { return }
        guard let method = shareMethod else {
            list.add("shareMethod", "", "shareMethod.required", "共享类型为\(shareType)时须填写共享方式", article: guideline)
            return
        }
        list.requireCode("shareMethod", method, in: codes.shareMethods, codes: codes, label: "共享方式", article: guideline)
        if let methodEntry = codes.entry(method, in: codes.shareMethods), methodEntry.platform == true,
            let allowed = codes.entry(format, in: codes.formats)?.shareMethods, !allowed.contains(method)
        {
            list.add(
                "shareMethod", method, "share.method-matches-format",
                "\(format)类资源通过共享平台应以\(allowed.joined(separator: "或"))方式共享，不能以\(method)方式共享",
                article: guideline)
        }
    }

    private func validateOpen(_ list: inout IssueList, codes: CodeLists) {
        let guideline = Reference.catalogGuideline
        guard openToPublic else {
            if let type = openType, type != "不予开放" {
                list.add("openType", type, "open.flag-mismatch", "未向社会开放的资源，开放类型只能为不予开放", article: guideline)
            }
            return
        }
        guard let type = openType else {
            list.add("openType", "", "openType.required", "向社会开放的资源须填写开放类型", article: guideline)
            return
        }
        list.requireCode("openType", type, in: codes.openTypes, codes: codes, label: "开放类型", article: guideline)
        if codes.entry(type, in: codes.openTypes)?.requiresCondition == true, openCondition == nil {
            list.add("openCondition", "", "open.condition-required", "开放类型为\(type)时须填写开放条件", article: guideline)
        }
        if type == "不予开放" {
            list.add("openType", type, "open.flag-mismatch", "标记为向社会开放的资源，开放类型不能为不予开放", article: guideline)
        }
        if !isShared {
            list.add("openToPublic", "true", "open.requires-sharing", "不予共享的资源不能向社会开放", article: guideline)
        }
    }

    private func validateCounts(_ list: inout IssueList) {
        let counts: [(String, Int64?, String)] = [
            ("storageMB", storageMB, "数据存储总量"), ("records", records, "结构化记录总数"),
            ("sharedRecords", sharedRecords, "已共享记录数"), ("openedRecords", openedRecords, "已开放记录数")
        ]
        for (field, value, label) in counts {
            if let value, value < 0 { list.add(field, String(value), "count.non-negative", "\(label)不能为负数") }
        }
        for (field, value, label) in [("sharedRecords", sharedRecords, "已共享记录数"), ("openedRecords", openedRecords, "已开放记录数")] {
            if let value, let total = records, value > total {
                list.add(field, String(value), "count.within-total", "\(label)（\(value)）超过结构化记录总数（\(total)）")
            }
        }
    }

    /// The rules of the 信息项 list: names unique and filled, types from the code list, lengths where needed.
    public func validateItems(codes: CodeLists) -> [ValidationIssue] {
        var list = IssueList()
        if items.isEmpty, format == "数据库" || format == "电子表格" {
            list.add(
                "items", "", "items.required", "\(format)类资源应列出信息项（提交审核前须补齐）",
                article: Reference.catalogGuideline, severity: .warning)
        }
        var seen: Set<String> = []
        for (index, item) in items.enumerated() {
            for issue in DataItem.issues(of: item, codes: codes) { list.add(contentsOf: [issue.nested(under: "items[\(index)]")]) }
            if !item.name.isEmpty, !seen.insert(item.name).inserted {
                list.add(
                    "items[\(index)].name", item.name, "items.unique-name", "信息项名称“\(item.name)”重复",
                    article: Reference.catalogGuideline)
            }
        }
        return list.issues
    }
}

extension DataItem {
    /// The rules of one item on its own.
    public static func issues(of item: DataItem, codes: CodeLists) -> [ValidationIssue] {
        var list = IssueList()
        let guideline = Reference.catalogGuideline
        list.requireText("name", item.name, label: "信息项名称", article: guideline)
        for (field, text) in [("name", item.name), ("description", item.description ?? "")] {
            if let issue = FieldLimits.issue(field: field, text: text) { list.add(contentsOf: [issue]) }
        }
        guard let type = codes.dataType(item.type) else {
            let allowed = codes.dataTypes.map { "\($0.name)\($0.code)" }.joined(separator: "、")
            list.add("type", item.type, "item.type", "数据类型“\(item.type)”不在代码表中（允许：\(allowed)）", article: guideline)
            return list.issues
        }
        if type.needsLength == true, item.length == nil {
            list.add("length", "", "item.length-required", "\(type.name)\(type.code)须填写数据长度", article: guideline)
        }
        if let length = item.length, length <= 0 {
            list.add("length", String(length), "item.length-positive", "数据长度应为正整数", article: guideline)
        } else if let length = item.length, length > 1_000_000_000 {
            list.add("length", String(length), "item.length-range", "数据长度不能超过1000000000", article: guideline)
        }
        return list.issues
    }
}

/// 目录状态: 待提交 → 待审核 → 已发布 / 已退回 → 下线中 → 已下线.
public enum CatalogState: String, ChineseCode {
    case draft = "待提交"
    case pendingReview = "待审核"
    case published = "已发布"
    case returned = "已退回"
    case goingOffline = "下线中"
    case offline = "已下线"

    /// Whether the resource's content may still be edited.
    public var isEditable: Bool { self != .goingOffline && self != .offline }
}

/// An action of the catalog workflow.
public enum CatalogTransition: String, CaseIterable, Sendable {
    case submit
    case approve
    case `return`
    case takeOffline = "take-offline"
    case confirmOffline = "confirm-offline"

    /// The Chinese name of the action.
    public var label: String {
        switch self {
        case .submit: "提交审核"
        case .approve: "审核通过"
        case .return: "退回"
        case .takeOffline: "申请下线"
        case .confirmOffline: "确认下线"
        }
    }

    /// The state after the action from `state`, or a conflict error naming the states that allow it.
    /// Returning requires a reason; submitting requires the data items a structured resource must list.
    public func apply(to resource: CatalogResource, reason: String?, codes: CodeLists) throws -> CatalogState {
        let state = resource.state
        let (from, to): ([CatalogState], CatalogState) =
            switch self {
            case .submit: ([.draft, .returned], .pendingReview)
            case .approve: ([.pendingReview], .published)
            case .return: ([.pendingReview], .returned)
            case .takeOffline: ([.published], .goingOffline)
            case .confirmOffline: ([.goingOffline], .offline)
            }
        guard from.contains(state) else {
            throw LedgerError(.conflict, "当前状态为\(state.rawValue)，不能\(label)（仅限：\(from.map(\.rawValue).joined(separator: "、"))）")
        }
        if self == .submit, case let missing = resource.validateItems(codes: codes).filter({ $0.rule == "items.required" }),
            !missing.isEmpty
        {
            throw LedgerError.invalid(
                missing.map { issue in
                    var issue = issue
                    issue.severity = .error
                    return issue
                })
        }
        if self == .return, Normalize.optional(reason) == nil {
            throw LedgerError.invalid([
                ValidationIssue(
                    field: "reason", value: "", rule: "return.reason-required",
                    message: "退回时须填写退回原因")
            ])
        }
        return to
    }
}

extension CatalogResource {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            code: try c.decode(String.self, forKey: .code), name: try c.decode(String.self, forKey: .name),
            systemCode: try c.decode(.systemCode, default: ""), summary: try c.decode(.summary, default: ""),
            format: try c.decode(.format, default: ""), formatType: try c.decodeIfPresent(String.self, forKey: .formatType),
            items: try c.decode(.items, default: []), shareType: try c.decode(.shareType, default: ""),
            shareCondition: try c.decodeIfPresent(String.self, forKey: .shareCondition),
            shareMethod: try c.decodeIfPresent(String.self, forKey: .shareMethod),
            openToPublic: try c.decode(.openToPublic, default: false),
            openType: try c.decodeIfPresent(String.self, forKey: .openType),
            openCondition: try c.decodeIfPresent(String.self, forKey: .openCondition),
            updateCycle: try c.decode(.updateCycle, default: ""),
            publishedOn: try c.decodeIfPresent(CivilDate.self, forKey: .publishedOn),
            relatedCodes: try c.decode(.relatedCodes, default: []),
            storageMB: try c.decodeIfPresent(Int64.self, forKey: .storageMB),
            records: try c.decodeIfPresent(Int64.self, forKey: .records),
            sharedRecords: try c.decodeIfPresent(Int64.self, forKey: .sharedRecords),
            openedRecords: try c.decodeIfPresent(Int64.self, forKey: .openedRecords),
            state: try c.decode(.state, default: .draft),
            returnReason: try c.decodeIfPresent(String.self, forKey: .returnReason),
            origin: try c.decodeIfPresent(ResourceOrigin.self, forKey: .origin))
    }
}
