import Crypto
import Foundation
import LedgerCore
import Yams

/// The numbers of the compliance rules, versioned with an effective date (`catalog/policy/*.yaml`): score weights,
/// the thresholds the regulation leaves open, and the fixed ones (10 % O&M cap, 3-year free period) with articles.
public struct Policy: Codable, Sendable, Equatable {
    /// The thresholds; see the policy file for what each one means.
    public struct Thresholds: Codable, Sendable, Equatable {
        public var ledgerMaxAgeDays: Int
        public var evidenceMaxAgeDays: Int
        public var dataFreshMinimumPercent: Int
        public var cryptoMaxAgeMonths: Int
        /// By 等保 level (`"3"`), with `default`.
        public var mlpsMaxAgeMonths: [String: Int]
        public var lowActivityUsers30d: Int
        public var minimumScore: Int
        public var minimumCoverage: Int

        /// The 等保测评 age limit for `level`.
        public func mlpsMaxAge(level: Int) -> Int { mlpsMaxAgeMonths[String(level)] ?? mlpsMaxAgeMonths["default"] ?? 24 }
    }

    /// A rule the regulation fixes, with its article.
    public struct FixedRule: Codable, Sendable, Equatable {
        public var years: Int?
        public var percent: Int?
        public var article: String
    }

    public var version: String
    public var effectiveFrom: CivilDate
    public var regulation: String
    /// Score weight by check id; 0 leaves the check out of the score.
    public var weights: [String: Int]
    public var thresholds: Thresholds
    public var omFreePeriod: FixedRule
    public var omCap: FixedRule
    public var acceptanceMaterials: [String]
    /// SHA-256 of the file the policy was read from (empty for a policy built in code).
    public var sha256: String = ""

    enum CodingKeys: String, CodingKey {
        case version, effectiveFrom, regulation, weights, thresholds, omFreePeriod, omCap, acceptanceMaterials, sha256
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(String.self, forKey: .version)
        effectiveFrom = try c.decode(CivilDate.self, forKey: .effectiveFrom)
        regulation = try c.decode(String.self, forKey: .regulation)
        weights = try c.decode([String: Int].self, forKey: .weights)
        thresholds = try c.decode(Thresholds.self, forKey: .thresholds)
        omFreePeriod = try c.decode(FixedRule.self, forKey: .omFreePeriod)
        omCap = try c.decode(FixedRule.self, forKey: .omCap)
        acceptanceMaterials = try c.decode([String].self, forKey: .acceptanceMaterials)
        sha256 = try c.decodeIfPresent(String.self, forKey: .sha256) ?? ""
    }

    /// The weight of a check.
    public func weight(_ check: CheckID) -> Int { weights[check.rawValue] ?? 0 }

    /// The free O&M years and the O&M cap percent (Art. 21).
    public var freeYears: Int { omFreePeriod.years ?? 3 }
    public var capPercent: Int64 { Int64(omCap.percent ?? 10) }

    /// Reads one policy file; the error names the file and what is wrong.
    public static func load(from url: URL) throws -> Policy {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw LedgerError(.badRequest, "策略文件 \(url.path) 无法读取：\(error.localizedDescription)")
        }
        var policy: Policy
        do {
            policy = try YAMLDecoder().decode(Policy.self, from: data)
        } catch let error as DecodingError {
            let issue = DecodingProblem.issue(for: error)
            throw LedgerError(.badRequest, "策略文件 \(url.lastPathComponent)：\(issue.field) \(issue.message)")
        } catch {
            throw LedgerError(.badRequest, "策略文件 \(url.lastPathComponent)：\(error)")
        }
        let unknown = Set(policy.weights.keys).subtracting(CheckID.allCases.map(\.rawValue))
        if let name = unknown.sorted().first {
            throw LedgerError(
                .badRequest,
                "策略文件 \(url.lastPathComponent)：weights.\(name) 不是已知的检查项"
                    + "（\(CheckID.allCases.map(\.rawValue).joined(separator: "、"))）")
        }
        if let negative = policy.weights.first(where: { !(0...1000).contains($0.value) }) {
            throw LedgerError(.badRequest, "策略文件 \(url.lastPathComponent)：weights.\(negative.key) 应在0至1000之间")
        }
        if let percent = policy.omCap.percent, !(0...100).contains(percent) {
            throw LedgerError(.badRequest, "策略文件 \(url.lastPathComponent)：omCap.percent 应在0至100之间（第二十一条）")
        }
        if let years = policy.omFreePeriod.years, !(0...20).contains(years) {
            throw LedgerError(.badRequest, "策略文件 \(url.lastPathComponent)：omFreePeriod.years 应在0至20之间（第十九条）")
        }
        policy.sha256 = Hex.string(SHA256.hash(data: data))
        return policy
    }
}

/// Every policy version in a folder; an evaluation takes the one in force on its as-of date.
public struct PolicyBook: Sendable {
    public let versions: [Policy]

    public init(versions: [Policy]) { self.versions = versions.sorted { $0.effectiveFrom < $1.effectiveFrom } }

    /// Reads every `*.yaml` of `folder` (`catalog/policy/`); two versions with one effective date are refused.
    public static func load(from folder: URL) throws -> PolicyBook {
        let files: [URL]
        do {
            files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        } catch {
            throw LedgerError(
                .badRequest,
                "无法读取策略目录 \(folder.path)（应为 catalog/policy/，内含带生效日期的策略文"
                    + "件 *.yaml）")
        }
        let policies = try files.filter { $0.pathExtension == "yaml" }.sorted { $0.path < $1.path }.map(Policy.load)
        guard !policies.isEmpty else { throw LedgerError(.badRequest, "策略目录 \(folder.path) 中没有策略文件（*.yaml）") }
        let dates = Dictionary(grouping: policies, by: \.effectiveFrom)
        if let clash = dates.first(where: { $0.value.count > 1 }) {
            throw LedgerError(.badRequest, "策略版本 \(clash.value.map(\.version).joined(separator: "、")) 的生效日期同为 \(clash.key)")
        }
        return PolicyBook(versions: policies)
    }

    /// The version in force on `date`.
    public func policy(on date: CivilDate) throws -> Policy {
        guard let policy = versions.last(where: { $0.effectiveFrom <= date }) else {
            throw LedgerError(.badRequest, "\(date) 时没有生效的合规策略（最早的版本自 \(versions.first.map { "\($0.effectiveFrom)" } ?? "-") 起生效）")
        }
        return policy
    }
}
