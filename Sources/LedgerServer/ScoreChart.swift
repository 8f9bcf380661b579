import Foundation

/// The score distribution as an SVG bar chart, rendered on the server (no script, no external assets).
enum ScoreChart {
    /// Bars for 0-10, 10-20 … 90-100 of `scores` (in tenths).
    static func svg(_ scores: [Int]) -> String {
        var buckets = Array(repeating: 0, count: 10)
        for score in scores { buckets[min(9, score / 100)] += 1 }
        let highest = max(1, buckets.max() ?? 1)
        let bars = buckets.enumerated().map { index, count -> String in
            let height = count * 150 / highest
            let x = 40 + index * 52
            return """
                <rect x="\(x)" y="\(170 - height)" width="40" height="\(height)" fill="#2f6b9a"/>\
                <text x="\(x + 20)" y="\(165 - height)" font-size="12" text-anchor="middle">\(count)</text>\
                <text x="\(x + 20)" y="188" font-size="11" text-anchor="middle">\(index * 10)–\(index * 10 + 10)</text>
                """
        }.joined()
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="580" height="200" viewBox="0 0 580 200" role="img" aria-label="共享合规评分分布">\
            <line x1="36" y1="170" x2="560" y2="170" stroke="#555"/>\(bars)</svg>
            """
    }
}
