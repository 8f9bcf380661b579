import Foundation
import Yams

/// Working days of the official holiday schedule: weekdays are working days unless listed as off, and
/// 调休 weekend days are working days. Years without data are an error, never a guess.
public struct WorkingCalendar: Sendable {
    /// The schedule of one year.
    public struct Year: Sendable {
        public var source: String
        public var off: Set<CivilDate>
        public var workdays: Set<CivilDate>
    }

    public private(set) var years: [Int: Year]

    public init(years: [Int: Year]) { self.years = years }

    /// Reads `catalog/calendar/cn-workdays.yaml`.
    public static func load(from url: URL) throws -> WorkingCalendar {
        struct File: Decodable {
            struct YearEntry: Decodable {
                var source: String
                var off: [String]
                var workdays: [String]
            }
            var years: [Int: YearEntry]
        }
        let file: File
        do {
            file = try YAMLDecoder().decode(File.self, from: try String(contentsOf: url, encoding: .utf8))
        } catch {
            throw LedgerError(.badRequest, "工作日历文件 \(url.path) 无法读取：\(error)")
        }
        var years: [Int: Year] = [:]
        for (year, entry) in file.years {
            let off = try expand(entry.off, year: year, file: url)
            let work = try expand(entry.workdays, year: year, file: url)
            if let clash = off.intersection(work).min() {
                throw LedgerError(.badRequest, "工作日历 \(url.lastPathComponent)：\(clash) 同时列为休息日和调休工作日")
            }
            years[year] = Year(source: entry.source, off: off, workdays: work)
        }
        return WorkingCalendar(years: years)
    }

    private static func expand(_ entries: [String], year: Int, file: URL) throws -> Set<CivilDate> {
        var dates: Set<CivilDate> = []
        for entry in entries {
            let bounds = entry.components(separatedBy: "..")
            guard let first = CivilDate(bounds[0]), let last = CivilDate(bounds.last!), first <= last,
                first.year == year, last.year == year
            else {
                throw LedgerError(.badRequest, "工作日历 \(file.lastPathComponent) \(year)年：无法识别的日期“\(entry)”")
            }
            for n in first.dayNumber...last.dayNumber { dates.insert(CivilDate(dayNumber: n)) }
        }
        return dates
    }

    /// Whether `date` is a working day; throws when its year has no schedule.
    public func isWorkingDay(_ date: CivilDate) throws -> Bool {
        guard let schedule = years[date.year] else {
            let known = years.keys.sorted().map(String.init).joined(separator: "、")
            throw LedgerError(
                .badRequest,
                "工作日历没有\(date.year)年的节假日安排（已有：\(known)），请在 catalog/calendar/cn-workdays.yaml 中补充")
        }
        if schedule.workdays.contains(date) { return true }
        if schedule.off.contains(date) { return false }
        return !date.isWeekend
    }

    /// The date `count` working days after `date` (the day itself not counted): the 7th working day
    /// after a contract is the deadline of Art. 11.
    public func addingWorkingDays(_ count: Int, to date: CivilDate) throws -> CivilDate {
        precondition(count >= 0, "count must not be negative")
        var current = date
        var remaining = count
        while remaining > 0 {
            current = current.adding(days: 1)
            if try isWorkingDay(current) { remaining -= 1 }
        }
        return current
    }

    /// Working days after `start` up to and including `end` (0 when `end` is not after `start`).
    public func workingDays(after start: CivilDate, through end: CivilDate) throws -> Int {
        guard start < end else { return 0 }
        var count = 0
        for n in (start.dayNumber + 1)...end.dayNumber where try isWorkingDay(CivilDate(dayNumber: n)) {
            count += 1
        }
        return count
    }
}
