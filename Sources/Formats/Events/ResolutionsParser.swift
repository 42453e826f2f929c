import Pricing

/// Reads `rate --resolutions FILE` (SPEC §13.4, docs/formats/resolutions.md): one JSON object
/// per line deciding one event key. Every problem of every line is listed at once, each as a
/// `ConfigError` naming the file, the line and the field, so the operator fixes the file in
/// one pass; a file with any problem is refused whole (exit 2).
///
/// This checks the file on its own; a replacement event's meter, quantity, customer and plan
/// are checked against the catalog and customers by `ResolutionTable` (Ingest).
public struct ResolutionsParser {
    /// The file's name as messages show it.
    public let file: String

    /// A parser whose messages name `file`.
    public init(file: String) {
        self.file = file
    }

    /// Keys every line may hold.
    static let commonKeys: Set<String> = ["customer", "id", "action", "reason"]
    /// Keys each action adds.
    static let actionKeys: [String: Set<String>] = [
        "keep": ["file", "line", "member"], "drop": [], "replace": ["event"],
    ]

    /// The resolutions of `bytes` in file order, and every problem found. Blank lines (only
    /// ASCII whitespace) are skipped, as in event files.
    public func parse(_ bytes: [UInt8]) -> (resolutions: [Resolution], errors: [ConfigError]) {
        var resolutions: [Resolution] = []
        var errors: [ConfigError] = []
        /// Key → the line that first resolved it, to name it in a repeat's message.
        var seen: [ResolutionKey: Int] = [:]
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            lineNumber += 1
            var stop = end
            if stop > start, bytes[stop - 1] == 0x0D { stop -= 1 }
            let line = Array(bytes[start..<stop])
            start = end + 1
            let (resolution, problems) = parseLine(line, number: lineNumber)
            errors += problems
            guard let resolution else { continue }
            let key = ResolutionKey(customer: resolution.customer, id: resolution.id)
            if let first = seen[key] {
                errors.append(
                    error(
                        lineNumber, "",
                        "customer \(quoted(key.customer)) id \(quoted(key.id)) is already "
                            + "resolved at line \(first); one line per key"))
                continue
            }
            seen[key] = lineNumber
            if problems.isEmpty { resolutions.append(resolution) }
        }
        return (resolutions, errors)
    }

    private func error(_ line: Int, _ path: String, _ message: String) -> ConfigError {
        ConfigError(file: file, line: line, column: nil, path: path, message: message)
    }

    /// One line's resolution (nil when its key cannot be read or the line is blank) and its
    /// problems. A line with problems but a readable key still returns the resolution, so a
    /// repeated key is reported too; the caller keeps it only when there are no problems.
    func parseLine(_ line: [UInt8], number: Int) -> (Resolution?, [ConfigError]) {
        if line.allSatisfy({ $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }) { return (nil, []) }
        if let offset = line.withUnsafeBytes({ EventLineParser().firstInvalidUTF8($0) }) {
            return (nil, [self.error(number, "", "invalid UTF-8 at byte \(offset + 1)")])
        }
        let root: JSONValue
        do {
            root = try line.withUnsafeBytes { try JSONValue.parse($0) }
        } catch {
            return (nil, [self.error(number, "", "not JSON (\(error))")])
        }
        guard case .object(let members) = root else {
            return (nil, [self.error(number, "", "not a JSON object")])
        }
        var errors: [ConfigError] = []
        func fail(_ path: String, _ message: String) {
            errors.append(self.error(number, path, message))
        }
        func text(_ key: String, required: Bool) -> String? {
            switch root[key] {
            case nil:
                if required { fail(key, "missing") }
                return nil
            case .string(let value)?:
                return value
            default:
                fail(key, "must be a string")
                return nil
            }
        }
        let customer = text("customer", required: true)
        let id = text("id", required: true)
        for (key, value) in [("customer", customer), ("id", id)] {
            if let value, value.utf8.isEmpty || value.utf8.count > EventLineParser.keyBytesMax {
                fail(key, "must be 1 to \(EventLineParser.keyBytesMax) bytes")
            }
        }
        let reason = text("reason", required: false)
        let actionName = text("action", required: true)
        var allowed = ResolutionsParser.commonKeys
        var actionKnown = false
        if let actionName {
            if let extra = ResolutionsParser.actionKeys[actionName] {
                allowed.formUnion(extra)
                actionKnown = true
            } else {
                fail("action", "\(quoted(actionName)) is not keep, drop or replace")
            }
        }
        for (key, _) in members where !allowed.contains(key) {
            // Each action's own keys belong to it alone, so the owner is unique.
            if let owner = ResolutionsParser.actionKeys.first(where: { $0.value.contains(key) }) {
                if actionKnown { fail(key, "belongs to action \(owner.key), not \(actionName!)") }
            } else {
                fail(key, "unknown key")
            }
        }
        var action: Resolution.Action?
        switch actionName {
        case "keep":
            let location = text("file", required: true)
            let member = text("member", required: false)
            if let location, location.isEmpty { fail("file", "must not be empty") }
            var lineValue: Int64?
            switch root["line"] {
            case nil:
                fail("line", "missing")
            case .number(let digits)?:
                if let value = Int64(digits), value >= 1, String(value) == digits {
                    lineValue = value
                } else {
                    fail("line", "must be a whole number from 1, got \(digits)")
                }
            default:
                fail("line", "must be a whole number from 1")
            }
            if let location, let lineValue {
                action = .keep(file: location, member: member, line: lineValue)
            }
        case "drop":
            action = .drop
        case "replace":
            switch root["event"] {
            case nil:
                fail("event", "missing")
            case .object?:
                if let event = replacement(root["event"]!, fail: fail) {
                    if let customer, event.customer != customer {
                        fail(
                            "event.customer",
                            "\(quoted(event.customer)) is not the key's customer "
                                + quoted(customer))
                    }
                    if let id, event.id != id {
                        fail("event.id", "\(quoted(event.id)) is not the key's id \(quoted(id))")
                    }
                    action = .replace(event)
                }
            default:
                fail("event", "must be an object (an event as in an input line)")
            }
        default:
            break
        }
        guard let customer, let id, let action else { return (nil, errors) }
        return (
            Resolution(customer: customer, id: id, action: action, reason: reason, line: number),
            errors
        )
    }

    /// The replacement event, read by the input lines' own parser (every check of SPEC §11
    /// up to the catalog's), or nil with its problem reported.
    func replacement(_ value: JSONValue, fail: (String, String) -> Void) -> UsageEvent? {
        var writer = JSONWriter()
        ResolutionsParser.write(value, into: &writer)
        let outcome = writer.bytes.withUnsafeBytes { EventLineParser().parse($0) }
        switch outcome {
        case .event(let event):
            return event
        case .rejected(let reason, let detail):
            fail("event", "\(reason.rawValue): \(detail)")
            return nil
        case .blank:
            fail("event", "not an event")
            return nil
        }
    }

    /// `value` as compact JSON; numbers keep their text, so a quantity is read from the digits
    /// the operator wrote, never through a Double.
    static func write(_ value: JSONValue, into writer: inout JSONWriter) {
        switch value {
        case .object(let members):
            writer.beginObject()
            for (key, member) in members {
                writer.key(key)
                write(member, into: &writer)
            }
            writer.endObject()
        case .array(let items):
            writer.beginArray()
            for item in items { write(item, into: &writer) }
            writer.endArray()
        case .string(let text): writer.string(text)
        case .number(let text): writer.raw(text)
        case .bool(let flag): writer.bool(flag)
        case .null: writer.null()
        }
    }

    private func quoted(_ text: String) -> String {
        var writer = JSONWriter()
        writer.string(text)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

/// A resolution's key, (customer, id).
struct ResolutionKey: Hashable {
    let customer: String
    let id: String
}
