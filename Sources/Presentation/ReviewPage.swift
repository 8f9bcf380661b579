import Compliance
import Foundation
import LedgerCore

/// The review report as a printable page: Chinese, A4, self-contained (no external fonts, scripts or styles).
public enum ReviewPage {
    /// The report's style sheet, inline in the document (the server's Content-Security-Policy allows it by its hash).
    public static let style = """
            @page { size: A4; margin: 18mm 16mm; }
            body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "Noto Sans CJK SC", serif;
                   font-size: 10.5pt; color: #111; max-width: 178mm; margin: 0 auto; }
            h1 { text-align: center; font-size: 18pt; margin: 0 0 4mm; }
            h2 { font-size: 13pt; margin: 6mm 0 2mm; }
            .meta, .inputs { color: #444; font-size: 9pt; }
            table { width: 100%; border-collapse: collapse; margin: 2mm 0; page-break-inside: auto; }
            th, td { border: 0.3mm solid #555; padding: 1.2mm 1.6mm; vertical-align: top; text-align: left; }
            th { background: #eee; white-space: nowrap; }
            .items td:nth-child(3), .checks td:nth-child(2) { white-space: nowrap; font-size: 9pt; }
            .items td:nth-child(4), .checks td:nth-child(3) { white-space: nowrap; }
            tr { page-break-inside: avoid; }
            td p { margin: 0 0 1mm; } ul { margin: 0; padding-left: 4mm; } code { font-size: 8pt; color: #555; }
            .pass { color: #065f2c; font-weight: bold; } .fail { color: #a40000; font-weight: bold; }
            .inconclusive { color: #8a5a00; font-weight: bold; } .not-applicable { color: #555; }
            .remedy { color: #333; font-style: italic; } .pending { color: #8a5a00; } .sign { margin-top: 10mm; }
        """

    /// The HTML document of `report`, stored as review `id`.
    public static func html(_ report: ReviewReport, id: Int64) -> String {
        let inputs = report.inputs
        var body = """
            <h1>政务信息化项目验收前置审查报告</h1>
            <p class="meta">审查编号 \(id) · 评估基准日 \(inputs.asOf) ·\
             依据《滕州市政务信息化项目建设管理细则》（滕政办发〔2025〕8号）第十八条第三项</p>
            <table class="facts">
            <tr><th>系统编号</th><td>\(HTML.escape(report.systemCode))</td><th>系统名称</th><td>\(HTML.escape(report.systemName))</td></tr>
            <tr><th>建设单位代码</th><td>\(HTML.escape(report.unitUSCC))</td><th>系统状态</th><td>\(report.status.rawValue)</td></tr>
            </table>
            <h2>一、审查内容与结论</h2>
            <table class="items"><thead><tr><th>序号</th><th>审查内容</th><th>依据</th><th>结论</th><th>审查发现</th></tr></thead>\
            <tbody>
            """
        for item in report.items {
            body +=
                "<tr><td>\(item.number)</td><td>\(HTML.escape(item.title))</td><td>\(ArticleText.chinese(item.article))</td>"
                + "<td class=\"\(item.status.rawValue)\">\(label(item.status))</td>"
                + "<td>\(item.findings.map { "<p>\(HTML.prose($0))</p>" }.joined())</td></tr>\n"
        }
        body += "</tbody></table>\n<h2>二、审查意见</h2>\n"
        body += "<p>依据证据的建议：<strong>\(report.recommendation.rawValue)</strong>。\(HTML.prose(report.recommendationReason))。</p>\n"
        if let decision = report.decision {
            body += """
                <table class="facts"><tr><th>审查结论</th><td><strong>\(decision.outcome.rawValue)</strong></td>\
                <th>审查日期</th><td>\(decision.decidedOn)</td></tr>
                <tr><th>审查意见</th><td colspan="3">\(HTML.escape(decision.opinion))</td></tr>
                <tr><th>审查人</th><td colspan="3">\(HTML.escape(decision.reviewer))</td></tr></table>
                """
        } else {
            body +=
                "<p class=\"pending\">审查结论：待审查人在“验收前置审查”页面记录（通过或不通过，并填写审"
                + "查意见）</p>\n"
            body += "<p class=\"sign\">审查人（签字）：＿＿＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日</p>\n"
        }
        body += "<h2>三、检查明细与证据</h2>\n<table class=\"checks\"><thead><tr><th>检查项</th><th>依据</th><th>结果</th><th>说明与证据</th></tr></thead><tbody>\n"
        for check in report.checks {
            let evidence = check.evidence.map { item in
                "<li>\(HTML.escape(item.label))：\(HTML.escape(item.value))\(item.verdictId.map { "（探测结果 #\($0)，批次 #\(item.runId ?? 0)）" } ?? "")</li>"
            }.joined()
            let remedy = check.remediation.map { "<p class=\"remedy\">整改：\(HTML.prose($0))</p>" } ?? ""
            let waiver =
                check.waiver.map {
                    "<p class=\"remedy\">已豁免至 \($0.expiresOn)：\(HTML.escape($0.reason))（批准人 \(HTML.escape($0.approver))）</p>"
                } ?? ""
            body +=
                "<tr><td>\(HTML.escape(check.title))<br><code>\(check.check.rawValue)</code></td><td>\(ArticleText.chinese(check.article))</td>"
                + "<td class=\"\(check.status.rawValue)\">\(label(check.status))</td>"
                + "<td><p>\(HTML.prose(check.reason))</p>\(evidence.isEmpty ? "" : "<ul>\(evidence)</ul>")\(remedy)\(waiver)</td></tr>\n"
        }
        body += "</tbody></table>\n"
        body +=
            "<p class=\"inputs\">评估输入：策略 \(HTML.escape(inputs.policyVersion))（SHA-256 \(inputs.policySha256.prefix(16))…）"
            + "· 代码表 \(HTML.escape(inputs.codeListsVersion))"
            + " · 探测批次 \(inputs.probeRunIds.isEmpty ? "无" : inputs.probeRunIds.map { "#\($0)" }.joined(separator: " "))"
            + " · 账本与证据 SHA-256 \(inputs.inputSha256.prefix(16))…</p>\n"
        return """
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>验收前置审查报告 \(HTML.escape(report.systemCode))</title>
            <style>\(style)</style></head><body>
            \(body)</body></html>
            """
    }

    /// The Chinese word for a status in a review: 符合, 不符合, 证据不足, 不适用.
    public static func label(_ status: CheckStatus) -> String {
        switch status {
        case .pass: "符合"
        case .fail: "不符合"
        case .inconclusive: "证据不足"
        case .notApplicable: "不适用"
        }
    }

}
