import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerServer
import LedgerStore
import LedgerTestSupport
import Testing

/// Seeded mutations of valid JSON bodies sent to every write route of the API: no answer is a 5xx, every refusal
/// is a JSON error with a message, and the server answers `/healthz` after each. `YBZ_FUZZ_CASES` sets the count.
@Suite("API body fuzzing")
struct APIFuzzTests {
    static let cases = ProcessInfo.processInfo.environment["YBZ_FUZZ_CASES"].flatMap(Int.init) ?? 300

    static let routes: [(method: HTTPRequest.Method, uri: String, body: String)] = [
        (.post, "/api/v1/units", #"{"uscc":"\#(Fixtures.uscc(3))","name":"滕州市统计局","kind":"行政机关","region":"市直"}"#),
        (
            .put, "/api/v1/units/\(Fixtures.uscc(1))",
            #"{"uscc":"\#(Fixtures.uscc(1))","name":"滕州市自然资源局","kind":"行政机关","# + #""region":"市直","version":1}"#
        ),
        (
            .post, "/api/v1/projects",
            #"{"code":"TZXM-2025-050","name":"项目","unitUSCC":"\#(Fixtures.uscc(1))","#
                + #""category":"建设类","fundingSource":"财政预算","approvedAmount":"1200000.00","#
                + #""milestones":{"accepted":"2025-03-01"},"changes":[{"date":"2025-05-01","#
                + #""description":"追加","amountDelta":"100000.00","filed":true,"reReviewed":false}]}"#
        ),
        (
            .post, "/api/v1/systems",
            #"{"code":"TZ-SYS-050","name":"系统","unitUSCC":"\#(Fixtures.uscc(1))","status":"运行","#
                + #""appCategories":["辅助决策类"],"platformIds":{"sharingOrgCode":"TZGX0050","#
                + #""citybrainFeeds":["cb-1"]},"security":{"mlpsLevel":3},"projectCodes":["TZXM-2025-001"]}"#
        ),
        (
            .post, "/api/v1/systems/TZ-SYS-001/resources",
            #"{"code":"103003/000050","name":"资源","summary":"摘要","format":"数据库","#
                + #""formatType":"达梦","shareType":"有条件共享","shareCondition":"仅限履职使用","#
                + #""shareMethod":"接口","updateCycle":"每日","records":100,"items":[{"name":"证号","#
                + #""type":"C","length":28},{"name":"日期","type":"D"}]}"#
        ),
        (.post, "/api/v1/resources/103003%2F000001/submit", #"{"reason":"提交"}"#)
    ]

    @Test func mutatedBodiesNeverGetAServerError() async throws {
        let ledger = try await Fixtures.seededLedger()
        let token = try await Fixtures.token(ledger)
        try await testApp(ledger).test(.router) { client in
            var mutator = Mutator(random: SeededRandom(state: 20_261_201))
            let headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
            for number in 0..<Self.cases {
                let route = Self.routes[number % Self.routes.count]
                let body = number % 3 == 0 ? Array(route.body.utf8) : mutator.bytes(Array(route.body.utf8))
                let response = try await client.execute(
                    uri: route.uri, method: route.method, headers: headers,
                    body: ByteBuffer(bytes: body))
                #expect(response.status.code < 500, "case \(number) \(route.uri): \(String(decoding: body, as: UTF8.self).prefix(200))")
                if response.status.code >= 400 {
                    #expect((try? json(ErrorEnvelope.self, response.body))?.error.message.isEmpty == false, "case \(number)")
                }
            }
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
        #expect(try await ledger.audit.verify().isIntact)
    }
}
