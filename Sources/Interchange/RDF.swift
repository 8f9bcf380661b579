import Foundation
import LedgerCore
import LedgerStore

/// A small RDF graph model for the catalog's linked-data exports: a tree of nodes (IRIs or blank nodes) whose
/// predicates and types are prefixed names. It is written as JSON-LD (with a prefix context) and as Turtle.
struct RDFNode: Sendable {
    /// The node's IRI, or `nil` for a blank node.
    var id: String?
    var types: [String]
    var properties: [(predicate: String, object: RDFTerm)] = []

    init(id: String? = nil, types: [String]) {
        self.id = id
        self.types = types
    }

    mutating func add(_ predicate: String, _ object: RDFTerm?) {
        if let object { properties.append((predicate, object)) }
    }
}

/// An object of a triple.
indirect enum RDFTerm: Sendable {
    case iri(String)
    case literal(String, language: String? = nil, datatype: String? = nil)
    case node(RDFNode)

    static func text(_ value: String?, language: String? = nil) -> RDFTerm? {
        value.flatMap { $0.isEmpty ? nil : .literal($0, language: language) }
    }

    /// Text written by people, tagged with the language it is in: `zh` when it holds Chinese characters, else untagged
    /// (a German or English title is not Chinese, and which language it is the ledger does not record).
    static func written(_ value: String?) -> RDFTerm? {
        guard let value, !value.isEmpty else { return nil }
        return .literal(value, language: value.unicodeScalars.contains { $0.properties.isIdeographic } ? "zh" : nil)
    }

    static func integer(_ value: Int64?) -> RDFTerm? { value.map { .literal(String($0), datatype: "xsd:integer") } }
}

enum RDFWriter {
    static let prefixes: [(String, String)] = [
        ("dcat", "http://www.w3.org/ns/dcat#"), ("dct", "http://purl.org/dc/terms/"), ("foaf", "http://xmlns.com/foaf/0.1/"),
        ("xsd", "http://www.w3.org/2001/XMLSchema#"), ("ybz", "urn:yibenzhang:")
    ]

    /// JSON-LD with the prefixes as its context.
    static func jsonLD(_ root: RDFNode) throws -> Data {
        var document = jsonLD(node: root)
        if case .object(var fields) = document {
            fields["@context"] = .object(Dictionary(uniqueKeysWithValues: prefixes.map { ($0.0, JSONValue.string($0.1)) }))
            document = .object(fields)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(document)
    }

    static func jsonLD(node: RDFNode) -> JSONValue {
        var fields: [String: JSONValue] = [:]
        if let id = node.id { fields["@id"] = .string(id) }
        if !node.types.isEmpty { fields["@type"] = node.types.count == 1 ? .string(node.types[0]) : .array(node.types.map(JSONValue.string)) }
        var grouped: [String: [JSONValue]] = [:]
        for (predicate, object) in node.properties { grouped[predicate, default: []].append(jsonLD(term: object)) }
        for (predicate, values) in grouped { fields[predicate] = values.count == 1 ? values[0] : .array(values) }
        return .object(fields)
    }

    static func jsonLD(term: RDFTerm) -> JSONValue {
        switch term {
        case .iri(let iri): .object(["@id": .string(iri)])
        case .literal(let text, nil, nil): .string(text)
        case .literal(let text, let language?, _): .object(["@value": .string(text), "@language": .string(language)])
        case .literal(let text, nil, let datatype?): .object(["@value": .string(text), "@type": .string(datatype)])
        case .node(let node): jsonLD(node: node)
        }
    }

    /// Turtle with the same prefixes; blank nodes nested as `[ … ]`.
    static func turtle(_ root: RDFNode) -> String {
        var text = prefixes.map { "@prefix \($0.0): <\($0.1)> .\n" }.joined() + "\n"
        var pending = [root]
        var written = Set<String>()
        var index = 0
        while index < pending.count {
            let node = pending[index]
            index += 1
            // Nodes with an IRI are written once, as their own statements; the nodes naming them refer to them.
            guard written.insert(node.id ?? "").inserted else { continue }
            text += "<\(node.id ?? "")>" + body(node, indent: "    ", topLevel: &pending) + " .\n\n"
        }
        return text
    }

    private static func body(_ node: RDFNode, indent: String, topLevel: inout [RDFNode]) -> String {
        var parts: [String] = []
        if !node.types.isEmpty { parts.append("a " + node.types.joined(separator: ", ")) }
        for (predicate, object) in node.properties {
            parts.append("\(predicate) \(turtle(object, indent: indent, topLevel: &topLevel))")
        }
        return " " + parts.joined(separator: " ;\n\(indent)")
    }

    private static func turtle(_ term: RDFTerm, indent: String, topLevel: inout [RDFNode]) -> String {
        switch term {
        case .iri(let iri): return "<\(iri)>"
        case .literal(let text, let language, let datatype):
            // A JSON string is a valid Turtle string literal: the same escapes, control characters as \u00XX.
            return JSONValue.string(text).canonicalText + (language.map { "@\($0)" } ?? "") + (datatype.map { "^^\($0)" } ?? "")
        case .node(let node) where node.id != nil:
            topLevel.append(node)
            return "<\(node.id!)>"
        case .node(let node):
            return "[" + body(node, indent: indent + "    ", topLevel: &topLevel) + "\n\(indent)]"
        }
    }
}
