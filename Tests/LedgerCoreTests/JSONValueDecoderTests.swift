import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

@Suite("Decoding from a JSON tree")
struct JSONValueDecoderTests {
    /// The issue each decoder reports for `value` as a `T` (nil when it decodes), and the re-encoded record when it
    /// decodes: the tree decoder must accept and refuse exactly what `JSONDecoder` does, naming the same field.
    func outcome<T: Codable>(_ type: T.Type, _ value: JSONValue, tree: Bool) -> String {
        do {
            let record = tree ? try JSONValueDecoder().decode(type, from: value) : try JSONDecoder().decode(type, from: value.data)
            return String(decoding: try CanonicalJSON.encode(record), as: UTF8.self)
        } catch let error as DecodingError {
            let issue = DecodingProblem.issue(for: error)
            return "\(issue.field) \(issue.rule)" + (issue.rule == "field.value" ? "" : " \(issue.message)")
        } catch {
            return "\(error)"
        }
    }

    /// The same outcome from both decoders; where Foundation names no field for a number that does not fit (its
    /// error loses the coding path), the tree decoder names the field.
    func expectSame<T: Codable>(_ type: T.Type, _ value: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) {
        let (tree, foundation) = (outcome(type, value, tree: true), outcome(type, value, tree: false))
        if foundation == " field.value" {
            #expect(tree.hasSuffix(" field.value") && !tree.hasPrefix(" "), sourceLocation: sourceLocation)
        } else {
            #expect(tree == foundation, sourceLocation: sourceLocation)
        }
    }

    func demo() throws -> [String: [JSONValue]] {
        let document = try JSONDecoder().decode([String: JSONValue].self, from: Data(contentsOf: Fixtures.catalog.demoURL))
        return document.compactMapValues(\.arrayValue)
    }

    @Test func theDemoLedgerDecodesAsFoundationDecodesIt() throws {
        let records = try demo()
        #expect(records["resources", default: []].count > 600)
        for value in records["units", default: []] { expectSame(GovUnit.self, value) }
        for value in records["projects", default: []] { expectSame(Project.self, value) }
        for value in records["systems", default: []] { expectSame(InfoSystem.self, value) }
        for value in records["resources", default: []] { expectSame(CatalogResource.self, value) }
    }

    /// Every field of a record set in turn to a value of each other JSON type, removed, or nulled; nested fields too.
    @Test func brokenFieldsAreRefusedAsFoundationRefusesThem() throws {
        let records = try demo()
        let replacements: [JSONValue?] = [
            nil, .null, .bool(true), .int(-1), .int(.max), .double(1.5), .double(2), .double(1e300), .string(""),
            .string("2026-13-01"), .string("12.345"), .array([]), .array([.int(1)]), .object([:])
        ]
        var random = SeededRandom(state: 11)
        func fields(_ value: JSONValue, prefix: String = "") -> [String] {
            guard let object = value.objectValue else { return [] }
            return object.keys.sorted().flatMap { key in [prefix + key] + fields(object[key]!, prefix: prefix + key + ".") }
        }
        func check<T: Codable>(_ type: T.Type, _ samples: [JSONValue]) {
            for _ in 0..<12 {
                let original = samples[Int.random(in: 0..<samples.count, using: &random)]
                for path in fields(original) {
                    var changed = original
                    let replacement = replacements[Int.random(in: 0..<replacements.count, using: &random)]
                    if let replacement {
                        changed.set(replacement, at: Substring(path))
                    } else {
                        changed.remove(at: path)
                    }
                    expectSame(type, changed)
                }
            }
        }
        check(GovUnit.self, records["units", default: []])
        check(Project.self, records["projects", default: []])
        check(InfoSystem.self, records["systems", default: []])
        check(CatalogResource.self, records["resources", default: []])
    }

    @Test func aNumberThatIsNotAWholeIntIsNamed() {
        struct Row: Codable { var length: Int }
        for value in [JSONValue.double(1.5), .double(1e300)] {
            #expect(throws: DecodingError.self) { try JSONValueDecoder().decode(Row.self, from: .object(["length": value])) }
        }
        #expect(outcome(Row.self, .object(["length": .double(2)]), tree: true) == #"{"length":2}"#)
    }
}

extension JSONValue {
    /// Removes the value at a dotted path.
    fileprivate mutating func remove(at path: String) {
        guard case .object(var fields) = self else { return }
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 2 {
            fields[parts[0]]?.remove(at: parts[1])
        } else {
            fields[path] = nil
        }
        self = .object(fields)
    }
}
