import Foundation

/// The kinds of record an import takes, in the order they are applied (units before the systems naming them).
public enum RecordKind: String, CaseIterable, Sendable, Comparable {
    case units, projects, systems, resources
    case dataItems = "data-items"

    public static func < (lhs: RecordKind, rhs: RecordKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The kind's name as people read it, also the sheet name in an Excel workbook.
    public var sheetName: String {
        switch self {
        case .units: "建设单位"
        case .projects: "项目"
        case .systems: "政务信息系统"
        case .resources: "信息资源"
        case .dataItems: "信息项"
        }
    }
}
