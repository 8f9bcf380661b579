/// A 建设单位 (construction unit) of Art. 2: the body that registers systems and owns their catalogs.
public struct GovUnit: LedgerRecord {
    public static let label = "建设单位"

    /// 统一社会信用代码 (GB 32100-2015).
    public var uscc: String
    public var name: String
    /// The unit kind of Art. 2 (`行政机关` …).
    public var kind: String
    /// 市直 or one of the 21 towns and streets.
    public var region: String
    /// The supervising unit's USCC, if any.
    public var parentUSCC: String?
    /// The unit's 数据专员 (data officer), free text.
    public var dataOfficer: String?

    public init(
        uscc: String, name: String, kind: String, region: String,
        parentUSCC: String? = nil, dataOfficer: String? = nil
    ) {
        self.uscc = uscc
        self.name = name
        self.kind = kind
        self.region = region
        self.parentUSCC = parentUSCC
        self.dataOfficer = dataOfficer
    }

    public var naturalKey: String { uscc }

    public mutating func normalize(codes: CodeLists) {
        uscc = Normalize.text(uscc).uppercased()
        name = Normalize.text(name)
        kind = codes.canonical(kind, in: codes.unitKinds)
        region = codes.canonical(region, in: codes.regions)
        parentUSCC = Normalize.optional(parentUSCC)?.uppercased()
        dataOfficer = Normalize.optional(dataOfficer)
    }

    public func validate(codes: CodeLists) -> [ValidationIssue] {
        var list = IssueList()
        if let problem = USCC.validate(uscc) {
            list.add("uscc", uscc, "uscc.check", problem.message, article: Reference.gb32100)
        }
        if let parent = parentUSCC {
            if let problem = USCC.validate(parent) {
                list.add("parentUSCC", parent, "uscc.check", problem.message, article: Reference.gb32100)
            } else if parent == uscc {
                list.add("parentUSCC", parent, "unit.parent-self", "上级单位不能是本单位")
            }
        }
        list.requireText("name", name, label: "单位名称")
        list.requireCode("kind", kind, in: codes.unitKinds, codes: codes, label: "单位类型", article: "Art. 2")
        list.requireCode("region", region, in: codes.regions, codes: codes, label: "所属区域")
        return list.issues
    }
}
