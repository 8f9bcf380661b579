import Foundation
import LedgerCore

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A term of a triple read from Turtle or RDF/XML.
enum ReadTerm: Hashable, Sendable {
    case iri(String)
    case blank(String)
    case literal(String, language: String?)
}

/// The triples of an RDF document in Turtle or RDF/XML, as other catalogs publish DCAT-AP (issue 17), turned into
/// expanded JSON-LD — one node per subject — that `DCATImport` reads as it reads any JSON-LD.
enum RDFReading {
    /// Whether `data` is RDF/XML (`<?xml`, or an element first), Turtle (anything else that is not JSON), or JSON.
    enum Syntax { case json, turtle, rdfXML }

    static func syntax(of data: Data) -> Syntax {
        let text = String(decoding: data.prefix(512), as: UTF8.self).drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        if text.first == "{" || text.first == "[" { return .json }
        if text.hasPrefix("<?xml") || text.range(of: #"^<[A-Za-z_][\w.-]*(:[\w.-]+)?[\s/>]"#, options: .regularExpression) != nil {
            return .rdfXML
        }
        return .turtle
    }

    /// The triples as expanded JSON-LD: an array of nodes, each with its `@id`, `@type` and properties.
    static func expandedJSONLD(_ triples: [(ReadTerm, String, ReadTerm)]) -> JSONValue {
        let typeIRI = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
        var order: [String] = []
        var nodes: [String: [String: [JSONValue]]] = [:]
        func id(_ term: ReadTerm) -> String? {
            switch term {
            case .iri(let iri): iri
            case .blank(let label): "_:" + label
            case .literal: nil
            }
        }
        for (subject, predicate, object) in triples {
            guard let key = id(subject) else { continue }
            if nodes[key] == nil { order.append(key) }
            let value: JSONValue
            switch object {
            case .literal(let text, let language):
                value = .object(["@value": .string(text)].merging(language.map { ["@language": .string($0)] } ?? [:]) { $1 })
            default:
                guard let target = id(object) else { continue }
                value = predicate == typeIRI ? .string(target) : .object(["@id": .string(target)])
            }
            nodes[key, default: [:]][predicate == typeIRI ? "@type" : predicate, default: []].append(value)
        }
        return .array(
            order.map { key in
                var fields = (nodes[key] ?? [:]).mapValues { JSONValue.array($0) }
                fields["@id"] = .string(key)
                return .object(fields)
            })
    }
}

// MARK: Turtle

/// Reads Turtle (RDF 1.1): `@prefix`/`PREFIX`, `@base`/`BASE`, IRIs, prefixed names, `a`, blank nodes (`_:b` and
/// `[ … ]`), collections, literals in every quoting with language tags or datatypes, numbers and booleans, `;` and
/// `,` lists, comments. An error names the line.
struct TurtleReader {
    private var scalars: [Unicode.Scalar]
    private var position = 0
    private var line = 1
    private var prefixes: [String: String] = [:]
    private var base = ""
    private var blanks = 0
    private(set) var triples: [(ReadTerm, String, ReadTerm)] = []

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    /// Every triple of `text`.
    static func triples(_ text: String, file: String) throws -> [(ReadTerm, String, ReadTerm)] {
        var reader = TurtleReader(text)
        do { try reader.document() } catch let error as ReadError {
            throw LedgerError(.badRequest, "\(file)：Turtle 第 \(reader.line) 行：\(error.message)")
        }
        return reader.triples
    }

    struct ReadError: Error { let message: String }

    private var current: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    private mutating func advance() {
        if current == "\n" { line += 1 }
        position += 1
    }

    /// Skips white space and comments.
    private mutating func skip() {
        while let scalar = current {
            if scalar == "#" {
                while let next = current, next != "\n" { advance() }
            } else if scalar.properties.isWhitespace {
                advance()
            } else {
                return
            }
        }
    }

    private mutating func expect(_ scalar: Unicode.Scalar) throws {
        skip()
        guard current == scalar else { throw ReadError(message: "此处应为“\(scalar)”") }
        advance()
    }

    private func lookingAt(_ word: String, caseInsensitive: Bool = false) -> Bool {
        let wanted = Array(word.unicodeScalars)
        guard position + wanted.count <= scalars.count else { return false }
        let found = String(String.UnicodeScalarView(scalars[position..<position + wanted.count]))
        return caseInsensitive ? found.lowercased() == word.lowercased() : found == word
    }

    /// Consumes directive `name` (`prefix`, `base`) written either way — Turtle's `@prefix`, ended by `.`, or SPARQL's
    /// `PREFIX` in any case, followed by white space — and says whether it ends with `.`; `nil` when it is not here.
    private mutating func directive(_ name: String) -> Bool? {
        if lookingAt("@" + name) {
            position += name.count + 1
            return true
        }
        let end = position + name.count
        guard lookingAt(name, caseInsensitive: true), end < scalars.count, scalars[end].properties.isWhitespace else { return nil }
        position = end
        return false
    }

    mutating func document() throws {
        while true {
            skip()
            guard current != nil else { return }
            if let dotted = directive("prefix") {
                skip()
                var name = ""
                while let scalar = current, scalar != ":" {
                    name.unicodeScalars.append(scalar)
                    advance()
                }
                try expect(":")
                skip()
                prefixes[name.trimmingCharacters(in: .whitespaces)] = try iriReference()
                if dotted { try expect(".") }
            } else if let dotted = directive("base") {
                skip()
                base = try iriReference()
                if dotted { try expect(".") }
            } else {
                let subject = try self.subject()
                skip()
                // `[ … ] .` alone states its properties only.
                if current != "." { try predicateObjectList(subject) }
                try expect(".")
            }
        }
    }

    private mutating func subject() throws -> ReadTerm {
        skip()
        switch current {
        case "[": return try blankNodePropertyList()
        case "(": return try collection()
        default: return try resource()
        }
    }

    private mutating func predicateObjectList(_ subject: ReadTerm) throws {
        while true {
            skip()
            let predicate: String
            if current == "a", position + 1 < scalars.count,
                scalars[position + 1].properties.isWhitespace || scalars[position + 1] == "<" || scalars[position + 1] == "["
            {
                advance()
                predicate = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
            } else {
                guard case .iri(let iri) = try resource() else { throw ReadError(message: "谓词应为 IRI") }
                predicate = iri
            }
            while true {
                triples.append((subject, predicate, try object()))
                skip()
                guard current == "," else { break }
                advance()
            }
            skip()
            guard current == ";" else { return }
            while current == ";" {
                advance()
                skip()
            }
            if current == "." || current == "]" || current == nil { return }
        }
    }

    private mutating func object() throws -> ReadTerm {
        skip()
        switch current {
        case "[": return try blankNodePropertyList()
        case "(": return try collection()
        case "\"", "'": return try literal()
        case let scalar? where scalar == "+" || scalar == "-" || scalar == "." || ("0"..."9").contains(scalar):
            var text = ""
            while let next = current, !next.properties.isWhitespace, ![",", ";", "]", ")"].contains(next) {
                // A final `.` ends the statement, not the number.
                if next == ".", position + 1 >= scalars.count || !("0"..."9").contains(scalars[position + 1]) { break }
                text.unicodeScalars.append(next)
                advance()
            }
            return .literal(text, language: nil)
        default:
            if lookingAt("true") || lookingAt("false") {
                let value = lookingAt("true") ? "true" : "false"
                position += value.count
                return .literal(value, language: nil)
            }
            return try resource()
        }
    }

    private mutating func blankNodePropertyList() throws -> ReadTerm {
        try expect("[")
        let node = newBlank()
        skip()
        if current != "]" { try predicateObjectList(node) }
        try expect("]")
        return node
    }

    private mutating func collection() throws -> ReadTerm {
        try expect("(")
        var items: [ReadTerm] = []
        skip()
        while current != ")" {
            guard current != nil else { throw ReadError(message: "列表没有结束") }
            items.append(try object())
            skip()
        }
        advance()
        let rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
        var list = ReadTerm.iri(rdf + "nil")
        for item in items.reversed() {
            let cell = newBlank()
            triples.append((cell, rdf + "first", item))
            triples.append((cell, rdf + "rest", list))
            list = cell
        }
        return list
    }

    private mutating func newBlank() -> ReadTerm {
        blanks += 1
        return .blank("t\(blanks)")
    }

    /// An IRI (`<…>`), a prefixed name (`dcat:Dataset`) or a blank node label (`_:b1`).
    private mutating func resource() throws -> ReadTerm {
        skip()
        if current == "<" { return .iri(try iriReference()) }
        var name = ""
        while let scalar = current, !scalar.properties.isWhitespace, ![",", ";", "<", "[", "]", "(", ")", "\"", "'"].contains(scalar) {
            if scalar == ".", position + 1 >= scalars.count || scalars[position + 1].properties.isWhitespace { break }
            name.unicodeScalars.append(scalar)
            advance()
        }
        if name.hasPrefix("_:") { return .blank("u" + name.dropFirst(2)) }
        guard let colon = name.firstIndex(of: ":") else { throw ReadError(message: "无法识别“\(name.prefix(40))”") }
        let prefix = String(name[..<colon])
        guard let namespace = prefixes[prefix] else { throw ReadError(message: "未声明的前缀“\(prefix)”") }
        return .iri(namespace + name[name.index(after: colon)...].replacingOccurrences(of: "\\", with: ""))
    }

    private mutating func iriReference() throws -> String {
        try expect("<")
        var iri = ""
        while let scalar = current, scalar != ">" {
            guard scalar != "\n" else { throw ReadError(message: "IRI 没有结束") }
            iri.unicodeScalars.append(scalar)
            advance()
        }
        try expect(">")
        return iri.contains(":") || base.isEmpty ? iri : base + iri
    }

    private mutating func literal() throws -> ReadTerm {
        guard let quote = current else { throw ReadError(message: "文字没有结束") }
        let long = position + 2 < scalars.count && scalars[position + 1] == quote && scalars[position + 2] == quote
        position += long ? 3 : 1
        var text = ""
        while true {
            guard let scalar = current else { throw ReadError(message: "文字没有结束") }
            if scalar == quote {
                if !long {
                    advance()
                    break
                }
                if position + 2 < scalars.count, scalars[position + 1] == quote, scalars[position + 2] == quote {
                    position += 3
                    break
                }
            }
            if !long, scalar == "\n" { throw ReadError(message: "文字中不能换行（请用三引号）") }
            if scalar == "\\" {
                advance()
                text.unicodeScalars.append(try escaped())
                continue
            }
            text.unicodeScalars.append(scalar)
            advance()
        }
        if current == "@" {
            advance()
            var language = ""
            while let scalar = current, scalar.properties.isAlphabetic || scalar == "-" || ("0"..."9").contains(scalar) {
                language.unicodeScalars.append(scalar)
                advance()
            }
            return .literal(text, language: language)
        }
        if lookingAt("^^") {
            position += 2
            _ = try resource()  // the datatype: every value is read as its text
        }
        return .literal(text, language: nil)
    }

    private mutating func escaped() throws -> Unicode.Scalar {
        guard let scalar = current else { throw ReadError(message: "转义没有结束") }
        advance()
        switch scalar {
        case "t": return "\t"
        case "n": return "\n"
        case "r": return "\r"
        case "b": return "\u{8}"
        case "f": return "\u{C}"
        case "u", "U":
            let count = scalar == "u" ? 4 : 8
            guard position + count <= scalars.count,
                let value = UInt32(String(String.UnicodeScalarView(scalars[position..<position + count])), radix: 16),
                let decoded = Unicode.Scalar(value)
            else { throw ReadError(message: "无效的 \\\(scalar) 转义") }
            position += count
            return decoded
        default: return scalar
        }
    }
}

// MARK: RDF/XML

/// Reads RDF/XML: node elements (`rdf:Description` or typed) with `rdf:about`, `rdf:ID` or `rdf:nodeID`, property
/// elements with `rdf:resource`, nested nodes, `rdf:parseType="Resource"` and literals with `xml:lang` (inherited),
/// and property attributes. No external entity is ever fetched.
final class RDFXMLReader: NSObject, XMLParserDelegate {
    private static let rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    private static let xml = "http://www.w3.org/XML/1998/namespace"

    private enum Frame {
        case root
        /// A node element: properties that follow are its.
        case node(ReadTerm, language: String?)
        /// A property element: its text, unless a node or `rdf:resource` gave its object.
        case property(subject: ReadTerm, predicate: String, language: String?, text: String, done: Bool)
    }

    private var stack: [Frame] = []
    /// Whether the document's `rdf:RDF` element (in RDF's namespace) was met.
    private var sawRDF = false
    private var namespaces: [String: [String]] = ["xml": [xml]]
    private var blanks = 0
    private var base = ""
    private(set) var triples: [(ReadTerm, String, ReadTerm)] = []

    /// Every triple of `data`.
    static func triples(_ data: Data, file: String) throws -> [(ReadTerm, String, ReadTerm)] {
        let reader = RDFXMLReader()
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.shouldReportNamespacePrefixes = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = reader
        guard parser.parse() else {
            let reason = parser.parserError.map { "\($0)" } ?? "无法解析"
            throw LedgerError(.badRequest, "\(file)：不是有效的 RDF/XML（第 \(parser.lineNumber) 行：\(reason)）")
        }
        // The parser may stop at the end of the data with elements still open.
        guard reader.stack.isEmpty, reader.sawRDF else {
            throw LedgerError(.badRequest, "\(file)：不是有效的 RDF/XML（\(reader.sawRDF ? "元素没有结束" : "没有 rdf:RDF 元素")）")
        }
        return reader.triples
    }

    func parser(_ parser: XMLParser, didStartMappingPrefix prefix: String, toURI namespaceURI: String) {
        namespaces[prefix, default: []].append(namespaceURI)
    }

    func parser(_ parser: XMLParser, didEndMappingPrefix prefix: String) {
        _ = namespaces[prefix]?.popLast()
    }

    /// An attribute's name as an IRI: its prefix resolved (unprefixed attributes are RDF's, as RDF/XML allows).
    private func attributeIRI(_ qualified: String) -> String {
        guard let colon = qualified.firstIndex(of: ":") else { return Self.rdf + qualified }
        let prefix = String(qualified[..<colon])
        return (namespaces[prefix]?.last ?? prefix + ":") + qualified[qualified.index(after: colon)...]
    }

    private func resolve(_ reference: String) -> String {
        reference.contains(":") || base.isEmpty ? reference : base + reference
    }

    private func newBlank() -> ReadTerm {
        blanks += 1
        return .blank("x\(blanks)")
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        let element = (namespaceURI ?? "") + elementName
        var attributes = Dictionary(attributes.map { (attributeIRI($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
        if let declaredBase = attributes.removeValue(forKey: Self.xml + "base") { base = declaredBase }
        let inherited: String? =
            switch stack.last {
            case .node(_, let language): language
            case .property(_, _, let language, _, _): language
            default: nil
            }
        let language = attributes.removeValue(forKey: Self.xml + "lang") ?? inherited
        if element == Self.rdf + "RDF" {
            sawRDF = true
            stack.append(.root)
            return
        }
        switch stack.last {
        case .node(let subject, _):
            // A property element.
            if let resource = attributes[Self.rdf + "resource"] {
                triples.append((subject, element, .iri(resolve(resource))))
                stack.append(.property(subject: subject, predicate: element, language: language, text: "", done: true))
            } else if let node = attributes[Self.rdf + "nodeID"] {
                triples.append((subject, element, .blank("n" + node)))
                stack.append(.property(subject: subject, predicate: element, language: language, text: "", done: true))
            } else if attributes[Self.rdf + "parseType"] == "Resource" {
                let node = newBlank()
                triples.append((subject, element, node))
                stack.append(.node(node, language: language))
            } else {
                stack.append(.property(subject: subject, predicate: element, language: language, text: "", done: false))
            }
        default:
            // A node element, at the top or as a property's object.
            let node: ReadTerm =
                attributes[Self.rdf + "about"].map { .iri(resolve($0)) } ?? attributes[Self.rdf + "ID"].map { .iri(resolve("#" + $0)) }
                ?? attributes[Self.rdf + "nodeID"].map { .blank("n" + $0) } ?? newBlank()
            if element != Self.rdf + "Description" { triples.append((node, Self.rdf + "type", .iri(element))) }
            for (name, value) in attributes where !name.hasPrefix(Self.rdf) {
                triples.append((node, name, .literal(value, language: language)))
            }
            if let type = attributes[Self.rdf + "type"] { triples.append((node, Self.rdf + "type", .iri(resolve(type)))) }
            if case .property(let subject, let predicate, let propertyLanguage, _, _)? = stack.last {
                triples.append((subject, predicate, node))
                stack[stack.count - 1] = .property(subject: subject, predicate: predicate, language: propertyLanguage, text: "", done: true)
            }
            stack.append(.node(node, language: language))
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if case .property(let subject, let predicate, let language, let text, false)? = stack.last {
            stack[stack.count - 1] = .property(subject: subject, predicate: predicate, language: language, text: text + string, done: false)
        }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        if case .root? = stack.last {
            stack.removeLast()
            return
        }
        if case .property(let subject, let predicate, let language, let text, false)? = stack.popLast() {
            triples.append((subject, predicate, .literal(text, language: language)))
        }
    }
}
