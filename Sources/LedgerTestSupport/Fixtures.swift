import Connectors
import Foundation
import LedgerCore
import LedgerStore

/// Shared test data: the repository's real `catalog/`, valid sample records, and fresh ledgers.
public enum Fixtures {
    /// The repository's `catalog/` folder.
    public static let catalog = CatalogDirectory(
        url: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("catalog"))

    /// The real code lists.
    public static let codes: CodeLists = try! catalog.codeLists()

    /// A valid USCC of a 滕州 unit (division code 370481).
    public static func uscc(_ serial: Int) -> String {
        let first17 = Array("11370481" + String(format: "%09d", serial))
        return String(first17) + String(USCC.checkCharacter(for: first17)!)
    }

    public static func unit(_ serial: Int = 1, name: String = "滕州市自然资源局") -> GovUnit {
        GovUnit(uscc: uscc(serial), name: name, kind: "行政机关", region: "市直")
    }

    public static func project(code: String = "TZXM-2025-001", unit: String = uscc(1)) -> Project {
        Project(
            code: code, name: "不动产登记平台建设项目", unitUSCC: unit, category: .construction,
            fundingSource: .budget, approvedAmount: Money(yuan: 800_000))
    }

    public static func system(code: String = "TZ-SYS-001", unit: String = uscc(1), projects: [String] = []) -> InfoSystem {
        InfoSystem(
            code: code, name: "滕州市不动产登记信息管理平台", unitUSCC: unit, status: .running,
            projectCodes: projects, appCategories: ["政务服务类"],
            platformIds: PlatformIds(aishandongItems: ["370481000001"], sharingOrgCode: "TZGX0001"))
    }

    public static func resource(
        code: String = "103003/000001", system: String = "TZ-SYS-001",
        name: String = "不动产登记信息"
    ) -> CatalogResource {
        CatalogResource(
            code: code, name: name, systemCode: system, summary: "不动产首次登记、转移登记信息",
            format: "数据库", formatType: "MySQL",
            items: [DataItem(name: "不动产权证号", type: "C", length: 64), DataItem(name: "登记日期", type: "D")],
            shareType: "有条件共享", shareCondition: "仅限履职使用", shareMethod: "接口", updateCycle: "每日")
    }

    /// An in-memory ledger on the real code lists.
    public static func ledger() throws -> Ledger {
        Ledger(database: try AppDatabase.inMemory(), codes: codes)
    }

    /// An in-memory ledger holding one unit, one project, one system and one resource.
    public static func seededLedger() async throws -> Ledger {
        let ledger = try ledger()
        _ = try await ledger.records.create(unit(), by: .commandLine)
        _ = try await ledger.records.create(project(), by: .commandLine)
        _ = try await ledger.records.create(system(projects: ["TZXM-2025-001"]), by: .commandLine)
        _ = try await ledger.records.create(resource(), by: .commandLine)
        return ledger
    }

    /// A live API token of a new account with `role` (bound to `unit` for a data officer).
    public static func token(_ ledger: Ledger, role: Role = .admin, unit: String? = nil) async throws -> String {
        let username = "\(role.rawValue.replacingOccurrences(of: "-", with: "."))\(unit.map { "." + $0.suffix(4).lowercased() } ?? "")"
        if try await ledger.accounts.accounts().first(where: { $0.username == username }) == nil {
            _ = try await ledger.accounts.createAccount(
                username: username, displayName: role.label, role: role, unitUSCC: unit,
                password: "correct horse battery", cost: 4, by: .commandLine)
        }
        return try await ledger.accounts.createToken(username: username, name: "test", by: .commandLine).1
    }

    /// Writes `text` as UTF-8 to the file `name` in `folder` and returns its URL.
    public static func write(_ name: String, _ text: String, in folder: URL) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    /// A new empty temporary folder.
    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ybz-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

extension ConnectorSpec {
    /// The spec pointed at a simulator on `port` for tests: no maintenance windows, `timeoutMs` per request and no
    /// `elapsed` conditions, so that probes which are not about speed pass while the whole suite loads the cores.
    public func forTests(port: Int, timeoutMs: Double = 5000, retries: Int? = nil) -> ConnectorSpec {
        var spec = self
        spec.baseURL = "http://127.0.0.1:\(port)/\(platform.rawValue)"
        spec.baseURLEnv = nil
        spec.timeoutMs = timeoutMs
        if let retries { spec.retries = retries }
        spec.maintenance = []
        for index in spec.probes.indices { spec.probes[index].conditions.removeAll { $0.description.hasPrefix("elapsed") } }
        spec.canaryConditions.removeAll { $0.description.hasPrefix("elapsed") }
        return spec
    }
}
