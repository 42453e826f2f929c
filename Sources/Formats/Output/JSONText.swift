/// Writes JSON by hand, byte by byte, with keys in the order the caller writes them.
///
/// Compact output (the default) has no spaces or newlines: one value per NDJSON line, with
/// `endLine()` between values. Pretty output indents by two spaces and writes `"key": value`,
/// for single-document files such as `manifest.json` and invoices; empty containers stay `{}`
/// and `[]`. Commas are placed automatically. Numbers are passed in pre-formatted (`raw`) or as
/// integers: this writer never formats a quantity or amount itself (SPEC §8: decimals are
/// strings).
///
/// Misuse (a value in an object without a key, closing the wrong container, two top-level
/// values without `endLine()`) is a programmer error and stops the program.
public struct JSONWriter {
    /// The bytes written so far: UTF-8 JSON.
    public private(set) var bytes: [UInt8] = []
    /// Whether output is indented (`true`) or compact (`false`).
    public let pretty: Bool

    private struct Container {
        var isObject: Bool
        var count: Int
    }

    private var containers: [Container] = []
    private var keyWritten = false
    private var topLevelValueWritten = false

    /// An empty writer; `pretty` selects indented output.
    public init(pretty: Bool = false) {
        self.pretty = pretty
    }

    /// Opens an object: `{`.
    public mutating func beginObject() {
        beforeValue()
        bytes.append(UInt8(ascii: "{"))
        containers.append(Container(isObject: true, count: 0))
    }

    /// Closes the innermost object: `}`.
    public mutating func endObject() {
        precondition(containers.last?.isObject == true, "endObject() outside an object")
        precondition(!keyWritten, "endObject() right after key(); write the value first")
        close(UInt8(ascii: "}"))
    }

    /// Opens an array: `[`.
    public mutating func beginArray() {
        beforeValue()
        bytes.append(UInt8(ascii: "["))
        containers.append(Container(isObject: false, count: 0))
    }

    /// Closes the innermost array: `]`.
    public mutating func endArray() {
        precondition(containers.last?.isObject == false, "endArray() outside an array")
        close(UInt8(ascii: "]"))
    }

    /// Writes an object key; the next call must write its value.
    public mutating func key(_ name: String) {
        precondition(containers.last?.isObject == true, "key() outside an object")
        precondition(!keyWritten, "key() twice without a value in between")
        separateMember()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        if pretty {
            bytes.append(UInt8(ascii: " "))
        }
        keyWritten = true
    }

    /// Writes a string value, escaped as `escaped(_:)` describes.
    public mutating func string(_ value: String) {
        beforeValue()
        appendQuoted(value)
        afterValue()
    }

    /// Writes a pre-formatted JSON number as is, such as `"42"` or `"-0.5"`.
    ///
    /// The text must match the JSON number grammar; anything else is a programmer error.
    public mutating func raw(_ number: String) {
        precondition(JSONWriter.isNumber(number), "raw() needs a JSON number, got \(number)")
        beforeValue()
        bytes.append(contentsOf: number.utf8)
        afterValue()
    }

    /// Writes an integer in decimal (counts, line numbers, sizes).
    public mutating func integer(_ value: some BinaryInteger) {
        beforeValue()
        bytes.append(contentsOf: String(value).utf8)
        afterValue()
    }

    /// Writes `null`.
    public mutating func null() {
        beforeValue()
        bytes.append(contentsOf: "null".utf8)
        afterValue()
    }

    /// Writes `true` or `false`.
    public mutating func bool(_ value: Bool) {
        beforeValue()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        afterValue()
    }

    /// Ends a complete top-level value with a line feed, so another may follow (NDJSON).
    public mutating func endLine() {
        precondition(containers.isEmpty, "endLine() inside an open object or array")
        precondition(topLevelValueWritten, "endLine() before a complete top-level value")
        bytes.append(UInt8(ascii: "\n"))
        topLevelValueWritten = false
    }

    /// Hands the bytes written so far to `output` and forgets them (keeping the storage), so
    /// that a long NDJSON file streams out in pieces instead of being held whole. Allowed only
    /// between top-level values: a flushed piece never ends inside one.
    public mutating func flush(to output: ByteOutput) throws {
        precondition(containers.isEmpty, "flush(to:) inside an open object or array")
        try output.write(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    /// The JSON string escape of `text`, without the surrounding quotes.
    ///
    /// Escapes `"` and `\`, writes U+0008, U+0009, U+000A, U+000C and U+000D as `\b` `\t` `\n`
    /// `\f` `\r`, and other controls below U+0020 as `\u00XX` with lowercase hex digits.
    /// Everything else, including U+007F and non-ASCII, is written as raw UTF-8.
    public static func escaped(_ text: String) -> String {
        var output: [UInt8] = []
        appendEscaped(text, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    // MARK: Private

    private static func appendEscaped(_ text: String, to output: inout [UInt8]) {
        // Most text needs no escape: copied in one go once a scan finds nothing to escape.
        let plain = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            for byte in bytes where byte < 0x20 || byte == 0x22 || byte == 0x5C { return false }
            output.append(contentsOf: bytes)
            return true
        }
        if plain == true { return }
        let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
        output.reserveCapacity(output.count + text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [0x5C, UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [0x5C, 0x5C])
            case 0x08: output.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0C: output.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x00..<0x20:
                output.append(contentsOf: Array("\\u00".utf8))
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            default:
                output.append(byte)
            }
        }
    }

    private mutating func appendQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        JSONWriter.appendEscaped(text, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Writes the comma and, when pretty, the newline and indent before a member or element.
    private mutating func separateMember() {
        let index = containers.count - 1
        if containers[index].count > 0 {
            bytes.append(UInt8(ascii: ","))
        }
        containers[index].count += 1
        if pretty {
            appendNewlineAndIndent(depth: containers.count)
        }
    }

    private mutating func beforeValue() {
        guard let innermost = containers.last else {
            precondition(!topLevelValueWritten, "second top-level value without endLine()")
            return
        }
        if innermost.isObject {
            precondition(keyWritten, "a value inside an object needs key() first")
            keyWritten = false
        } else {
            separateMember()
        }
    }

    private mutating func afterValue() {
        if containers.isEmpty {
            topLevelValueWritten = true
        }
    }

    private mutating func close(_ bracket: UInt8) {
        let container = containers.removeLast()
        if pretty && container.count > 0 {
            appendNewlineAndIndent(depth: containers.count)
        }
        bytes.append(bracket)
        afterValue()
    }

    private mutating func appendNewlineAndIndent(depth: Int) {
        bytes.append(UInt8(ascii: "\n"))
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * 2))
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, the JSON number grammar (RFC 8259).
    static func isNumber(_ text: String) -> Bool {
        let characters = Array(text.utf8)
        var index = 0
        func isDigit(_ position: Int) -> Bool {
            position < characters.count && characters[position] >= 0x30
                && characters[position] <= 0x39
        }
        func digits() -> Bool {
            guard isDigit(index) else { return false }
            while isDigit(index) { index += 1 }
            return true
        }
        if index < characters.count && characters[index] == UInt8(ascii: "-") { index += 1 }
        if index < characters.count && characters[index] == UInt8(ascii: "0") {
            index += 1
        } else if !digits() {
            return false
        }
        if index < characters.count && characters[index] == UInt8(ascii: ".") {
            index += 1
            if !digits() { return false }
        }
        if index < characters.count
            && (characters[index] == UInt8(ascii: "e") || characters[index] == UInt8(ascii: "E"))
        {
            index += 1
            if index < characters.count,
                characters[index] == UInt8(ascii: "+") || characters[index] == UInt8(ascii: "-")
            {
                index += 1
            }
            if !digits() { return false }
        }
        return index == characters.count
    }
}
