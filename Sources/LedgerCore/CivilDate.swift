import Foundation

/// A calendar date without time or zone (`2026-10-31`), used for every rule of the regulation.
///
/// Arithmetic goes through the proleptic Gregorian day number, so it needs no `Calendar` or time zone.
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Creates a date, or returns `nil` when the day does not exist (`2026-02-30`).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...CivilDate.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The years a date read from outside may have. Rules add months and years to dates (free periods, deadlines),
    /// so a date far in the future (`9999-12-31`) would leave the calendar; such dates are refused when read.
    public static let acceptedYears = 1900...2199

    /// Parses `YYYY-MM-DD`; also accepts `YYYY/MM/DD` and `YYYY.MM.DD` as Excel and WPS write them. Years outside
    /// `acceptedYears` are refused.
    public init?(_ text: String) {
        // `YYYY-MM-DD`, as every stored date is, read from its ten bytes (a province's evaluation reads millions).
        let bytes = text.utf8
        if bytes.count == 10, let canonical = Self.digits(of: bytes) {
            guard Self.acceptedYears.contains(canonical.year) else { return nil }
            self.init(year: canonical.year, month: canonical.month, day: canonical.day)
            return
        }
        let parts = text.trimmingCharacters(in: .whitespaces)
            .split(whereSeparator: { $0 == "-" || $0 == "/" || $0 == "." })
        guard parts.count == 3, parts[0].count == 4, parts[1].count <= 2, parts[2].count <= 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            Self.acceptedYears.contains(y)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Year, month and day of `YYYY-MM-DD` in ASCII digits, or `nil` for any other ten bytes.
    private static func digits(of bytes: String.UTF8View) -> (year: Int, month: Int, day: Int)? {
        var fields = (0, 0, 0)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 7 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            let digit = Int(byte - UInt8(ascii: "0"))
            switch index {
            case ..<4: fields.0 = fields.0 * 10 + digit
            case ..<7: fields.1 = fields.1 * 10 + digit
            default: fields.2 = fields.2 * 10 + digit
            }
        }
        return fields
    }

    /// The date of an instant in the given time zone (China Standard Time by default).
    public init(_ instant: Date, timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: instant)
        self.init(dayNumber: CivilDate(year: c.year!, month: c.month!, day: c.day!)!.dayNumber)
    }

    /// The instant the day begins in the given time zone (China Standard Time by default).
    public func start(in timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.date(from: DateComponents(year: year, month: month, day: day))!
    }

    /// Days since 0000-03-01 in the proleptic Gregorian calendar.
    public var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe
    }

    /// The date with the given day number (the inverse of `dayNumber`).
    public init(dayNumber: Int) {
        let era = dayNumber / 146_097
        let doe = dayNumber - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    /// ISO weekday: 1 = Monday … 7 = Sunday.
    public var weekday: Int {
        // 0000-03-01 was a Wednesday (ISO 3).
        ((dayNumber % 7) + 7 + 2) % 7 + 1
    }

    /// Whether the date falls on a Saturday or Sunday.
    public var isWeekend: Bool { weekday >= 6 }

    /// The date `days` calendar days later (or earlier, when negative).
    public func adding(days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + days) }

    /// The same day `months` months later, clamped to the month's last day (`01-31` + 1 month = `02-28`).
    public func adding(months: Int) -> CivilDate {
        let total = year * 12 + (month - 1) + months
        let y = total / 12
        let m = total % 12 + 1
        return CivilDate(year: y, month: m, day: min(day, CivilDate.daysIn(month: m, year: y)))!
    }

    /// Calendar days from `self` to `other` (positive when `other` is later).
    public func days(until other: CivilDate) -> Int { other.dayNumber - dayNumber }

    public var description: String {
        // Years are 1900–2199 when parsed and within 1…9999 when computed: four digits, zero-padded like the rest.
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool { lhs.dayNumber < rhs.dayNumber }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

extension CivilDate: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = CivilDate(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "“\(text)”不是日期（应为YYYY-MM-DD，年份在1900—2199之间）")
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
