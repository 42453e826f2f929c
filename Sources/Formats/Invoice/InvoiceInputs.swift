import Pricing

/// Reads what the invoice stage takes in: `rate`'s output folder, grant files and the opening
/// wallets. Every problem is collected with its file and line (exit code 2). This file holds the
/// line machinery; each record's fields are decoded in `Sources/Formats/Records/`, next to its
/// encoder.
public struct InvoiceInputReader {
    public let catalog: Catalog
    public let customers: [String: Customer]
    private(set) var errors: [ConfigError] = []

    public init(catalog: Catalog, customers: [Customer]) {
        self.catalog = catalog
        var byID: [String: Customer] = [:]
        for customer in customers { byID[customer.id] = customer }
        self.customers = byID
    }

    mutating func fail(_ file: String, _ line: Int?, _ path: String, _ message: String) {
        errors.append(
            ConfigError(file: file, line: line, column: nil, path: path, message: message))
    }

    /// Throws every collected problem, or the first `listedMax` and a count of the rest: a
    /// corrupt rate output (every line with CRLF, say) would otherwise repeat one problem per
    /// line. Configuration files list every problem (SPEC §10), so they pass no limit.
    public func check(listedMax: Int = Int.max) throws {
        guard !errors.isEmpty else { return }
        guard errors.count > listedMax else { throw ConfigErrors(errors) }
        let hidden = errors[listedMax]
        let summary = ConfigError(
            file: hidden.file, line: nil, column: nil, path: "",
            message: "\(errors.count - listedMax) more problems not listed, the next at line "
                + "\(hidden.line.map(String.init) ?? "?")")
        throw ConfigErrors(Array(errors.prefix(listedMax)) + [summary])
    }

    /// How many problems of a rate output are listed before the rest are only counted.
    public static let rateOutputProblemsListedMax = 20

    /// How strictly a file's lines are read.
    public enum LineRules: Sendable {
        /// A file people write (grants, wallets): a UTF-8 byte-order mark at the very start is
        /// skipped (as in event files, SPEC §11), CRLF line endings are accepted, blank lines
        /// are skipped and the last line may lack its line ending.
        case configuration
        /// A file `rate` wrote: every line ends with LF, none is blank, and no CR, byte-order
        /// mark or unfinished last line appears, because `rate` writes none: any of them means
        /// the file was cut short or edited.
        case rateOutput
    }

    /// The bytes a blank line may hold (SPEC §11: space, tab, CR, VT and FF; LF ends it).
    static let blankBytes: Set<UInt8> = [0x20, 0x09, 0x0D, 0x0B, 0x0C]

    /// Calls `body` with each line's parsed JSON object and its 1-based number, under `rules`.
    /// Every line that is not UTF-8 or not a JSON object is reported with its number.
    mutating func eachObject(
        _ bytes: [UInt8], file: String, rules: LineRules,
        _ body: (inout InvoiceInputReader, [(String, JSONValue)], Int) -> Void
    ) {
        let lineFeed = UInt8(ascii: "\n")
        let carriageReturn = UInt8(ascii: "\r")
        var start = 0
        if rules == .configuration, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        var number = 0
        while start < bytes.count {
            number += 1
            let end = bytes[start...].firstIndex(of: lineFeed)
            var line = bytes[start..<(end ?? bytes.count)]
            start = (end ?? bytes.count) + 1
            switch rules {
            case .configuration:
                if line.last == carriageReturn { line = line.dropLast() }
                if line.allSatisfy({ InvoiceInputReader.blankBytes.contains($0) }) { continue }
            case .rateOutput:
                if end == nil {
                    fail(
                        file, number, "",
                        "the last line has no line ending: the file was cut short")
                    continue
                }
                if line.contains(carriageReturn) {
                    fail(file, number, "", "holds a CR (\\r); rate writes LF line endings only")
                    continue
                }
                if line.isEmpty {
                    fail(file, number, "", "empty line; rate writes none")
                    continue
                }
            }
            guard let text = String(validating: line, as: UTF8.self) else {
                let valid = Self.validUTF8PrefixCount(line)
                fail(
                    file, number, "",
                    "not UTF-8 text (byte \(valid + 1) of the line); save the file as UTF-8")
                continue
            }
            do {
                guard case .object(let members) = try JSONValue.parse(text) else {
                    fail(file, number, "", "expected a JSON object")
                    continue
                }
                body(&self, members, number)
            } catch {
                fail(file, number, "", "malformed JSON: \(error)")
            }
        }
    }

    /// The count of leading bytes of `line` that are whole, valid UTF-8 characters.
    static func validUTF8PrefixCount(_ line: ArraySlice<UInt8>) -> Int {
        var count = 0
        var iterator = line.makeIterator()
        var decoder = UTF8()
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): count += UTF8.width(scalar)
            case .emptyInput, .error: break decoding
            }
        }
        return count
    }

    func string(_ members: [(String, JSONValue)], _ key: String) -> String? {
        if case .string(let text)? = members.first(where: { $0.0 == key })?.1 { return text }
        return nil
    }

    func numeric(_ members: [(String, JSONValue)], _ key: String) -> String? {
        switch members.first(where: { $0.0 == key })?.1 {
        case .string(let text)?: return text
        case .number(let text)?: return text
        default: return nil
        }
    }

    /// The most digits before the decimal point of a grant amount or wallet `remaining`
    /// (below 10^15 major units): far above any real prepayment, and low enough that sums of
    /// many grants stay exact in `Money`'s minor units.
    public static let amountIntegerDigitsMax = 15

    /// A grant amount or wallet `remaining` as money in `currency`, or what is wrong with it
    /// (said so that a person knows what to write instead).
    func amountCheck(_ text: String, _ currency: Currency) -> Result<Money, AmountProblem> {
        let digits = currency.minorUnitDigits
        switch DecimalText.parse(Array(text.utf8)) {
        case .failure(.syntax):
            return .failure(AmountProblem("\(text) is not a decimal number such as \"100.00\""))
        case .failure(.tooPrecise):
            return .failure(
                AmountProblem(
                    "\(text) has too many digits; expected at most "
                        + "\(InvoiceInputReader.amountIntegerDigitsMax) digits before the point "
                        + "and \(digits) after it"))
        case .success(let parsed):
            guard parsed.integerDigits <= InvoiceInputReader.amountIntegerDigitsMax else {
                return .failure(
                    AmountProblem(
                        "\(text) is too large; expected at most "
                            + "\(InvoiceInputReader.amountIntegerDigitsMax) digits before the "
                            + "point"))
            }
            guard let value = money(text, currency) else {
                return .failure(
                    AmountProblem(
                        "\(text) has more decimals than \(currency.code) has; expected at most "
                            + "\(digits)"))
            }
            return .success(value)
        }
    }

    /// What is wrong with an amount's text, as a phrase for a message.
    struct AmountProblem: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// A decimal text that is exactly an amount in `currency` (no more minor digits).
    func money(_ text: String, _ currency: Currency) -> Money? {
        guard case .success(let value) = DecimalText.rational(text),
            let minor = try? value.significand(atScale: currency.minorUnitDigits, rule: .down),
            let back = try? Rational(significand: minor, scale: currency.minorUnitDigits),
            back == value
        else { return nil }
        return Money(minorUnits: minor, currency: currency)
    }
}
