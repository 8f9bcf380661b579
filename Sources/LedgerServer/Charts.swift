import Foundation
import Presentation

/// Charts as SVG drawn on the server (no script, no external assets, colours as attributes so the pages' CSP holds):
/// each has a text alternative, and the figures it draws are also on the page or a link away.
enum Charts {
    static let bar = "#2f6b9a"
    static let good = "#1e7b3a"
    static let warn = "#b26a00"
    static let bad = "#b3261e"
    static let muted = "#767676"

    /// Bars for 0–10, 10–20 … 90–100 of `scores` (in tenths).
    static func scoreDistribution(_ scores: [Int]) -> String {
        var buckets = Array(repeating: 0, count: 10)
        for score in scores { buckets[min(9, max(0, score / 100))] += 1 }
        let highest = max(1, buckets.max() ?? 1)
        let bars = buckets.enumerated().map { index, count -> String in
            let height = count * 150 / highest
            let x = 40 + index * 52
            return """
                <rect x="\(x)" y="\(170 - height)" width="40" height="\(height)" fill="\(bar)"/>\
                <text x="\(x + 20)" y="\(165 - height)" font-size="12" text-anchor="middle">\(count)</text>\
                <text x="\(x + 20)" y="188" font-size="11" text-anchor="middle">\(index * 10)–\(index * 10 + 10)</text>
                """
        }.joined()
        let text = buckets.enumerated().map { "\($0 * 10)–\($0 * 10 + 10)分 \($1) 个" }.joined(separator: "，")
        return """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" width="580" height="200" viewBox="0 0 580 200" role="img" \
            aria-label="共享合规评分分布：\(text)"><line x1="36" y1="170" x2="560" y2="170" stroke="#555"/>\(bars)</svg>
            """
    }

    /// One horizontal bar per unit: its systems' average score (tenths), lowest first, with the number of systems.
    static func scoreByUnit(_ units: [(name: String, averageTenths: Int, systems: Int)]) -> String {
        let rowHeight = 22
        let height = units.count * rowHeight + 30
        let bars = units.enumerated().map { index, unit -> String in
            let y = 10 + index * rowHeight
            let width = unit.averageTenths * 300 / 1000
            let colour = unit.averageTenths >= 800 ? good : unit.averageTenths >= 600 ? warn : bad
            let score = "\(unit.averageTenths / 10).\(unit.averageTenths % 10)"
            return """
                <text x="238" y="\(y + 14)" font-size="12" text-anchor="end">\(HTML.escape(String(unit.name.prefix(18))))</text>\
                <rect x="244" y="\(y + 2)" width="\(max(1, width))" height="16" fill="\(colour)"/>\
                <text x="\(250 + width)" y="\(y + 14)" font-size="12">\(score)（\(unit.systems) 个系统）</text>
                """
        }.joined()
        let text = units.map { "\($0.name) \($0.averageTenths / 10).\($0.averageTenths % 10)" }.joined(separator: "，")
        return """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" width="680" height="\(height)" viewBox="0 0 680 \(height)" \
            role="img" aria-label="各单位平均共享合规评分：\(HTML.escape(text))">\
            <line x1="244" y1="6" x2="244" y2="\(height - 20)" stroke="#555"/>\
            <line x1="544" y1="6" x2="544" y2="\(height - 20)" stroke="#ccc" stroke-dasharray="3 3"/>\
            <text x="544" y="\(height - 6)" font-size="11" text-anchor="middle">100</text>\
            <text x="394" y="\(height - 6)" font-size="11" text-anchor="middle">50</text>\(bars)</svg>
            """
    }

    /// One horizontal stacked bar per harvest source (a city's counties): its resources published, not yet published
    /// and taken offline, on one scale, with the total.
    static func holdingsBySource(_ sources: [(name: String, published: Int, unpublished: Int, offline: Int)]) -> String {
        let rowHeight = 22
        let height = sources.count * rowHeight + 12
        let largest = max(1, sources.map { $0.published + $0.unpublished + $0.offline }.max() ?? 1)
        let bars = sources.enumerated().map { index, source -> String in
            let y = 6 + index * rowHeight
            var x = 184
            var parts = "<text x=\"178\" y=\"\(y + 14)\" font-size=\"12\" text-anchor=\"end\">\(HTML.escape(String(source.name.prefix(14))))</text>"
            for (count, colour) in [(source.published, good), (source.unpublished, warn), (source.offline, muted)] where count > 0 {
                let width = max(1, count * 360 / largest)
                parts += "<rect x=\"\(x)\" y=\"\(y + 2)\" width=\"\(width)\" height=\"16\" fill=\"\(colour)\"/>"
                x += width
            }
            return parts + "<text x=\"\(x + 6)\" y=\"\(y + 14)\" font-size=\"12\">\(source.published + source.unpublished + source.offline)</text>"
        }.joined()
        let text = sources.map { "\($0.name) 已发布 \($0.published)、未发布 \($0.unpublished)、下线 \($0.offline)" }
            .joined(separator: "；")
        return """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" width="620" height="\(height)" viewBox="0 0 620 \(height)" \
            role="img" aria-label="各来源资源：\(HTML.escape(text))">\
            <line x1="184" y1="4" x2="184" y2="\(height - 4)" stroke="#555"/>\(bars)</svg>
            <p class="legend"><span class="swatch eligible-bg"></span>已发布 <span class="swatch pending-bg"></span>未发布 \
            <span class="swatch offline-bg"></span>下线（柱尾为资源总数）</p>
            """
    }

    /// One stacked bar per funding batch, oldest first: the share of systems whose O&M funds may be arranged,
    /// refused, or wait for evidence.
    static func overBatches(_ batches: [(label: String, eligible: Int, ineligible: Int, pending: Int)]) -> String {
        let width = max(320, batches.count * 70 + 80)
        let bars = batches.enumerated().map { index, batch -> String in
            let total = max(1, batch.eligible + batch.ineligible + batch.pending)
            let x = 50 + index * 70
            var y = 170
            var parts = ""
            for (count, colour) in [(batch.eligible, good), (batch.pending, warn), (batch.ineligible, bad)] {
                let height = count * 150 / total
                y -= height
                parts += "<rect x=\"\(x)\" y=\"\(y)\" width=\"44\" height=\"\(height)\" fill=\"\(colour)\"/>"
            }
            return parts + """
                <text x="\(x + 22)" y="188" font-size="11" text-anchor="middle">\(HTML.escape(batch.label))</text>\
                <text x="\(x + 22)" y="14" font-size="11" text-anchor="middle">\(batch.eligible * 100 / total)%</text>
                """
        }.joined()
        let text = batches.map { "\($0.label) 可安排 \($0.eligible)、待补证据 \($0.pending)、不予安排 \($0.ineligible)" }
            .joined(separator: "；")
        return """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" width="\(width)" height="200" viewBox="0 0 \(width) 200" \
            role="img" aria-label="历次资金评估的运维经费结论：\(HTML.escape(text))">\
            <line x1="46" y1="170" x2="\(width - 10)" y2="170" stroke="#555"/>\
            <text x="4" y="24" font-size="11">100%</text><text x="4" y="170" font-size="11">0%</text>\(bars)</svg>
            <p class="legend"><span class="swatch eligible-bg"></span>可安排 <span class="swatch pending-bg"></span>待补证据 \
            <span class="swatch ineligible-bg"></span>不予安排（柱顶为可安排的比例）</p>
            """
    }
}
