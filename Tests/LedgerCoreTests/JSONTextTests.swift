import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

@Suite("JSON text parsed to trees")
struct JSONTextTests {
    @Test(arguments: [
        #"{"a":1,"b":[true,false,null],"c":{"d":"e"},"f":-2.5e3,"g":"","h":[],"i":{}}"#,
        #"  {"转义":"引号\"反斜杠\\斜杠\/\b\f\n\r\t","u":"\u00e9\u4e2d\ud83d\ude00","混合":"不动产\u767b记"}  "#,
        #"[9223372036854775807,-9223372036854775808,0,1.0,12345678901234567890,1e-7]"#,
        #""只有字符串""#, "null", "true", "0"
    ])
    func parsesAsJSONDecoderDoes(_ text: String) throws {
        #expect(try JSONValue(parsing: text) == JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)))
    }

    @Test(arguments: [
        "", "{", "[1,]", #"{"a" 1}"#, #"{"a":1,}"#, "tru", "nul", #""a"#, "\"a\u{01}b\"", #""\x""#, #""\ud83d""#, "1 2", "--1",
        "+1", String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
    ])
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(throws: DecodingError.self) { try JSONValue(parsing: text) }
    }

    /// The ledger's stored records decode from the tree as from the text.
    @Test func storedRecordsDecodeTheSame() throws {
        let system = Fixtures.system(projects: ["TZXM-2025-001"])
        let project = Fixtures.project()
        let systemText = try CanonicalJSON.text(system)
        let projectText = try CanonicalJSON.text(project)
        #expect(try JSONValueDecoder().decode(InfoSystem.self, from: JSONValue(parsing: systemText)) == system)
        #expect(try JSONValueDecoder().decode(Project.self, from: JSONValue(parsing: projectText)) == project)
    }
}
