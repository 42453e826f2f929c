/// Formats CSV rows (RFC 4180 quoting, LF line ends per our house rule).
public enum CSVText {
    /// One CSV row ending in `"\n"`.
    ///
    /// A field is quoted when it contains a comma, a double quote, CR or LF, or begins or ends
    /// with a space or tab (spreadsheets trim those otherwise); quotes inside are doubled.
    /// A row of exactly one empty field is written as `""` so the row is not a blank line,
    /// which many readers skip.
    public static func row(_ fields: [String]) -> String {
        if fields.count == 1 && fields[0].isEmpty {
            return "\"\"\n"
        }
        var line = ""
        for (index, field) in fields.enumerated() {
            if index > 0 {
                line.append(",")
            }
            line.append(needsQuotes(field) ? quoted(field) : field)
        }
        line.append("\n")
        return line
    }

    /// Appends one field of `row(_:)` (quoted when it needs to be) to `bytes`, without the
    /// separator: for writers that build rows as bytes.
    static func appendField(_ field: String, to bytes: inout [UInt8]) {
        guard needsQuotes(field) else {
            bytes += field.utf8
            return
        }
        bytes.append(UInt8(ascii: "\""))
        for byte in field.utf8 {
            // `"` is ASCII: doubling it byte by byte is doubling it scalar by scalar.
            if byte == UInt8(ascii: "\"") { bytes.append(byte) }
            bytes.append(byte)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    static func needsQuotes(_ field: String) -> Bool {
        let bytes = field.utf8
        guard let first = bytes.first, let last = bytes.last else { return false }
        let space = UInt8(ascii: " ")
        let tab = UInt8(ascii: "\t")
        if first == space || first == tab || last == space || last == tab {
            return true
        }
        return bytes.contains {
            $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0D || $0 == 0x0A
        }
    }

    static func quoted(_ field: String) -> String {
        var text = "\""
        for character in field.unicodeScalars {
            if character == "\"" {
                text.unicodeScalars.append("\"")
            }
            text.unicodeScalars.append(character)
        }
        text.append("\"")
        return text
    }
}
