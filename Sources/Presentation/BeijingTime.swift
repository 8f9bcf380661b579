import Foundation

/// Instants as people in 滕州 read them: the store keeps ISO 8601 in UTC (`2026-12-01T19:52:44Z`), pages show
/// Beijing time (`2026-12-02 03:52:44`).
public enum BeijingTime {
    private static let zone = TimeZone(identifier: "Asia/Shanghai")!

    /// `iso` in Beijing time; text that is no ISO 8601 instant is returned as it is.
    public static func text(_ iso: String) -> String {
        let parsed =
            (try? Date(iso, strategy: .iso8601))  // no instant: shown as stored
            ?? (try? Date(iso, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))  // the same
        guard let parsed else { return iso }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: parsed)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute)):\(two(c.second))"
    }
}
