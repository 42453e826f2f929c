/// Parses RFC 3339 timestamps (`2026-10-03T14:22:05.123+05:30`) into exact instants.
public enum RFC3339 {
    /// Parses the bytes of a timestamp, or returns nil when it is not valid RFC 3339 under
    /// Ratebook's rules: `T`/`t` and `Z`/`z` accepted, 0–9 fractional digits, second 60
    /// refused, offsets up to ±23:59, years 0001–9999.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Instant? {
        let count = bytes.count
        guard count >= 20 else { return nil }
        @inline(__always) func digit(_ index: Int) -> Int? {
            let byte = bytes[index]
            return byte >= 0x30 && byte <= 0x39 ? Int(byte - 0x30) : nil
        }
        @inline(__always) func number(_ index: Int, _ width: Int) -> Int? {
            var value = 0
            for offset in 0..<width {
                guard let next = digit(index + offset) else { return nil }
                value = value * 10 + next
            }
            return value
        }
        guard let year = number(0, 4), bytes[4] == UInt8(ascii: "-"),
              let month = number(5, 2), bytes[7] == UInt8(ascii: "-"),
              let day = number(8, 2),
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
              let hour = number(11, 2), bytes[13] == UInt8(ascii: ":"),
              let minute = number(14, 2), bytes[16] == UInt8(ascii: ":"),
              let second = number(17, 2)
        else { return nil }
        guard let date = CivilDate(year: year, month: month, day: day),
              hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var index = 19
        var nanoseconds = 0
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < count, let next = digit(index) {
                guard digits < 9 else { return nil }
                nanoseconds = nanoseconds * 10 + next
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<9 { nanoseconds *= 10 }
        }
        guard index < count else { return nil }
        var offsetSeconds = 0
        let marker = bytes[index]
        if marker == UInt8(ascii: "Z") || marker == UInt8(ascii: "z") {
            index += 1
        } else if marker == UInt8(ascii: "+") || marker == UInt8(ascii: "-") {
            guard index + 6 == count, let offsetHour = number(index + 1, 2),
                  bytes[index + 3] == UInt8(ascii: ":"), let offsetMinute = number(index + 4, 2),
                  offsetHour <= 23, offsetMinute <= 59
            else { return nil }
            offsetSeconds = (offsetHour * 60 + offsetMinute) * 60
            if marker == UInt8(ascii: "-") { offsetSeconds = -offsetSeconds }
            index += 6
        } else {
            return nil
        }
        guard index == count else { return nil }
        let wall = Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return Instant(
            secondsSinceEpoch: wall - Int64(offsetSeconds), nanoseconds: Int32(nanoseconds))
    }

    /// Parses a timestamp given as a string.
    public static func parse(_ text: String) -> Instant? {
        var copy = text
        return copy.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }
}
