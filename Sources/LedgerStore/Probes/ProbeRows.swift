import Foundation
import GRDB
import LedgerCore

/// A row of `probe_run` read as the record it stores (snake-case columns; `spec_hashes` and `summary` hold JSON).
extension ProbeRunRecord: FetchableRecord {
    public static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
}

/// A row of `integration_status`: one integration's debounced state. A status that is no `VerdictOutcome` is a
/// decoding error naming the column, not a trap.
struct IntegrationStatusRow: FetchableRecord, Decodable {
    var platform: String
    var systemKey: String
    var probe: String
    var target: String
    var status: VerdictOutcome
    var candidate: VerdictOutcome?
    var streak: Int
    var changedAt: String

    static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }

    var state: IntegrationStatus { IntegrationStatus(status: status, candidate: candidate, streak: streak) }

    var record: IntegrationRecord {
        IntegrationRecord(platform: platform, systemCode: systemKey, probe: probe, target: target, status: state, changedAt: changedAt)
    }
}
