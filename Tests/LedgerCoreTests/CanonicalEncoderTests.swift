import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

@Suite("Canonical JSON encoder")
struct CanonicalEncoderTests {
    /// Foundation's encoder as `CanonicalJSON` configures it: the bytes the fast encoder must reproduce.
    func expectSameBytes<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let fast = try CanonicalJSON.encode(value)
        let foundation = try CanonicalJSON.encoder.encode(value)
        #expect(String(decoding: fast, as: UTF8.self) == String(decoding: foundation, as: UTF8.self), sourceLocation: sourceLocation)
    }

    struct Edge: Encodable {
        var text = "a\u{1}b\n\t\"\\/\u{8}\u{c}\u{7f}\u{2028}é中"
        var numbers: [Double] = [100, 1.5, 1e20, 0.1, -0.0, 1e-7, 123_456_789_012, 3e15, 1.0 / 3, 0.532]
        var float: Float = 1.1
        var integers: [Int64] = [0, -1, .max, .min]
        var unsigned: UInt64 = .max
        var flags = [true, false]
        var date = Date(timeIntervalSince1970: 1_764_230_400.75)
        var url = URL(string: "https://example.org/a/b?c=1")!
        var data = Data([1, 2, 3])
        var absent: String?
        var explicitNull: String?? = .some(nil)
        var byNumber: [Int: String] = [10: "b", 2: "a"]
        var keys: [String: Int] = ["shareMethod": 1, "sharedRecords": 2, "item10": 3, "item2": 4, "B": 5, "a": 6, "ａ": 7, "中": 8, "_x": 9]
        var empty: [String: [Int]] = [:]
        var nested: [[String?]] = [["x", nil], []]
        var money = Money(fen: 123_456)
        var day = CivilDate("2026-11-27")!
    }

    @Test func edgeValuesAreWrittenAsFoundationWritesThem() throws {
        try expectSameBytes(Edge())
        try expectSameBytes([1, 2, 3])
        try expectSameBytes("top-level string")
        // Values that write themselves: keys in UTF-8 byte order (a prefix first, upper before lower case, full-width
        // and Chinese after ASCII), arrays, optionals left out.
        let keys = [
            "shareMethod": 1, "sharedRecords": 2, "item10": 3, "item1": 4, "": 0, "中": 8, "ａ": 7, "B": 5, "a": 6, "_x": 9,
            "😀": 10, "ｚ": 11
        ]  // beyond the Basic Multilingual Plane: after it in UTF-8, before it in UTF-16
        try expectSameBytes(keys)
        try expectSameBytes([keys, [:]])
        try expectSameBytes(["a\"b": ["x\n", "中"], "a": []])
        for value in [0.1, 2.5e-8, 9_007_199_254_740_993, 6_493_791_591_177_633, -12.75] { try expectSameBytes(value) }
    }

    @Test func dataItemsAreWrittenAsTheEncoderWritesThem() throws {
        let items = [
            DataItem(name: "姓名", type: "C", length: 50, description: "a\u{1}b\n\t\"\\/\u{7f}é"),
            DataItem(name: "x\"y", type: "N"), DataItem(name: "", type: "", length: -3), DataItem(name: "d", type: "D", description: "")
        ]
        for count in 0...items.count {
            let some = Array(items.prefix(count))
            #expect(DataItem.canonicalJSON(some) == (try CanonicalJSON.text(some)))
            try expectSameBytes(some)
        }
    }

    @Test func theDemoLedgerIsWrittenAsFoundationWritesIt() throws {
        struct Document: Decodable {
            var units: [GovUnit]
            var projects: [Project]
            var systems: [InfoSystem]
            var resources: [CatalogResource]
        }
        let document = try CanonicalJSON.decoder.decode(Document.self, from: Data(contentsOf: Fixtures.catalog.demoURL))
        #expect(document.resources.count > 600)
        for unit in document.units { try expectSameBytes(unit) }
        for project in document.projects { try expectSameBytes(project) }
        for system in document.systems { try expectSameBytes(system) }
        for resource in document.resources {
            try expectSameBytes(resource)
            #expect(DataItem.canonicalJSON(resource.items) == (try CanonicalJSON.text(resource.items)))
        }
    }
}
