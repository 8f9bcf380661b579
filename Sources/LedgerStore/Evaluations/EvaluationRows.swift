import Compliance
import Foundation
import GRDB
import LedgerCore

/// A row of `evaluation_batch` of kind `funding`, without its decisions. An as-of date that does not read back is a
/// decoding error naming the batch (logged, and answered as a server error), not a trap.
struct FundingBatchRow: FetchableRecord, Decodable {
    var id: Int64
    var createdAt: String
    var fiscalYear: Int
    var asOf: String
    var policyVersion: String
    /// The counts per fund and status, as JSON.
    var summary: String?
    var ledgerAt: String?
    /// What a whole-ledger batch read (`FundingBasis`, as JSON).
    var basis: String?

    static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }

    /// The batch with `decisions`.
    func batch(decisions: [FundingDecision] = []) throws -> FundingBatch {
        guard let day = CivilDate(asOf) else {
            let context = DecodingError.Context(codingPath: [], debugDescription: "evaluation_batch \(id): as_of '\(asOf)' is no date")
            throw DecodingError.dataCorrupted(context)
        }
        let counts = try summary.map { try CanonicalJSON.decoder.decode([String: [String: Int]].self, from: Data($0.utf8)) }
        let read = try basis.map { try CanonicalJSON.decoder.decode(FundingBasis.self, from: Data($0.utf8)) }
        return FundingBatch(
            id: id, createdAt: createdAt, fiscalYear: fiscalYear, asOf: day, policyVersion: policyVersion, counts: counts ?? [:],
            decisions: decisions, ledgerAt: ledgerAt, reusedFrom: read?.reusedFrom, reused: read?.reused)
    }
}
