import Foundation
import LedgerCore

/// A condition of a probe spec: `<subject> <operator> <expected>`, e.g. `status == 200`,
/// `body.data.online == true`, `elapsed < 2s`, `cert.expiresIn > 14d`, `body.items.len > 0`,
/// `age.data.lastPush < body.data.interval + 2h`.
///
/// Subjects: `status`, `elapsed`, `header.<name>`, `body.<path>` (with `.len` for the length of an array, object
/// or string), `age.<path>` (time since the ISO 8601 timestamp at that body path), `cert.expiresIn`.
/// Expected values: numbers, durations (`500ms`, `2s`, `5m`, `1h`, `14d`), `true`, `false`, `null`, "quoted text",
/// or a duration the platform states in the body (`body.<path>`, ISO 8601 `PT1H` or `1h`), optionally `+ <duration>`
/// or `* <number>`, so that each feed is judged against its own interval.
public struct Condition: Sendable, Equatable, CustomStringConvertible {
    public enum Operator: String, Sendable, CaseIterable {
        case equal = "=="
        case notEqual = "!="
        case lessOrEqual = "<="
        case greaterOrEqual = ">="
        case less = "<"
        case greater = ">"
    }

    /// A literal or a resolved subject.
    public enum Value: Sendable, Equatable, CustomStringConvertible {
        case number(Double)
        /// A duration in milliseconds.
        case duration(Double)
        case text(String)
        case bool(Bool)
        case null
        /// The subject does not exist in the response.
        case missing

        public var description: String {
            switch self {
            case .number(let n): n.rounded() == n && abs(n) < 1e15 ? String(Int64(n)) : String(n)
            case .duration(let ms): Self.duration(ms)
            case .text(let t): "\"\(t)\""
            case .bool(let b): String(b)
            case .null: "null"
            case .missing: "missing"
            }
        }

        /// A readable duration (`DurationFormat.readable`).
        static func duration(_ ms: Double) -> String { DurationFormat.readable(ms) }

        var magnitude: Double? {
            switch self {
            case .number(let n), .duration(let n): n
            default: nil
            }
        }
    }

    /// What the subject is compared with.
    public enum Expected: Sendable, Equatable, CustomStringConvertible {
        case literal(Value)
        /// A duration read from the response body at `path`, scaled by `factor`, plus `plusMs`.
        case bodyDuration(path: String, factor: Double, plusMs: Double)

        public var description: String {
            switch self {
            case .literal(let value): value.description
            case .bodyDuration(let path, let factor, let plusMs):
                "body.\(path)" + (factor != 1 ? " * \(Value.number(factor))" : "") + (plusMs != 0 ? " + \(Value.duration(plusMs))" : "")
            }
        }
    }

    public let subject: String
    public let op: Operator
    public let expected: Expected
    public let description: String

    /// Parses a condition; the error says what is wrong.
    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let op = Operator.allCases.first(where: { trimmed.contains(" \($0.rawValue) ") }) else {
            throw ConditionError("“\(text)”应为“主体 运算符 值”，运算符为 == != < <= > >=，两侧留空格")
        }
        let parts = trimmed.components(separatedBy: " \(op.rawValue) ")
        guard parts.count == 2 else { throw ConditionError("“\(text)”只能有一个运算符") }
        let subject = parts[0].trimmingCharacters(in: .whitespaces)
        guard Self.isKnownSubject(subject) else {
            throw ConditionError("“\(subject)”不是可用的主体（status、elapsed、header.名称、body.路径、age.路径、cert.expiresIn）")
        }
        self.subject = subject
        self.op = op
        self.expected = try Self.expected(parts[1].trimmingCharacters(in: .whitespaces))
        self.description = trimmed
        if case .literal(let literal) = expected, op != .equal, op != .notEqual, literal.magnitude == nil {
            throw ConditionError("“\(text)”：\(op.rawValue) 只能与数字或时长比较")
        }
    }

    /// A literal, or `body.<path>` with an optional `* <number>` or `+ <duration>`.
    static func expected(_ text: String) throws -> Expected {
        guard text.hasPrefix("body.") else { return .literal(try literal(text)) }
        let words = text.split(separator: " ").map(String.init)
        let path = String(words[0].dropFirst(5))
        guard !path.isEmpty else { throw ConditionError("“\(text)”：body. 之后应写字段路径") }
        var factor = 1.0
        var plusMs = 0.0
        var rest = words.dropFirst()
        while let sign = rest.first {
            guard rest.count >= 2 else { throw ConditionError("“\(text)”：\(sign) 之后缺少数值") }
            let operand = rest.dropFirst().first!
            switch (sign, try literal(operand)) {
            case ("*", .number(let n)): factor *= n
            case ("+", .duration(let ms)): plusMs += ms
            default: throw ConditionError("“\(text)”：字段之后只能写“* 数字”或“+ 时长”，如 body.data.interval + 2h")
            }
            rest = rest.dropFirst(2)
        }
        return .bodyDuration(path: path, factor: factor, plusMs: plusMs)
    }

    static func isKnownSubject(_ subject: String) -> Bool {
        ["status", "elapsed", "cert.expiresIn"].contains(subject)
            || (subject.hasPrefix("body.") && subject.count > 5) || (subject.hasPrefix("header.") && subject.count > 7)
            || (subject.hasPrefix("age.") && subject.count > 4)
    }

    static func literal(_ text: String) throws -> Value {
        switch text {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "null": return .null
        default: break
        }
        if text.count >= 2, text.first == "\"", text.last == "\"" { return .text(String(text.dropFirst().dropLast())) }
        if let number = Double(text) { return .number(number) }
        for (suffix, factor) in [("ms", 1.0), ("s", 1000.0), ("m", 60_000.0), ("h", 3_600_000.0), ("d", 86_400_000.0)] {
            if text.hasSuffix(suffix), let amount = Double(text.dropLast(suffix.count)) { return .duration(amount * factor) }
        }
        throw ConditionError("“\(text)”不是数字、时长（500ms、2s、14d）、true/false/null 或带引号的文本")
    }

    /// Evaluates against a response, with the resolved value shown: `status (404) == 200`.
    public func evaluate(_ response: ProbeResponse) -> ConditionResult {
        let actual = resolve(response)
        let target = resolveExpected(response)
        let shown: String
        switch expected {
        case .literal: shown = expected.description
        case .bodyDuration: shown = "\(expected) (\(target))"
        }
        return ConditionResult(
            expression: description, resolved: "\(subject) (\(actual)) \(op.rawValue) \(shown)",
            passed: target != .missing && compare(actual, target), clock: clock(response, bound: target, shown: shown))
    }

    /// What a condition on time observed (the instant, the bound), so that an evaluation can judge it for its own day.
    func clock(_ response: ProbeResponse, bound: Value, shown: String) -> ClockTerms? {
        guard case .duration(let boundMs) = bound else { return nil }
        let observed: (Date, since: Bool)?
        if subject == "cert.expiresIn" {
            observed = response.tlsExpiresAt.map { ($0, false) }
        } else if subject.hasPrefix("age."), case .string(let text)? = response.json?.value(at: String(subject.dropFirst(4))) {
            observed = Timestamp.parse(text).map { ($0, true) }
        } else {
            observed = nil
        }
        return observed.map {
            ClockTerms(subject: subject, instant: $0.0, since: $0.since, comparison: op.rawValue, boundMs: boundMs, shownBound: shown)
        }
    }

    /// The expected value; a body duration that is absent or unreadable is `missing`.
    func resolveExpected(_ response: ProbeResponse) -> Value {
        switch expected {
        case .literal(let value): return value
        case .bodyDuration(let path, let factor, let plusMs):
            guard case .string(let text)? = response.json?.value(at: path), let ms = DurationText.milliseconds(text) else { return .missing }
            return .duration(ms * factor + plusMs)
        }
    }

    func resolve(_ response: ProbeResponse) -> Value {
        switch subject {
        case "status": return .number(Double(response.status))
        case "elapsed": return .duration(response.elapsedMs)
        case "cert.expiresIn":
            guard let expiry = response.tlsExpiresAt else { return .missing }
            return .duration(expiry.timeIntervalSince(response.receivedAt) * 1000)
        default: break
        }
        if subject.hasPrefix("header.") {
            let name = String(subject.dropFirst(7)).lowercased()
            return response.headers[name].map(Value.text) ?? .missing
        }
        if subject.hasPrefix("age.") {
            guard case .string(let text)? = response.json?.value(at: String(subject.dropFirst(4))),
                let instant = Timestamp.parse(text)
            else { return .missing }
            return .duration(response.receivedAt.timeIntervalSince(instant) * 1000)
        }
        var path = String(subject.dropFirst(5))
        let wantsLength = path.hasSuffix(".len")
        if wantsLength { path = String(path.dropLast(4)) }
        guard let body = response.json, let value = body.value(at: path) else { return .missing }
        if wantsLength {
            switch value {
            case .array(let items): return .number(Double(items.count))
            case .object(let fields): return .number(Double(fields.count))
            case .string(let text): return .number(Double(text.count))
            default: return .missing
            }
        }
        switch value {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let n): return .number(Double(n))
        case .double(let n): return .number(n)
        case .string(let s): return .text(s)
        case .array, .object: return .text(String(decoding: value.data, as: UTF8.self))
        }
    }

    func compare(_ actual: Value, _ expected: Value) -> Bool {
        if let left = actual.magnitude, let right = expected.magnitude { return Comparison.holds(left, op.rawValue, right) }
        switch op {
        case .equal: return actual == expected
        case .notEqual: return actual != expected && actual != .missing
        default: return false
        }
    }
}

/// Durations as platforms write them: ISO 8601 (`PT15M`, `PT1H30M`, `P1D`, `P7D`) or short (`15m`, `1h`, `1d`).
enum DurationText {
    /// Milliseconds, or `nil` when `text` is not a duration.
    static func milliseconds(_ text: String) -> Double? {
        if case .duration(let ms)? = try? Condition.literal(text) { return ms }  // not a literal: not a duration
        guard text.hasPrefix("P"), text.count > 1 else { return nil }
        var total = 0.0
        var number = ""
        var inTime = false
        for character in text.dropFirst() {
            if character == "T" {
                inTime = true
                continue
            }
            if character.isNumber || character == "." {
                number.append(character)
                continue
            }
            guard let amount = Double(number) else { return nil }
            let unit: Double? =
                switch (character, inTime) {
                case ("W", false): 604_800_000
                case ("D", false): 86_400_000
                case ("H", true): 3_600_000
                case ("M", true): 60_000
                case ("S", true): 1000
                default: nil
                }
            guard let unit else { return nil }
            total += amount * unit
            number = ""
        }
        return number.isEmpty && total > 0 ? total : nil
    }
}

/// A condition that cannot be parsed.
public struct ConditionError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// What a condition can look at.
public struct ProbeResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]
    public var json: JSONValue?
    public var elapsedMs: Double
    public var receivedAt: Date
    public var tlsExpiresAt: Date?

    public init(
        status: Int, headers: [String: String], body: [UInt8], elapsedMs: Double, receivedAt: Date,
        tlsExpiresAt: Date? = nil
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.elapsedMs = elapsedMs
        self.receivedAt = receivedAt
        self.tlsExpiresAt = tlsExpiresAt
        json = try? JSONDecoder().decode(JSONValue.self, from: Data(body))  // nil: the answer is not JSON, as conditions say
    }
}

/// Timestamps as platforms write them: ISO 8601 with or without fractional seconds, or a civil date (CST).
public enum Timestamp {
    /// The instant of `text`, or `nil`.
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }  // each form tried in turn; none: nil
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        if let date = try? Date(text, strategy: fractional) { return date }  // each form tried in turn; none: nil
        return CivilDate(text)?.start()
    }
}
