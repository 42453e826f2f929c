import Pricing

/// A strict RFC 8259 scanner over one line's bytes (already known to be valid UTF-8).
///
/// It validates the whole document, refuses repeated keys in any object, and hands the
/// top-level object's event fields to `TopLevelFields`.
struct JSONScanner {
    enum Failure: Error {
        case malformed(offset: Int, String)
        case unpairedSurrogate(offset: Int)
    }

    let bytes: UnsafeRawBufferPointer
    var index = 0
    /// The keys of the objects being scanned, innermost last.
    var keyStack: [KeySpan] = []

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    mutating func document(into fields: inout TopLevelFields) throws {
        skipWhitespace()
        if peek() == UInt8(ascii: "{") {
            fields.isObject = true
            try object(depth: 1, top: &fields)
        } else {
            try value(depth: 1)
        }
        skipWhitespace()
        if index != bytes.count { throw malformed("unexpected text after the JSON value") }
    }

    func malformed(_ why: String) -> Failure { .malformed(offset: index, why) }

    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { return }
            index += 1
        }
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws {
        guard peek() == byte else { throw malformed("expected \(what)") }
        index += 1
    }

    /// Any JSON value, validated and skipped.
    mutating func value(depth: Int) throws {
        guard depth <= EventLineParser.depthMax else {
            throw malformed("nested deeper than \(EventLineParser.depthMax) levels")
        }
        guard let byte = peek() else { throw malformed("unexpected end of line") }
        switch byte {
        case UInt8(ascii: "{"):
            var ignored = TopLevelFields()
            try object(depth: depth, top: &ignored, capture: false)
        case UInt8(ascii: "["):
            index += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                try value(depth: depth + 1)
                skipWhitespace()
                if peek() == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                try expect(UInt8(ascii: "]"), "',' or ']'")
                return
            }
        case UInt8(ascii: "\""):
            _ = try string(decode: false)
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default:
            _ = try number()
        }
    }

    mutating func literal(_ word: StaticString) throws {
        let length = word.utf8CodeUnitCount
        guard index + length <= bytes.count else { throw malformed("invalid literal") }
        let matches = word.withUTF8Buffer { expected in
            (0..<length).allSatisfy { bytes[index + $0] == expected[$0] }
        }
        guard matches else { throw malformed("invalid literal") }
        index += length
    }

    /// A JSON number; returns its bytes.
    mutating func number() throws -> [UInt8] {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), first >= 0x30, first <= 0x39 else {
            throw malformed("invalid value")
        }
        if first == 0x30 {
            index += 1
        } else {
            digits()
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw malformed("a digit must follow the decimal point") }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw malformed("an exponent needs digits") }
        }
        return Array(bytes[start..<index])
    }

    @discardableResult
    mutating func digits() -> Int {
        let start = index
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
        return index - start
    }

    /// A string; with `decode`, its unescaped text. Surrogate escapes must pair.
    mutating func string(decode: Bool) throws -> String? {
        try expect(UInt8(ascii: "\""), "a string")
        let start = index
        var escaped = false
        while true {
            guard index < bytes.count else { throw malformed("unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 { throw malformed("control character in a string") }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                index += 1
                guard let next = peek() else { throw malformed("unterminated escape") }
                switch next {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                    UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 1
                case UInt8(ascii: "u"):
                    let escapeStart = index - 1
                    index += 1
                    let unit = try hex4()
                    if unit >= 0xD800 && unit <= 0xDBFF {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { throw Failure.unpairedSurrogate(offset: escapeStart) }
                        index += 2
                        let low = try hex4()
                        guard low >= 0xDC00 && low <= 0xDFFF else {
                            throw Failure.unpairedSurrogate(offset: escapeStart)
                        }
                    } else if unit >= 0xDC00 && unit <= 0xDFFF {
                        throw Failure.unpairedSurrogate(offset: escapeStart)
                    }
                default:
                    throw malformed("invalid escape")
                }
                continue
            }
            index += 1
        }
        let end = index
        index += 1
        guard decode else { return nil }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        if !escaped { return String(decoding: raw, as: UTF8.self) }
        return JSONScanner.unescape(raw)
    }

    mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw malformed("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw malformed("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    /// Decodes escapes of a string already validated by `string(decode:)`.
    static func unescape(_ raw: UnsafeRawBufferPointer) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(raw.count)
        var index = 0
        func hex(_ at: Int) -> UInt32 {
            var value: UInt32 = 0
            for offset in 0..<4 {
                let byte = raw[at + offset]
                let digit: UInt32 =
                    byte <= 0x39
                    ? UInt32(byte - 0x30)
                    : (byte <= 0x46 ? UInt32(byte - 0x41 + 10) : UInt32(byte - 0x61 + 10))
                value = value << 4 | digit
            }
            return value
        }
        while index < raw.count {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\") else {
                output.append(byte)
                index += 1
                continue
            }
            let next = raw[index + 1]
            index += 2
            switch next {
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex(index)
                index += 4
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    let low = hex(index + 2)
                    index += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                if let unicode = Unicode.Scalar(scalar) {
                    output.append(contentsOf: Array(String(Character(unicode)).utf8))
                }
            default: output.append(next)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// An object. With `capture`, its event fields (top level) or string values (dims) are kept.
    mutating func object(depth: Int, top: inout TopLevelFields, capture: Bool = true) throws {
        guard depth <= EventLineParser.depthMax else {
            throw malformed("nested deeper than \(EventLineParser.depthMax) levels")
        }
        try expect(UInt8(ascii: "{"), "'{'")
        // This object's keys sit on the shared stack from `base`; past `keysScannedMax` keys a
        // hash set takes over, so a line of many keys stays linear.
        let base = keyStack.count
        defer { keyStack.removeSubrange(base...) }
        var manyKeys: Set<[UInt8]>?
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            let keyOffset = index
            guard peek() == UInt8(ascii: "\"") else { throw malformed("expected a key") }
            let span = try keySpan()
            // Repeated keys are refused at every level.
            var repeated = false
            if manyKeys != nil {
                repeated = !manyKeys!.insert(keyBytes(span)).inserted
            } else {
                repeated = keyStack[base...].contains { sameKey($0, span) }
                keyStack.append(span)
                if keyStack.count - base > JSONScanner.keysScannedMax {
                    manyKeys = Set(keyStack[base...].map { keyBytes($0) })
                }
            }
            if repeated {
                let name = String(decoding: keyBytes(span), as: UTF8.self)
                throw Failure.malformed(offset: keyOffset, "repeated key \"\(name)\"")
            }
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            if capture, let key = capturedName(span) {
                top.set(key, try capturedValue(key: key, depth: depth))
            } else {
                try value(depth: depth + 1)
            }
            skipWhitespace()
            if peek() == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "}"), "',' or '}'")
            return
        }
    }

    /// Keys compared one by one before a set takes over.
    static let keysScannedMax = 32

    /// Where a key's text sits in the line, and whether it holds escapes.
    struct KeySpan {
        let start: Int
        let end: Int
        let escaped: Bool
    }

    /// Scans a key string (validated) without making a String of it.
    mutating func keySpan() throws -> KeySpan {
        let start = index + 1
        _ = try string(decode: false)
        let end = index - 1
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        return KeySpan(start: start, end: end, escaped: raw.contains(UInt8(ascii: "\\")))
    }

    /// A key's unescaped bytes.
    func keyBytes(_ span: KeySpan) -> [UInt8] {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[span.start..<span.end])
        return span.escaped ? Array(JSONScanner.unescape(raw).utf8) : Array(raw)
    }

    func sameKey(_ left: KeySpan, _ right: KeySpan) -> Bool {
        if !left.escaped && !right.escaped {
            return left.end - left.start == right.end - right.start
                && bytes[left.start..<left.end].elementsEqual(bytes[right.start..<right.end])
        }
        return keyBytes(left) == keyBytes(right)
    }

    /// `amount` is kept for `carries_amount` meters (SPEC §13.1), read like `quantity`.
    static let capturedNames = ["id", "customer", "meter", "ts", "quantity", "dims", "amount"]
    static let capturedBytes = capturedNames.map { Array($0.utf8) }

    /// The event field a top-level key names, if it is one of the seven.
    func capturedName(_ span: KeySpan) -> String? {
        if span.escaped {
            let decoded = keyBytes(span)
            return JSONScanner.capturedBytes.firstIndex(of: decoded).map {
                JSONScanner.capturedNames[$0]
            }
        }
        let raw = bytes[span.start..<span.end]
        for (position, name) in JSONScanner.capturedBytes.enumerated()
        where name.count == raw.count && raw.elementsEqual(name) {
            return JSONScanner.capturedNames[position]
        }
        return nil
    }

    /// A top-level event field's value, keeping what the event needs.
    mutating func capturedValue(key: String, depth: Int) throws -> TopLevelFields.Value {
        guard let byte = peek() else { throw malformed("unexpected end of line") }
        switch byte {
        case UInt8(ascii: "\"") where key == "ts" || key == "quantity" || key == "amount":
            // Read as bytes: no String is made for text that is parsed as a number or time.
            let start = index + 1
            _ = try string(decode: false)
            let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<(index - 1)])
            if raw.contains(UInt8(ascii: "\\")) { return .string(JSONScanner.unescape(raw)) }
            return .bytes(Array(raw))
        case UInt8(ascii: "\""):
            return .string(try string(decode: true) ?? "")
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "{") where key == "dims":
            return try dims(depth: depth + 1)
        case UInt8(ascii: "-"), 0x30...0x39:
            return .number(try number())
        default:
            let name =
                byte == UInt8(ascii: "{")
                ? "object"
                : byte == UInt8(ascii: "[") ? "array" : "boolean"
            try value(depth: depth + 1)
            return .other(name)
        }
    }

    /// `dims`: an object whose values must all be strings; sorted by key.
    mutating func dims(depth: Int) throws -> TopLevelFields.Value {
        try expect(UInt8(ascii: "{"), "'{'")
        var entries: [Dimension] = []
        // Every key, including those whose value is not a string: a repeat is malformed JSON,
        // which §11 checks before the value types.
        var keys = Set<String>()
        var problem: String?
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return .dims([])
        }
        while true {
            skipWhitespace()
            let keyOffset = index
            guard let key = try string(decode: true) else { throw malformed("expected a key") }
            guard keys.insert(key).inserted else {
                throw Failure.malformed(offset: keyOffset, "repeated key \"\(key)\"")
            }
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            if peek() == UInt8(ascii: "\"") {
                entries.append(Dimension(key: key, value: try string(decode: true) ?? ""))
            } else {
                try value(depth: depth + 1)
                if problem == nil { problem = "dims.\(key) must be a string" }
            }
            skipWhitespace()
            if peek() == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "}"), "',' or '}'")
            break
        }
        if let problem { return .badDims(problem) }
        entries.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        return .dims(entries)
    }
}
