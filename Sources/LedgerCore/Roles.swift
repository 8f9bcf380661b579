/// The four roles of the product.
public enum Role: String, Codable, Sendable, CaseIterable {
    /// 数据专员 of one unit: edits that unit's ledger and catalogs.
    case dataOfficer = "data-officer"
    /// 市大数据工作主管部门 reviewer: reads all, probes, approves or returns catalogs, records review decisions.
    case reviewer
    /// 财政局: reads all, runs and exports funding evaluations.
    case finance
    /// 大数据局 administrator: units, users, policy, exceptions.
    case admin

    public var label: String {
        switch self {
        case .dataOfficer: "数据专员"
        case .reviewer: "审查人员"
        case .finance: "财政人员"
        case .admin: "管理员"
        }
    }
}

/// Who is acting: the signed-in account (or the command line), recorded in the audit trail.
public struct Actor: Codable, Sendable, Equatable {
    public var username: String
    public var role: Role
    /// The unit a data officer is bound to.
    public var unitUSCC: String?
    /// The HTTP request id, when the action came through the API.
    public var requestId: String?
    /// The person's name as pages show it (the account's display name), when known.
    public var displayName: String?

    public init(username: String, role: Role, unitUSCC: String? = nil, requestId: String? = nil, displayName: String? = nil) {
        self.username = username
        self.role = role
        self.unitUSCC = unitUSCC
        self.requestId = requestId
        self.displayName = displayName
    }

    /// The command line run by the operator of the machine (imports, CLI decisions).
    public static let commandLine = Actor(username: "cli", role: .admin)
}

/// What an action needs. Every route and page asks `Permission.allows` and nothing else.
public enum Permission: Sendable, Equatable {
    /// Read anything (every role).
    case read
    /// Create, edit or delete a project, system or catalog resource of a unit, or edit the unit's own record.
    case editLedger(unit: String)
    /// Register or delete units.
    case manageUnits
    /// Approve or return catalogs, confirm taking them offline.
    case reviewCatalog
    /// Start probe runs.
    case runProbes
    /// Record pre-acceptance reviews and their decisions.
    case recordReviews
    /// Run and replay funding evaluations.
    case runFunding
    /// Grant waivers (exceptions).
    case manageWaivers
    /// Apply to deregister a system of a unit.
    case applyDeregistration(unit: String)
    /// Review deregistration applications.
    case reviewDeregistration
    /// Manage accounts and tokens.
    case manageUsers
    /// Register, run and remove harvest sources.
    case manageHarvests

    /// Whether `actor` may do it.
    public func allows(_ actor: Actor) -> Bool {
        switch (actor.role, self) {
        case (_, .read): true
        case (.admin, _): true
        case (.dataOfficer, .editLedger(let unit)), (.dataOfficer, .applyDeregistration(let unit)):
            actor.unitUSCC != nil && actor.unitUSCC == unit
        case (.reviewer, .reviewCatalog), (.reviewer, .runProbes), (.reviewer, .recordReviews), (.reviewer, .reviewDeregistration): true
        case (.finance, .runFunding): true
        default: false
        }
    }
}
