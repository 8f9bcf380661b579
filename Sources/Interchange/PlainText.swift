/// A description as plain text: HTML, as other catalogs write descriptions, without its tags and with its character
/// references read (`<p>A &amp; B</p>` → `A & B`); other text as it is.
struct PlainText {
    let text: String
    /// Whether the text differs from what was written (it was HTML).
    let changed: Bool

    init(html written: String) {
        guard written.contains("<") || written.contains("&") else {
            (text, changed) = (written, false)
            return
        }
        var out = ""
        var rest = Substring(written)
        while let open = rest.firstIndex(where: { $0 == "<" || $0 == "&" }) {
            out += rest[..<open]
            rest = rest[open...]
            if rest.first == "<", let close = rest.firstIndex(of: ">") {
                let tag = rest[rest.index(after: rest.startIndex)..<close].lowercased()
                // Blocks and line breaks end a line; other tags leave nothing.
                if ["br", "br/", "br /", "/p", "/li", "/div", "/h1", "/h2", "/h3", "/tr"].contains(tag) || tag.hasPrefix("li") { out += "\n" }
                rest = rest[rest.index(after: close)...]
            } else if rest.first == "&", let semicolon = rest.prefix(10).firstIndex(of: ";"),
                let character = Self.character(rest[rest.index(after: rest.startIndex)..<semicolon])
            {
                out.append(character)
                rest = rest[rest.index(after: semicolon)...]
            } else {
                out.append(rest.removeFirst())
            }
        }
        out += rest
        let lines = out.split(separator: "\n").map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        text = lines.filter { !$0.isEmpty }.joined(separator: "\n")
        changed = text != written
    }

    /// The character a reference names (`amp`, `#39`, `#x4E2D`), or `nil`.
    private static func character(_ name: Substring) -> Character? {
        switch name {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        case "nbsp": return " "
        default:
            guard name.hasPrefix("#") else { return nil }
            let digits = name.dropFirst()
            let value = digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
            return value.flatMap(Unicode.Scalar.init).map(Character.init)
        }
    }
}
