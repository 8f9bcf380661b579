import Presentation
import Testing

@Suite("Articles as people write them")
struct ArticleTextTests {
    @Test(arguments: [
        ("Art. 5", "第五条"),
        ("Art. 22(7)", "第二十二条第（七）项"),
        ("Art. 18(3), 11, 16", "第十八条第（三）项、第十一条、第十六条"),
        ("Art. 22(2), 29, 30", "第二十二条第（二）项、第二十九条、第三十条"),
        ("Art. 10", "第十条"),
        ("发改高技〔2017〕1272号", "发改高技〔2017〕1272号"),
        ("Art. 22(x)", "Art. 22(x)")
    ])
    func chinese(_ cited: String, _ written: String) {
        #expect(ArticleText.chinese(cited) == written)
    }

    @Test func citationsInTextAreWrittenInChinese() {
        #expect(
            ArticleText.inText("接入共享平台（Art. 22(1), 27）；见 Art. 19。") == "接入共享平台（第二十二条第（一）"
                + "项、第二十七条）；见 第十九条。")
        #expect(ArticleText.inText("无引用") == "无引用")
        #expect(HTML.prose("<b>（Art. 5）</b>") == "&lt;b&gt;（第五条）&lt;/b&gt;")
    }

    @Test func pagesLeaveOutCommandLineHints() {
        #expect(HTML.prose("对该系统重新探测（ybz probe --system TZ-SYS-001）") == "对该系统重新探测")
        #expect(HTML.prose("运行探测（ybz probe）后重新评估") == "运行探测后重新评估")
        #expect(HTML.prose("共享条件（仅限履职）") == "共享条件（仅限履职）")
    }

    @Test func instantsAreShownInBeijingTime() {
        #expect(BeijingTime.text("2026-12-01T19:52:44Z") == "2026-12-02 03:52:44")
        #expect(BeijingTime.text("2026-12-01T00:00:00.250Z") == "2026-12-01 08:00:00")
        #expect(BeijingTime.text("不是时间") == "不是时间")
        #expect(AuditWords.action("create") + AuditWords.entity("resource") == "登记信息资源")
    }
}
