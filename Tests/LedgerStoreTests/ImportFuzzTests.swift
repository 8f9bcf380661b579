import Foundation
import Interchange
import LedgerCore
import LedgerStore
import LedgerTestSupport
import Spreadsheet
import Testing

/// Seeded random and mutated inputs to every importer: whatever the input, no crash, a refusal names its place, and
/// a refused import writes nothing. `YBZ_FUZZ_CASES` sets how many cases per format (default 300 in CI).
@Suite("Importer fuzzing", .serialized)
struct ImportFuzzTests {
    static let cases = ProcessInfo.processInfo.environment["YBZ_FUZZ_CASES"].flatMap(Int.init) ?? 300
    let folder = try! Fixtures.temporaryDirectory()

    /// The seeded ledger's own export in each format, the seeds of the mutations.
    static func seeds(_ ledger: Ledger, folder: URL) async throws -> [String: [UInt8]] {
        var seeds: [String: [UInt8]] = [:]
        for url in try await Exporter(ledger: ledger).writeCSV(to: folder) { seeds[url.lastPathComponent] = Array(try Data(contentsOf: url)) }
        let json = folder.appendingPathComponent("ledger.json")
        try await Exporter(ledger: ledger).writeJSON(to: json)
        seeds["ledger.json"] = Array(try Data(contentsOf: json))
        seeds["catalog.jsonld"] = Array(try await DCAT.jsonLD(ledger: ledger, base: "https://ybz.invalid"))
        seeds["ledger.xlsx"] = Array(try await Exporter(ledger: ledger).xlsxData())
        return seeds
    }

    @Test(arguments: ["units.csv", "projects.csv", "systems.csv", "resources.csv", "data-items.csv", "ledger.json", "catalog.jsonld", "ledger.xlsx"])
    func mutatedInputNeverCrashesOrHalfWrites(_ name: String) async throws {
        let ledger = try await Fixtures.seededLedger()
        let seeds = try await Self.seeds(ledger, folder: folder)
        let seed = try #require(seeds[name])
        var mutator = Mutator(random: SeededRandom(state: name.utf8.reduce(UInt64(1)) { $0 &* 31 &+ UInt64($1) }))
        var refused = 0
        for number in 0..<Self.cases {
            let mutated: [UInt8] =
                name.hasSuffix(".csv") && number % 2 == 0
                ? Array(mutator.csv(String(decoding: seed, as: UTF8.self)).utf8) : mutator.bytes(seed)
            let url = folder.appendingPathComponent("case-\(number)-\(name)")
            try Data(mutated).write(to: url)
            let before = try await ledger.records.counts()
            let generation = try await ledger.audit.entries(limit: 1).first?.seq
            do {
                let report = try await Importer(ledger: ledger, actor: .commandLine).run(
                    files: [url], dryRun: false,
                    dcat: name.hasSuffix(".jsonld") ? DCATImport() : nil)
                if !report.committed {
                    refused += 1
                    #expect(
                        report.issues.contains { $0.severity == .error && !$0.file.isEmpty && !$0.row.isEmpty && !$0.message.isEmpty },
                        "case \(number) of \(name): a refusal names file, row and reason")
                }
                if !report.committed || report.files.allSatisfy({ $0.created + $0.updated == 0 }) {
                    #expect(try await ledger.records.counts() == before, "case \(number) of \(name): nothing written")
                    #expect(try await ledger.audit.entries(limit: 1).first?.seq == generation, "case \(number) of \(name): no audit entry")
                }
            } catch let error as LedgerError {
                refused += 1
                #expect(error.message.contains(url.lastPathComponent), "case \(number) of \(name): \(error.message)")
                #expect(try await ledger.records.counts() == before)
            }
            try? FileManager.default.removeItem(at: url)  // a case file of this test's own folder
        }
        #expect(refused > 0)
        #expect(try await ledger.audit.verify().isIntact)
    }
}
