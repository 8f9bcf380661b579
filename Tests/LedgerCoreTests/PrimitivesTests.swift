import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

@Suite("USCC (GB 32100-2015)")
struct USCCTests {
    @Test func acceptsTheStandardsExample() {
        #expect(USCC.validate("91110000600037341L") == nil)
        #expect(USCC.validate("91110000600037341l") == nil)
    }

    @Test func namesTheExpectedCheckCharacter() {
        #expect(USCC.validate("91110000600037341A") == .checkCharacter(expected: "L", found: "A"))
        #expect(USCC.validate("91110000600037341A")!.message.contains("应为“L”"))
    }

    @Test func namesTheForbiddenCharacterAndItsPosition() {
        #expect(USCC.validate("9111000060003734IL") == .character(position: 17, character: "I"))
    }

    @Test func rejectsWrongLength() {
        #expect(USCC.validate("9111000060003734") == .length(16))
    }

    @Test func readsTheDivisionCode() {
        #expect(USCC.divisionCode(of: "11370481000000001X") == "370481")
    }
}

@Suite("CivilDate")
struct CivilDateTests {
    @Test func parsesSpreadsheetSpellings() {
        #expect(CivilDate("2026-10-31") == CivilDate(year: 2026, month: 10, day: 31))
        #expect(CivilDate("2026/1/5") == CivilDate(year: 2026, month: 1, day: 5))
        #expect(CivilDate("2026-02-30") == nil)
        #expect(CivilDate("20261031") == nil)
        // Ten bytes that are not YYYY-MM-DD in digits go the general way, which refuses or reads them as before.
        #expect(CivilDate("2026-13-01") == nil && CivilDate("2026-1a-01") == nil && CivilDate("+026-10-31") == nil)
        #expect(CivilDate("2026-1-011") == nil && CivilDate("1899-12-31") == nil && CivilDate("2026-00-10") == nil)
        #expect(CivilDate(" 2026-1-05") == CivilDate(year: 2026, month: 1, day: 5))
        #expect(CivilDate("2026.10.31") == CivilDate(year: 2026, month: 10, day: 31))
    }

    @Test func knowsWeekdaysAndLeapYears() {
        #expect(CivilDate("2026-11-26")!.weekday == 4)
        #expect(CivilDate("2024-02-29") != nil)
        #expect(CivilDate("2100-02-29") == nil)
        let date = CivilDate("2000-03-01")!
        #expect(CivilDate(dayNumber: date.dayNumber) == date)
    }

    @Test func addsMonthsClampingToMonthEnd() {
        #expect(CivilDate("2025-01-31")!.adding(months: 1) == CivilDate("2025-02-28"))
        #expect(CivilDate("2025-11-15")!.adding(months: 3) == CivilDate("2026-02-15"))
        #expect(CivilDate("2025-12-31")!.adding(days: 1) == CivilDate("2026-01-01"))
    }
}

@Suite("Money")
struct MoneyTests {
    @Test func parsesYuanIntoExactFen() {
        #expect(Money(yuanText: "1234567.8")?.fen == 123_456_780)
        #expect(Money(yuanText: "1,234,567.89")?.fen == 123_456_789)
        #expect(Money(yuanText: "￥120000元")?.fen == 12_000_000)
        #expect(Money(yuanText: "-30000.05")?.fen == -3_000_005)
        #expect(Money(yuanText: "0.1")?.description == "0.10")
    }

    @Test func refusesWhatIsNotAPlainAmount() {
        #expect(Money(yuanText: "1.234") == nil)
        #expect(Money(yuanText: "1e6") == nil)
        #expect(Money(yuanText: "一百万") == nil)
        #expect(Money(yuanText: "") == nil)
        for text in ["-", "1.", ".5", "1..5", "1.-5", "--1", "1-", "1234567890123456", "1 .5", "1.5元元"] {
            #expect(Money(yuanText: text) == nil, "\(text)")
        }
    }

    /// Stored amounts (`description`) are read byte by byte; they must read as the general reading reads them.
    @Test func readsStoredAmountsAsWritten() throws {
        var generator = SystemRandomNumberGenerator()
        let limit = Money.limitYuan * 100
        for fen in [0, 1, -1, 10, 99, -99, 100, limit, -limit] + (0..<2_000).map({ _ in Int64.random(in: -limit...limit, using: &generator) }) {
            #expect(Money(yuanText: Money(fen: fen).description) == Money(fen: fen))
        }
        #expect(Money(yuanText: "007.5")?.fen == 750)
        #expect(Money(yuanText: "-0.05")?.fen == -5)
        #expect(Money(yuanText: "123456789012345")?.fen == 12_345_678_901_234_500)
        let decoded = try JSONDecoder().decode([Money].self, from: Data(#"["1.50", 2, "3", "-4.05"]"#.utf8))
        #expect(decoded == [Money(fen: 150), Money(yuan: 2), Money(yuan: 3), Money(fen: -405)])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Money].self, from: Data("[1.5]".utf8)) }
    }

    @Test func comparesPercentagesExactly() {
        let approved = Money(yuan: 1_000_000)
        #expect(!Money.exceeds(Money(yuan: 150_000), percent: 15, of: approved))
        #expect(Money.exceeds(Money(fen: 15_000_001), percent: 15, of: approved))
        #expect(Money.exceeds(Money(yuan: -150_001), percent: 15, of: approved))
    }
}

@Suite("Working-day calendar")
struct WorkingCalendarTests {
    let calendar = try! Fixtures.catalog.calendar()

    @Test func countsAcrossTheNationalDayHolidayAndMakeUpDays() throws {
        // Contract on Fri 2025-09-26: Sun 9/28 is a 调休 working day, 10/1-8 are off, Sat 10/11 works.
        #expect(try calendar.addingWorkingDays(7, to: CivilDate("2025-09-26")!) == CivilDate("2025-10-13"))
    }

    @Test func makeUpSaturdaysAreWorkingDaysAndHolidaysAreNot() throws {
        #expect(try calendar.isWorkingDay(CivilDate("2026-02-14")!))
        #expect(try calendar.isWorkingDay(CivilDate("2024-02-04")!))
        #expect(try !calendar.isWorkingDay(CivilDate("2026-02-16")!))
        #expect(try !calendar.isWorkingDay(CivilDate("2026-11-28")!))
        #expect(try calendar.isWorkingDay(CivilDate("2026-11-26")!))
    }

    @Test func countsWorkingDaysBetweenDates() throws {
        // 10/8, 10/9, Sat 10/10 (调休), 10/12
        #expect(try calendar.workingDays(after: CivilDate("2026-09-30")!, through: CivilDate("2026-10-12")!) == 4)
    }

    @Test func aYearWithoutDataIsAnError() {
        #expect(throws: LedgerError.self) { try calendar.isWorkingDay(CivilDate("2027-03-01")!) }
        #expect(throws: LedgerError.self) { try calendar.addingWorkingDays(10, to: CivilDate("2026-12-24")!) }
    }
}

@Suite("Code lists")
struct CodeListTests {
    let codes = Fixtures.codes

    @Test func resolvesAliasesAfterTrimming() {
        #expect(codes.entry("完全不开放", in: codes.openTypes)?.name == "不予开放")
        #expect(codes.entry("\u{3000}有条件共享。", in: codes.shareTypes)?.name == "有条件共享")
        #expect(codes.dataType("字符型C")?.code == "C")
        #expect(codes.dataType("x") == nil)
    }

    @Test func formatShareMethodsAreThemselvesShareMethods() {
        let methods = Set(codes.shareMethods.map(\.name))
        for format in codes.formats {
            #expect(Set(format.shareMethods ?? [String]()).isSubset(of: methods), "\(format.name)")
        }
    }

    @Test func hasTheTwentyOneTownsAndStreets() {
        #expect(codes.regions.filter { (entry: CodeEntry) in entry.name != "市直" }.count == 21)
    }

    @Test func readsClassificationPaths() {
        #expect(codes.classificationPath(of: "101001") == ["基础信息资源", "人口", "人口基本信息"])
        #expect(codes.classificationPath(of: "199001") == nil)
    }
}
