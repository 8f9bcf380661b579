import Foundation
import LedgerCore
import LedgerStore
import LedgerTestSupport
import Spreadsheet
import Testing

/// A small seeded generator (SplitMix64): the same seed gives the same cases, so a failure can be replayed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Mutations of valid input as a hostile or careless user makes them: bytes flipped, cells swapped for extreme
/// values, quotes and separators inserted, parts cut off or repeated.
struct Mutator {
    var random: SeededRandom

    static let extremes = ["", "-1", "0", "99999999999999999999", "-9223372036854775809", "1e308", "NaN", "9999-12-31",
                           "0000-00-00", "=CMD()", "'", "\"", "\u{0}", "\u{FEFF}", String(repeating: "长", count: 3000),
                           "是", "否", "2026-02-30", "1.999", "¥-0.01", "_x000D_", "<a>", "\r", "\n\n", ",,,"]

    mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &random)] }

    mutating func bytes(_ input: [UInt8]) -> [UInt8] {
        var data = input
        for _ in 0..<Int.random(in: 1...8, using: &random) where !data.isEmpty {
            let at = Int.random(in: 0..<data.count, using: &random)
            switch Int.random(in: 0..<5, using: &random) {
            case 0: data[at] = UInt8.random(in: 0...255, using: &random)
            case 1: data.insert(pick(Array("\",\n\r{}[]:'".utf8)), at: at)
            case 2: data.remove(at: at)
            case 3: data.insert(contentsOf: Array(pick(Self.extremes).utf8), at: at)
            default: data = Array(data.prefix(at))
            }
        }
        return data
    }

    /// A CSV text with some cells replaced by extreme values.
    mutating func csv(_ text: String) -> String {
        var lines = text.components(separatedBy: "\r\n")
        for _ in 0..<Int.random(in: 1...4, using: &random) where lines.count > 1 {
            let index = Int.random(in: 1..<lines.count, using: &random)
            var cells = lines[index].components(separatedBy: ",")
            if !cells.isEmpty { cells[Int.random(in: 0..<cells.count, using: &random)] = pick(Self.extremes) }
            lines[index] = cells.joined(separator: ",")
        }
        return lines.joined(separator: "\r\n")
    }
}

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
            let mutated: [UInt8] = name.hasSuffix(".csv") && number % 2 == 0
                ? Array(mutator.csv(String(decoding: seed, as: UTF8.self)).utf8) : mutator.bytes(seed)
            let url = folder.appendingPathComponent("case-\(number)-\(name)")
            try Data(mutated).write(to: url)
            let before = try await ledger.counts()
            let generation = try await ledger.auditEntries(limit: 1).first?.seq
            do {
                let report = try await Importer(ledger: ledger).run(files: [url], dryRun: false,
                                                                     dcat: name.hasSuffix(".jsonld") ? DCATImport() : nil)
                if !report.committed {
                    refused += 1
                    #expect(report.issues.contains { $0.severity == .error && !$0.file.isEmpty && !$0.row.isEmpty && !$0.message.isEmpty },
                             "case \(number) of \(name): a refusal names file, row and reason")
                }
                if !report.committed || report.files.allSatisfy({ $0.created + $0.updated == 0 }) {
                    #expect(try await ledger.counts() == before, "case \(number) of \(name): nothing written")
                    #expect(try await ledger.auditEntries(limit: 1).first?.seq == generation, "case \(number) of \(name): no audit entry")
                }
            } catch let error as LedgerError {
                refused += 1
                #expect(error.message.contains(url.lastPathComponent), "case \(number) of \(name): \(error.message)")
                #expect(try await ledger.counts() == before)
            }
            try? FileManager.default.removeItem(at: url)  // a case file of this test's own folder
        }
        #expect(refused > 0)
        #expect(try await ledger.verifyAudit().isIntact)
    }
}
