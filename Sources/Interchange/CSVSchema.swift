import Foundation
import LedgerCore
import LedgerStore

/// How one CSV column maps to a field of a record's JSON form.
struct CSVColumn: Sendable {
    /// How the cell text becomes a JSON value and back.
    enum Kind: Sendable {
        /// Text; empty stays empty so that validation names a missing required field.
        case text
        /// Text whose empty cell means "absent" (optional codes, dates, amounts).
        case optional
        case int
        /// 是/否 (also true/false, 1/0, Y/N); empty is 否.
        case bool
        /// 是/否, with empty meaning "not stated".
        case optionalBool
        /// Values separated by ";" or "；".
        case list
        /// A JSON array kept in one cell (change filings).
        case json
    }

    /// Dotted path in the record's JSON form, e.g. `security.mlpsLevel`; also accepted as a header.
    var path: String
    /// The Chinese header written on export and accepted on import.
    var header: String
    var kind: Kind

    init(_ path: String, _ header: String, _ kind: Kind = .text) {
        self.path = path
        self.header = header
        self.kind = kind
    }
}

extension RecordKind {
    /// The columns of the kind's CSV file.
    var columns: [CSVColumn] {
        switch self {
        case .units:
            [
                CSVColumn("uscc", "统一社会信用代码"), CSVColumn("name", "单位名称"), CSVColumn("kind", "单位类型"),
                CSVColumn("region", "所属区域"), CSVColumn("parentUSCC", "上级单位代码", .optional),
                CSVColumn("dataOfficer", "数据专员", .optional)
            ]
        case .projects:
            [
                CSVColumn("code", "项目编号"), CSVColumn("name", "项目名称"), CSVColumn("unitUSCC", "建设单位代码"),
                CSVColumn("category", "项目类别", .optional), CSVColumn("fundingSource", "资金来源", .optional),
                CSVColumn("approvedAmount", "批复金额（元）", .optional), CSVColumn("exemption", "备案类型", .optional),
                CSVColumn("preAssessmentReport", "事前绩效评估报告", .bool),
                CSVColumn("demandOpinion", "需求审核意见", .optional), CSVColumn("demandPriority", "需求优先级", .optional)
            ]
                + Milestones().ordered.map { CSVColumn($0.field, "\($0.label)日期", .optional) }
                + [
                    CSVColumn("milestones.procurementFiled", "采购备案日期", .optional),
                    CSVColumn("performanceResult", "绩效评价结果", .optional),
                    CSVColumn("performanceRectified", "绩效整改到位", .optionalBool),
                    CSVColumn("changes", "变更记录", .json), CSVColumn("fiscalYear", "运维财政年度", .int)
                ]
        case .systems:
            [
                CSVColumn("code", "系统编号"), CSVColumn("name", "系统名称"), CSVColumn("unitUSCC", "建设单位代码"),
                CSVColumn("projectCodes", "项目编号", .list), CSVColumn("status", "系统状态", .optional),
                CSVColumn("appCategories", "应用类别", .list), CSVColumn("summary", "系统简介", .optional),
                CSVColumn("deployment.govCloud", "部署于政务云", .bool), CSVColumn("deployment.cloudNative", "云原生", .bool),
                CSVColumn("networks", "部署网络", .list), CSVColumn("security.mlpsLevel", "等保级别", .int),
                CSVColumn("security.mlpsAssessedOn", "等保测评日期", .optional),
                CSVColumn("security.classifiedProtection", "分级保护", .bool),
                CSVColumn("security.cryptoResult", "密评结果", .optional), CSVColumn("security.cryptoAssessedOn", "密评日期", .optional),
                CSVColumn("security.openMajorHazards", "重大安全隐患数", .int), CSVColumn("xinchuang", "信创情况", .optional),
                CSVColumn("cloudResources.allocatedVCPU", "分配vCPU", .int), CSVColumn("cloudResources.usedVCPU", "使用vCPU", .int),
                CSVColumn("cloudResources.allocatedMemoryGB", "分配内存GB", .int),
                CSVColumn("cloudResources.usedMemoryGB", "使用内存GB", .int),
                CSVColumn("cloudResources.allocatedStorageGB", "分配存储GB", .int),
                CSVColumn("cloudResources.usedStorageGB", "使用存储GB", .int),
                CSVColumn("platformIds.aishandongItems", "爱山东事项编码", .list),
                CSVColumn("platformIds.shandongtongAppId", "山东通应用ID", .optional),
                CSVColumn("platformIds.citybrainFeeds", "城市大脑数据源", .list),
                CSVColumn("platformIds.countyNodeId", "县级节点标识", .optional),
                CSVColumn("platformIds.sharingOrgCode", "共享平台机构编码", .optional),
                CSVColumn("materials", "验收材料", .list), CSVColumn("wentLiveOn", "上线日期", .optional),
                CSVColumn("ledgerUpdatedOn", "一本账维护日期", .optional)
            ]
        case .resources:
            [
                CSVColumn("code", "信息资源代码"), CSVColumn("name", "信息资源名称"), CSVColumn("systemCode", "来源系统编号"),
                CSVColumn("summary", "信息资源摘要"), CSVColumn("format", "信息资源格式"),
                CSVColumn("formatType", "格式类型", .optional),
                CSVColumn("shareType", "共享类型"), CSVColumn("shareCondition", "共享条件", .optional),
                CSVColumn("shareMethod", "共享方式", .optional), CSVColumn("openToPublic", "是否向社会开放", .bool),
                CSVColumn("openType", "开放类型", .optional), CSVColumn("openCondition", "开放条件", .optional),
                CSVColumn("updateCycle", "更新周期"), CSVColumn("publishedOn", "发布日期", .optional),
                CSVColumn("relatedCodes", "关联资源代码", .list), CSVColumn("storageMB", "数据存储总量MB", .int),
                CSVColumn("records", "结构化记录总数", .int), CSVColumn("sharedRecords", "已共享记录数", .int),
                CSVColumn("openedRecords", "已开放记录数", .int), CSVColumn("state", "目录状态", .optional),
                CSVColumn("returnReason", "退回原因", .optional)
            ]
        case .dataItems:
            [
                CSVColumn("resourceCode", "信息资源代码"), CSVColumn("seq", "序号", .int), CSVColumn("name", "信息项名称"),
                CSVColumn("type", "数据类型"), CSVColumn("length", "数据长度", .int), CSVColumn("description", "信息项描述", .optional)
            ]
        }
    }

    /// The file name used on export.
    var fileName: String { "\(rawValue).csv" }

    /// The allowed values of each column that takes a code (drop-downs in forms and workbooks), by field path;
    /// 是/否 columns offer both words.
    func choices(codes: CodeLists) -> [String: [String]] {
        var lists: [String: [String]] =
            switch self {
            case .units: ["kind": codes.unitKinds.map(\.name), "region": codes.regions.map(\.name)]
            case .projects:
                [
                    "category": ProjectCategory.allCases.map(\.rawValue), "fundingSource": FundingSource.allCases.map(\.rawValue),
                    "exemption": Exemption.allCases.map(\.rawValue), "performanceResult": PerformanceResult.allCases.map(\.rawValue)
                ]
            case .systems:
                [
                    "status": SystemStatus.allCases.map(\.rawValue), "xinchuang": codes.xinchuangStatuses.map(\.name),
                    "security.cryptoResult": codes.cryptoResults.map(\.name)
                ]
            case .resources:
                [
                    "format": codes.formats.map(\.name), "shareType": codes.shareTypes.map(\.name),
                    "shareMethod": codes.shareMethods.map(\.name), "openType": codes.openTypes.map(\.name),
                    "updateCycle": codes.updateCycles.map(\.name), "state": CatalogState.allCases.map(\.rawValue)
                ]
            case .dataItems: ["type": codes.dataTypes.map(\.code)]
            }
        for column in columns where column.kind == .bool || column.kind == .optionalBool { lists[column.path] = ["是", "否"] }
        return lists
    }

    /// Code lists a multi-value column draws from (values separated by “;”), for hints; not enforced by a drop-down.
    func listChoices(codes: CodeLists) -> [String: [String]] {
        self == .systems
            ? [
                "appCategories": codes.appCategories.map(\.name), "networks": codes.networks.map(\.name),
                "materials": codes.materials.map(\.name)
            ] : [:]
    }

    /// The kind whose distinctive headers a CSV header row carries.
    static func detect(headers: [String]) -> RecordKind? {
        let set = Set(headers)
        func has(_ names: String...) -> Bool { names.allSatisfy { set.contains($0) } }
        if has("信息项名称") || has("name", "type", "resourceCode") { return .dataItems }
        if has("信息资源代码") || has("code", "systemCode", "shareType") { return .resources }
        if has("系统编号") || has("code", "status", "appCategories") { return .systems }
        if has("项目编号") || has("code", "fundingSource") { return .projects }
        if has("统一社会信用代码") || has("uscc") { return .units }
        return nil
    }
}

/// Conversion between cells and the JSON form of records.
enum CellCodec {
    static let trueWords: Set<String> = ["是", "true", "TRUE", "True", "1", "Y", "y", "yes", "有"]
    static let falseWords: Set<String> = ["否", "false", "FALSE", "False", "0", "N", "n", "no", "无", ""]

    /// The JSON value of a cell, `nil` when the field is absent, or a message when the cell cannot be read.
    static func decode(_ raw: String, as kind: CSVColumn.Kind) -> Result<JSONValue?, CellError> {
        let cell = Normalize.text(raw)
        switch kind {
        case .text: return .success(.string(cell))
        case .optional: return .success(cell.isEmpty ? nil : .string(cell))
        case .int:
            if cell.isEmpty { return .success(nil) }
            guard let value = Int64(cell) ?? Int64(cell.filter { $0 != "," }) else {
                return .failure(CellError(rule: "cell.integer", message: "“\(cell)”不是整数"))
            }
            return .success(.int(value))
        case .optionalBool where cell.isEmpty:
            return .success(nil)
        case .bool, .optionalBool:
            if trueWords.contains(cell) { return .success(.bool(true)) }
            if falseWords.contains(cell) { return .success(.bool(false)) }
            return .failure(CellError(rule: "cell.boolean", message: "“\(cell)”应为“是”或“否”"))
        case .list:
            return .success(
                .array(
                    cell.split(whereSeparator: { $0 == ";" || $0 == "；" })
                        .map { Normalize.text(String($0)) }.filter { !$0.isEmpty }.map(JSONValue.string)))
        case .json:
            if cell.isEmpty { return .success(.array([])) }
            // `try?`: any cell that is no JSON gets the rule below.
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(cell.utf8)) else {  // rule below
                return .failure(CellError(rule: "cell.json", message: "不是有效的JSON"))
            }
            return .success(value)
        }
    }

    /// The cell text of a JSON value.
    static func encode(_ value: JSONValue?, as kind: CSVColumn.Kind) -> String {
        switch (value, kind) {
        case (nil, _), (.null?, _): return ""
        case (.bool(let flag)?, _): return flag ? "是" : "否"
        case (.array(let values)?, .list): return values.map { encode($0, as: .text) }.joined(separator: ";")
        case (.array(let values)?, .json) where values.isEmpty: return ""
        case (let value?, .json): return value.canonicalText
        case (.string(let text)?, _): return text
        case (.int(let number)?, _): return String(number)
        case (.double(let number)?, _): return String(number)
        case (let value?, _): return value.canonicalText
        }
    }
}

/// A cell that cannot be read as its column's kind.
struct CellError: Error {
    var rule: String
    var message: String
}
