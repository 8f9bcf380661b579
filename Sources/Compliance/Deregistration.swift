import Foundation
import LedgerCore
import Yams

/// The four grounds of Art. 23 for deregistering a system.
public enum DeregistrationReason: Int, Codable, Sendable, CaseIterable {
    case noLongerNeeded = 1
    case merged = 2
    case stalled = 3
    case harmful = 4

    public var label: String {
        switch self {
        case .noLongerNeeded: "系统已无使用必要"
        case .merged: "被其他系统覆盖，需要归并整合"
        case .stalled: "系统停滞，内容长期不更新，用户活跃度低、数字资源利用效能差"
        case .harmful: "因系统问题引发重大舆情、产生重大危害等情况，且不能整改"
        }
    }

    public var article: String { "Art. 23(\(rawValue))" }
}

/// The six sections Art. 23 requires of a deregistration plan (注销方案).
public struct DeregistrationPlan: Codable, Sendable, Equatable {
    /// 停用说明
    public var suspension: String
    /// 政策要求
    public var policy: String
    /// 停用实施步骤
    public var steps: String
    /// 停用时限
    public var timeline: String
    /// 资源释放
    public var resourceRelease: String
    /// 数据备份迁移
    public var dataMigration: String

    public init(suspension: String, policy: String, steps: String, timeline: String, resourceRelease: String, dataMigration: String) {
        self.suspension = suspension
        self.policy = policy
        self.steps = steps
        self.timeline = timeline
        self.resourceRelease = resourceRelease
        self.dataMigration = dataMigration
    }

    /// Each section with its field name and Chinese title.
    public var sections: [(field: String, title: String, text: String)] {
        [
            ("plan.suspension", "停用说明", suspension), ("plan.policy", "政策要求", policy), ("plan.steps", "停用实施步骤", steps),
            ("plan.timeline", "停用时限", timeline), ("plan.resourceRelease", "资源释放", resourceRelease),
            ("plan.dataMigration", "数据备份迁移", dataMigration)
        ]
    }
}

/// The outcome of the review of Art. 24 (within 10 working days); an approval is copied to finance.
public struct DeregistrationReview: Codable, Sendable, Equatable {
    public var approved: Bool
    public var opinion: String
    public var reviewer: String
    public var reviewedOn: CivilDate

    public init(approved: Bool, opinion: String, reviewer: String, reviewedOn: CivilDate) {
        self.approved = approved
        self.opinion = opinion
        self.reviewer = reviewer
        self.reviewedOn = reviewedOn
    }
}

/// A unit's application to deregister a system (Art. 23) and its review (Art. 24).
public struct DeregistrationApplication: Codable, Sendable, Equatable {
    public var systemCode: String
    public var unitUSCC: String
    public var reason: DeregistrationReason
    public var appliedOn: CivilDate
    public var plan: DeregistrationPlan
    public var review: DeregistrationReview?

    public init(systemCode: String, unitUSCC: String, reason: DeregistrationReason, appliedOn: CivilDate, plan: DeregistrationPlan) {
        self.systemCode = systemCode
        self.unitUSCC = unitUSCC
        self.reason = reason
        self.appliedOn = appliedOn
        self.plan = plan
    }

    /// Every empty plan section, as a validation issue citing Art. 23.
    public func validate() -> [ValidationIssue] {
        plan.sections.filter { $0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }.map {
            ValidationIssue(
                field: $0.field, value: "", rule: "deregistration.plan-section",
                message: "注销方案缺少“\($0.title)”", article: "Art. 23")
        }
    }
}

extension DeregistrationPlan {
    /// Reads a plan from YAML or JSON (keys `suspension`, `policy`, `steps`, `timeline`, `resourceRelease`,
    /// `dataMigration`); the error names the file and the missing key.
    public static func load(from url: URL) throws -> DeregistrationPlan {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw LedgerError(.badRequest, "注销方案文件 \(url.path) 无法读取：\(error.localizedDescription)")
        }
        do {
            return try YAMLDecoder().decode(DeregistrationPlan.self, from: text)
        } catch let error as DecodingError {
            let issue = DecodingProblem.issue(for: error)
            throw LedgerError(
                .badRequest,
                "注销方案文件 \(url.lastPathComponent)：\(issue.field) \(issue.message)（六部分：停用说明 suspension、政策要"
                    + "求 policy、"
                    + "停用实施步骤 steps、停用时限 timeline、资源释放 resourceRelease、数据备份迁移 dataMigration，Art. 2"
                    + "3）"
            )
        }
    }
}
