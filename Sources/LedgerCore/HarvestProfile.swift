/// How the datasets of a source become catalog resources (a harvest source's mapping profile, issue 17): the system
/// they belong to, the 类·项·目 under which they are numbered, values for what a source does not say, and how its
/// formats and licences map. Stored with the source as JSON.
public struct HarvestProfile: Codable, Sendable, Equatable {
    /// The system for datasets that do not name one.
    public var system: String?
    /// The 类·项·目 code (`101001`) under which datasets without a resource code are numbered.
    public var classification: String?
    /// 更新周期 when the source gives no periodicity.
    public var updateCycle: String?
    /// 共享类型 when the source gives no access rights.
    public var shareType: String?
    /// 共享条件 (or the reason a resource is not shared) of a 有条件共享 or 不予共享 dataset whose source gives no
    /// rights statement.
    public var shareCondition: String?
    /// 信息资源格式 by format name (`GEOJSON` → `自描述格式`), before the catalog's own mapping; `*` for datasets whose
    /// distributions name no known format.
    public var formats: [String: String]
    /// 开放类型 by a part of the licence (`creativecommons.org/licenses/by` → `无条件开放`).
    public var licences: [String: String]
    /// Whether a dataset whose identifier is a resource code keeps it; else every new dataset is numbered under
    /// `classification` (codes of two sources, two counties, may be the same).
    public var keepCodes: Bool

    public init(
        system: String? = nil, classification: String? = nil, updateCycle: String? = nil, shareType: String? = nil,
        shareCondition: String? = nil, formats: [String: String] = [:], licences: [String: String] = [:], keepCodes: Bool = false
    ) {
        self.system = system
        self.classification = classification
        self.updateCycle = updateCycle
        self.shareType = shareType
        self.shareCondition = shareCondition
        self.formats = formats
        self.licences = licences
        self.keepCodes = keepCodes
    }
}

extension HarvestProfile {
    /// What is wrong with the profile against the code lists, each naming its field: the system and classification
    /// are required (the classification must be in the 类·项·目 list), the defaults must be codes of their lists.
    public func issues(codes: CodeLists) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        if (system ?? "").isEmpty {
            issues.append(
                ValidationIssue(field: "system", value: "", rule: "harvest.system-required", message: "请填写归属系统（系统编号）"))
        }
        if classification.map({ $0.count != 6 || codes.classificationPath(of: $0) == nil }) ?? true {
            issues.append(
                ValidationIssue(
                    field: "classification", value: classification ?? "", rule: "harvest.classification",
                    message: "资源分类码应为资源分类（类·项·目）代码表中的六位代码，如 101001",
                    article: Reference.catalogGuideline))
        }
        for (field, value, list, label) in [
            ("updateCycle", updateCycle, codes.updateCycles, "更新周期"), ("shareType", shareType, codes.shareTypes, "共享类型")
        ] {
            if let value, codes.entry(value, in: list) == nil {
                issues.append(
                    ValidationIssue(
                        field: field, value: value, rule: "harvest.code", message: "\(label)“\(value)”不在代码表中",
                        article: Reference.catalogGuideline))
            }
        }
        for (field, map, list) in [("formats", formats, codes.formats), ("licences", licences, codes.openTypes)] {
            for (key, value) in map.sorted(by: { $0.key < $1.key }) where codes.entry(value, in: list) == nil {
                issues.append(
                    ValidationIssue(
                        field: "\(field).\(key)", value: value, rule: "harvest.code", message: "“\(value)”不在代码表中",
                        article: Reference.catalogGuideline))
            }
        }
        return issues
    }
}
