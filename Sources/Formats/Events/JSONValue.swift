/// A parsed JSON value that keeps numbers as their text, so no number ever passes through a
/// binary floating point. For Ratebook's own files and grants; events use `EventLineParser`.
public enum JSONValue: Equatable, Sendable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    public static func == (left: JSONValue, right: JSONValue) -> Bool {
        switch (left, right) {
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.array(let a), .array(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }

    /// The member `key` of an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// Parses one JSON document (strict RFC 8259; repeated keys refused).
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws -> JSONValue {
        var parser = JSONValueParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else {
            throw parser.failure("unexpected text after the value")
        }
        return value
    }

    /// Parses JSON text.
    public static func parse(_ text: String) throws -> JSONValue {
        var copy = text
        return try copy.withUTF8 { try parse(UnsafeRawBufferPointer($0)) }
    }
}

/// Why a JSON document was refused.
public struct JSONParseError: Error, CustomStringConvertible {
    public let offset: Int
    public let message: String
    public var description: String { "\(message) at byte \(offset + 1)" }
}

struct JSONValueParser {
    /// Up to this many members an object's keys are checked for repeats by a scan; past it,
    /// by a set.
    static let scannedMembersMax = 16

    let bytes: UnsafeRawBufferPointer
    var index = 0

    func failure(_ message: String) -> JSONParseError {
        JSONParseError(offset: index, message: message)
    }

    mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func value(depth: Int) throws -> JSONValue {
        guard depth < EventLineParser.depthMax else { throw failure("nested too deeply") }
        guard index < bytes.count else { throw failure("unexpected end") }
        // Reuse the event scanner's validated primitives for strings and numbers.
        var scanner = JSONScanner(bytes)
        scanner.index = index
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [(String, JSONValue)] = []
            // Repeated keys: a scan while the object is small, a set once it is large (a
            // manifest lists every output: 200,000 keys at 100,000 customers, where the scan
            // alone took minutes).
            var keys: Set<String> = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object([])
            }
            while true {
                skipWhitespace()
                let key = try string()
                let repeated: Bool
                if members.count < JSONValueParser.scannedMembersMax {
                    repeated = members.contains(where: { $0.0 == key })
                } else {
                    if keys.isEmpty { keys = Set(members.map(\.0)) }
                    repeated = !keys.insert(key).inserted
                }
                if repeated {
                    throw failure("repeated key \"\(key)\"")
                }
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                members.append((key, try value(depth: depth + 1)))
                skipWhitespace()
                if index < bytes.count, bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                try expect(UInt8(ascii: "}"))
                return .object(members)
            }
        case UInt8(ascii: "["):
            index += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array([])
            }
            while true {
                skipWhitespace()
                items.append(try value(depth: depth + 1))
                skipWhitespace()
                if index < bytes.count, bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                try expect(UInt8(ascii: "]"))
                return .array(items)
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            let word =
                bytes[index] == UInt8(ascii: "t")
                ? "true" : bytes[index] == UInt8(ascii: "f") ? "false" : "null"
            do {
                try scanner.literal(word == "true" ? "true" : word == "false" ? "false" : "null")
            } catch {
                throw failure("invalid literal")
            }
            index = scanner.index
            return word == "null" ? .null : .bool(word == "true")
        default:
            do {
                let number = try scanner.number()
                index = scanner.index
                return .number(String(decoding: number, as: UTF8.self))
            } catch {
                throw failure("invalid value")
            }
        }
    }

    mutating func string() throws -> String {
        let (text, end) = try JSONScanner.decodedString(bytes, at: index)
        index = end
        return text
    }

    mutating func expect(_ byte: UInt8) throws {
        guard index < bytes.count, bytes[index] == byte else {
            throw failure("expected '\(Character(Unicode.Scalar(byte)))'")
        }
        index += 1
    }
}

extension JSONScanner {
    /// The string starting at `index` (its opening quote), decoded, and the index after its
    /// closing quote: the one string reading of both small JSON parsers (`JSONValueParser`,
    /// `JSONNodeParser`), with the scanner's failures as `JSONParseError`s at their offsets.
    static func decodedString(
        _ bytes: UnsafeRawBufferPointer, at index: Int
    ) throws(JSONParseError) -> (text: String, end: Int) {
        var scanner = JSONScanner(bytes)
        scanner.index = index
        do {
            let text = try scanner.string(decode: true) ?? ""
            return (text, scanner.index)
        } catch Failure.unpairedSurrogate(let offset) {
            throw JSONParseError(offset: offset, message: "unpaired surrogate escape")
        } catch Failure.malformed(let offset, let why) {
            throw JSONParseError(offset: offset, message: why)
        } catch {
            throw JSONParseError(offset: index, message: "invalid string")
        }
    }
}
