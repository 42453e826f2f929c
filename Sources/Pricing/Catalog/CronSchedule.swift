/// One of the five fields of a cron expression, named as error messages name it.
public enum CronField: String, Hashable, Sendable, CaseIterable {
    /// Field 1: minute of the hour, 0-59.
    case minute
    /// Field 2: hour of the day, 0-23.
    case hour
    /// Field 3: day of the month, 1-31.
    case dayOfMonth = "day-of-month"
    /// Field 4: month, 1-12 or `jan`-`dec`.
    case month
    /// Field 5: day of the week, 0-7 (0 and 7 are Sunday) or `sun`-`sat`.
    case dayOfWeek = "day-of-week"

    /// The smallest value the field accepts.
    var minimum: Int {
        switch self {
        case .minute, .hour, .dayOfWeek: return 0
        case .dayOfMonth, .month: return 1
        }
    }

    /// The largest value the field accepts (day-of-week: 7, another name for Sunday).
    var maximum: Int {
        switch self {
        case .minute: return 59
        case .hour: return 23
        case .dayOfMonth: return 31
        case .month: return 12
        case .dayOfWeek: return 7
        }
    }

    /// The largest step that still names something: one more than the span of distinct
    /// values (day-of-week has 7 distinct days although it accepts 0 through 7).
    var stepMaximum: Int {
        self == .dayOfWeek ? 7 : maximum - minimum + 1
    }

    /// Names accepted in place of numbers, lowercase, with their values.
    var names: [String: Int] {
        switch self {
        case .month:
            return [
                "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
            ]
        case .dayOfWeek:
            return ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6]
        case .minute, .hour, .dayOfMonth:
            return [:]
        }
    }

    /// What a value of this field looks like, for error messages.
    var expectation: String {
        let range = "\(minimum)-\(maximum)"
        switch self {
        case .month: return range + " or jan-dec"
        case .dayOfWeek: return range + " (0 and 7 are Sunday) or sun-sat"
        case .minute, .hour, .dayOfMonth: return range
        }
    }
}

/// Why a cron expression was rejected; each case names the field at fault where there is one.
public enum CronParseError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The expression is longer than `CronSchedule.textBytesMax` UTF-8 bytes.
    case tooLong(byteCount: Int)
    /// `@reboot` fires when a machine starts, which no billing period can count.
    case rebootMacro
    /// An `@` word that is not one of the supported macros.
    case unknownMacro(String)
    /// The expression does not have exactly five whitespace-separated fields.
    case wrongFieldCount(Int)
    /// A comma list with an empty item (`1,,2`, a trailing comma).
    case emptyListItem(CronField)
    /// A token that is neither a number nor a name this field accepts (empty when missing).
    case invalidValue(CronField, String)
    /// A number outside the field's range.
    case outOfRange(CronField, Int)
    /// A range whose start is after its end (`10-5`); cron ranges do not wrap.
    case reversedRange(CronField, start: Int, end: Int)
    /// A step that is missing, not a number, zero, too large, or repeated (`1/2/3`).
    case invalidStep(CronField, String)

    /// One sentence naming the field and what is wrong.
    public var description: String {
        switch self {
        case .tooLong(let byteCount):
            return "cron expression is \(byteCount) bytes; the limit is "
                + "\(CronSchedule.textBytesMax)"
        case .rebootMacro:
            return "@reboot is not supported: a billing schedule has no machine start; "
                + "use five fields or one of " + CronSchedule.macroList
        case .unknownMacro(let text):
            return "unknown cron macro \"\(text)\"; expected one of " + CronSchedule.macroList
        case .wrongFieldCount(let count):
            return "cron expression has \(count) field\(count == 1 ? "" : "s"); expected 5: "
                + "minute hour day-of-month month day-of-week"
        case .emptyListItem(let field):
            return "\(field.rawValue): empty list item (a stray comma?)"
        case .invalidValue(let field, let token):
            let shown = token.isEmpty ? "a value is missing" : "\"\(token)\" is not a value"
            return "\(field.rawValue): \(shown); expected \(field.expectation)"
        case .outOfRange(let field, let value):
            return "\(field.rawValue): \(value) is outside \(field.minimum)-\(field.maximum)"
        case .reversedRange(let field, let start, let end):
            return "\(field.rawValue): range \(start)-\(end) runs backwards; ranges do not wrap, "
                + "write two ranges"
        case .invalidStep(let field, let token):
            return "\(field.rawValue): step \"\(token)\" must be a whole number from 1 to "
                + "\(field.stepMaximum)"
        }
    }
}

/// A standard 5-field cron expression: minute hour day-of-month month day-of-week.
///
/// Accepts lists (`1,15`), ranges (`1-5`), steps (`*/15`, `1-10/2`, `5/10` meaning 5 to the
/// field's maximum every 10), month and day names (`jan`-`dec`, `sun`-`sat`, any case), `7` for
/// Sunday (`sun` ending a range, as in `fri-sun`, is 7 too), and the macros (any case)
/// `@yearly @annually @monthly @weekly @daily @midnight @hourly`; `@reboot` is rejected.
///
/// Day-of-month and day-of-week follow the classic cron rule: when both fields are restricted
/// a day fires if either matches; a field that starts with `*` (`*`, `*/2`) is unrestricted for
/// this rule, and then a day must match both.
public struct CronSchedule: Hashable, Sendable {
    /// The expression as written in the catalog.
    public let text: String

    /// Bit `n` set when minute `n` fires.
    let minuteMask: UInt64
    /// Bit `n` set when hour `n` fires.
    let hourMask: UInt64
    /// Bit `n` set when day of month `n` (1-31) matches.
    let dayOfMonthMask: UInt64
    /// Bit `n` set when month `n` (1-12) matches.
    let monthMask: UInt64
    /// Bit `n` set when weekday `n` (0 Sunday … 6 Saturday) matches.
    let dayOfWeekMask: UInt64
    /// The day-of-month field starts with `*` (see the OR rule above).
    let dayOfMonthIsStar: Bool
    /// The day-of-week field starts with `*`.
    let dayOfWeekIsStar: Bool

    /// The longest expression accepted, in UTF-8 bytes; real ones are under 100.
    public static let textBytesMax = 256

    /// The macros and the five fields each stands for.
    static let macros: [(name: String, fields: String)] = [
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@hourly", "0 * * * *"),
    ]

    static var macroList: String { macros.map(\.name).joined(separator: " ") }

    /// Parses `text`, throwing a `CronParseError` that names the field at fault.
    public init(parsing text: String) throws {
        let byteCount = text.utf8.count
        guard byteCount <= CronSchedule.textBytesMax else {
            throw CronParseError.tooLong(byteCount: byteCount)
        }
        var tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if let first = tokens.first, first.hasPrefix("@") {
            let word = tokens.joined(separator: " ")
            let lowered = word.lowercased()
            if lowered == "@reboot" { throw CronParseError.rebootMacro }
            guard let macro = CronSchedule.macros.first(where: { $0.name == lowered }) else {
                throw CronParseError.unknownMacro(word)
            }
            tokens = macro.fields.split(separator: " ")
        }
        guard tokens.count == 5 else { throw CronParseError.wrongFieldCount(tokens.count) }
        self.text = text
        self.minuteMask = try CronSchedule.parseField(tokens[0], .minute)
        self.hourMask = try CronSchedule.parseField(tokens[1], .hour)
        self.dayOfMonthMask = try CronSchedule.parseField(tokens[2], .dayOfMonth)
        self.monthMask = try CronSchedule.parseField(tokens[3], .month)
        self.dayOfWeekMask = try CronSchedule.parseField(tokens[4], .dayOfWeek)
        self.dayOfMonthIsStar = tokens[2].hasPrefix("*")
        self.dayOfWeekIsStar = tokens[4].hasPrefix("*")
    }

    /// Whether the expression fires at some time on the local date `date`.
    public func firesOn(_ date: CivilDate) -> Bool {
        guard monthMask & (1 << UInt64(date.month)) != 0 else { return false }
        let dayOfMonthMatches = dayOfMonthMask & (1 << UInt64(date.day)) != 0
        // ISO weekday 7 (Sunday) is cron's 0.
        let dayOfWeekMatches = dayOfWeekMask & (1 << UInt64(date.isoWeekday % 7)) != 0
        if dayOfMonthIsStar || dayOfWeekIsStar {
            return dayOfMonthMatches && dayOfWeekMatches
        }
        return dayOfMonthMatches || dayOfWeekMatches
    }

    /// The local wall-clock times the expression names on `date`, as seconds since local
    /// midnight, ascending; empty when the date does not match. Says nothing about time zones:
    /// a caller resolves each time (some may be skipped or repeated by DST).
    ///
    /// Complexity: O(24 × 60).
    public func firingSecondsOfDay(on date: CivilDate) -> [Int] {
        guard firesOn(date) else { return [] }
        var seconds: [Int] = []
        for hour in 0...23 where hourMask & (1 << UInt64(hour)) != 0 {
            for minute in 0...59 where minuteMask & (1 << UInt64(minute)) != 0 {
                seconds.append(hour * 3600 + minute * 60)
            }
        }
        return seconds
    }

    /// The set of values one field names, as a bit mask (day-of-week 7 folded onto 0).
    private static func parseField(_ text: Substring, _ field: CronField) throws -> UInt64 {
        var mask: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw CronParseError.emptyListItem(field) }
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else {
                throw CronParseError.invalidStep(field, String(item.drop(while: { $0 != "/" })
                    .dropFirst()))
            }
            var step = 1
            if parts.count == 2 {
                guard parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
                      let value = Int(parts[1]), (1...field.stepMaximum).contains(value)
                else { throw CronParseError.invalidStep(field, String(parts[1])) }
                step = value
            }
            let rangeText = parts[0]
            let first: Int
            let last: Int
            if rangeText == "*" {
                first = field.minimum
                last = field.maximum
            } else if let dashIndex = rangeText.firstIndex(of: "-") {
                first = try parseValue(rangeText[..<dashIndex], field)
                let endToken = rangeText[rangeText.index(after: dashIndex)...]
                // `fri-sun` reads as Friday through Sunday: `sun` ending a range is 7, not 0
                // (but `sun-sun` stays Sunday alone).
                let endsOnSunday = field == .dayOfWeek && first > 0
                    && endToken.lowercased() == "sun"
                last = endsOnSunday ? 7 : try parseValue(endToken, field)
                guard first <= last else {
                    throw CronParseError.reversedRange(field, start: first, end: last)
                }
            } else {
                first = try parseValue(rangeText, field)
                // `5/10` means from 5 to the field's maximum, every 10.
                last = parts.count == 2 ? field.maximum : first
            }
            for value in stride(from: first, through: last, by: step) {
                let folded = field == .dayOfWeek && value == 7 ? 0 : value
                mask |= 1 << UInt64(folded)
            }
        }
        return mask
    }

    /// One number or name of `field`, checked against the field's range.
    private static func parseValue(_ token: Substring, _ field: CronField) throws -> Int {
        if let named = field.names[token.lowercased()] { return named }
        guard !token.isEmpty, token.allSatisfy({ $0.isASCII && $0.isNumber }),
              let value = Int(token)
        else { throw CronParseError.invalidValue(field, String(token)) }
        guard (field.minimum...field.maximum).contains(value) else {
            throw CronParseError.outOfRange(field, value)
        }
        return value
    }
}
