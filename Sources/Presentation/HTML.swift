/// HTML text helpers for the server-rendered pages and reports.
public enum HTML {
    /// Text made safe for HTML content and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// Text the product wrote (a check's reason, a remedy, a message) made safe for HTML, its citations of the
    /// regulation written as people write them (`ArticleText.inText`) and without the command-line hints it carries
    /// for terminal users (`withoutCommands`). Not for what users typed, which is shown as given.
    public static func prose(_ text: String) -> String { escape(plainProse(text)) }

    /// What `prose` shows, before escaping: for templates, which escape what they are given.
    public static func plainProse(_ text: String) -> String { withoutCommands(ArticleText.inText(text)) }

    /// `text` without its parenthesised command-line hints (“重新探测（ybz probe --system X）” → “重新探测”). The
    /// decisions keep their words as recorded (a stored batch replays byte for byte); pages leave the hints out.
    public static func withoutCommands(_ text: String) -> String {
        text.replacing(/（ybz [^）]*）/, with: "")
    }
}
