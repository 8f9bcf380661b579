import Foundation
import Hummingbird

/// What the last action did, said once on the page it leads to (post/redirect/get): the redirect carries `done=` (and
/// the record's `code=`), and the page shows the fixed sentence for it, so no text of the address is shown as given.
enum Flash: String {
    case saved, submitted, approved, returned, probed, accountCreated, accountChanged, tokenRevoked, waiverAdded, harvestAdded, harvestRemoved

    /// The sentence for this outcome about `code`, when given.
    func sentence(code: String?) -> String {
        let subject = code.map { "“\($0)”" } ?? ""
        return switch self {
        case .saved: "已保存\(subject)。变更已记入审计日志。"
        case .submitted: "已提交\(subject)，等待审查人员审核。"
        case .approved: "已通过\(subject)的审核，目录已发布。"
        case .returned: "已退回\(subject)，数据专员可在本单位页面看到退回理由。"
        case .probed: "已重新探测平台对接，下表为最新证据。"
        case .accountCreated: "已新增账号\(subject)。"
        case .accountChanged: "已更新账号\(subject)的状态。"
        case .tokenRevoked: "已吊销令牌，使用它的程序将无法再访问。"
        case .waiverAdded: "已批准\(subject)的检查豁免。"
        case .harvestAdded: "已登记采集来源\(subject)，可立即采集。"
        case .harvestRemoved: "已删除采集来源\(subject)；它采集的资源仍在目录中。"
        }
    }

    /// The sentence a page's address asks for, or `nil`.
    static func message(_ query: Hummingbird.Parameters) -> String? {
        guard let done = query.get("done").flatMap(Flash.init(rawValue:)) else { return nil }
        return done.sentence(code: query.get("code").map { String($0.prefix(64)) })
    }

    /// `path` with this outcome (and `code`) added to its query, before any `#fragment`.
    func location(_ path: String, code: String? = nil) -> String {
        let (base, fragment) =
            path.firstIndex(of: "#").map { (String(path[..<$0]), String(path[$0...])) } ?? (path, "")
        var query = "done=\(rawValue)"
        if let code { query += "&code=" + queryValue(code) }
        return base + (base.contains("?") ? "&" : "?") + query + fragment
    }

    /// A 303 to `path` that says this outcome there.
    func redirect(_ path: String, code: String? = nil) -> Response {
        Response(status: .seeOther, headers: [.location: location(path, code: code)])
    }
}
