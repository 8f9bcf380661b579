import Foundation

/// The `catalog/` folder: code lists, calendar, policy and demo data, read at run time.
public struct CatalogDirectory: Sendable {
    public let url: URL

    public init(url: URL) { self.url = url }

    /// Finds the folder: `$YBZ_CATALOG`, else `./catalog`, else `catalog/` beside or above the executable.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> CatalogDirectory {
        var candidates: [URL] = []
        if let configured = environment["YBZ_CATALOG"] { candidates.append(URL(fileURLWithPath: configured)) }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("catalog"))
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(dir.appendingPathComponent("catalog"))
            dir = dir.deletingLastPathComponent()
        }
        for candidate in candidates
        where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("codelists.yaml").path) {
            return CatalogDirectory(url: candidate)
        }
        throw LedgerError(.badRequest, "找不到 catalog/ 目录（需含 codelists.yaml）；请在仓库根目录运行，或设置 YBZ_CATALOG")
    }

    public var codeListsURL: URL { url.appendingPathComponent("codelists.yaml") }
    public var calendarURL: URL { url.appendingPathComponent("calendar/cn-workdays.yaml") }
    /// The compliance policy versions (`catalog/policy/*.yaml`).
    public var policyURL: URL { url.appendingPathComponent("policy") }
    public var demoURL: URL { url.appendingPathComponent("demo/tengzhou-demo.json") }
    /// The simulator scenario that matches the demo ledger.
    public var demoScenarioURL: URL { url.appendingPathComponent("demo/tengzhou-scenario.json") }

    /// The platform specs: `$YBZ_CONNECTORS`, else `connectors/` beside `catalog/`.
    public func connectorsURL(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        environment["YBZ_CONNECTORS"].map { URL(fileURLWithPath: $0) }
            ?? url.deletingLastPathComponent().appendingPathComponent("connectors")
    }

    /// Loads the code lists.
    public func codeLists() throws -> CodeLists { try CodeLists.load(from: codeListsURL) }

    /// Loads the working-day calendar.
    public func calendar() throws -> WorkingCalendar { try WorkingCalendar.load(from: calendarURL) }
}
