import Foundation
import Pricing
import Yams

/// Checks of the catalog's and customers' document fields (issue 11): display text, payment
/// terms, the seller's email, website, bank and logo (docs/catalog-documents.md). Each check
/// records its error with the YAML path on the builder's reader and returns nil.
extension CatalogBuilder {
    /// Display text: a non-empty string of at most `charactersMax` Unicode scalars, not only
    /// spaces, without control characters; line breaks only where `multiline`.
    ///
    /// Scalars, not grapheme clusters: the count then never depends on the Unicode version of
    /// the standard library, so a catalog accepted once is accepted everywhere.
    func displayText(_ node: Node, _ path: String, charactersMax: Int, multiline: Bool)
        -> String?
    {
        guard let text = reader.string(node, path) else { return nil }
        let scalars = text.unicodeScalars
        if scalars.allSatisfy({ $0.properties.isWhitespace }) {
            reader.fail(node, path, "expected text, found only white space")
            return nil
        }
        let controls = scalars.contains { scalar in
            (scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value))
                && !(multiline && scalar == "\n")
        }
        if controls {
            reader.fail(
                node, path,
                multiline
                    ? "control characters other than line breaks are not allowed"
                    : "expected one line of text without control characters or line breaks")
            return nil
        }
        if scalars.count > charactersMax {
            reader.fail(
                node, path,
                "is \(scalars.count) characters long; the limit is \(charactersMax) characters")
            return nil
        }
        return text
    }

    /// The `name`, `description` and `unit` of a plan or charge (`unit` only when `withUnit`);
    /// nil when none is given or one is invalid.
    func display(_ fields: [String: Node], _ path: String, withUnit: Bool) -> DisplayLabel? {
        func line(_ key: String, multiline: Bool, _ charactersMax: Int) -> String? {
            fields[key].flatMap {
                displayText(
                    $0, join(path, key), charactersMax: charactersMax, multiline: multiline)
            }
        }
        let name = line("name", multiline: false, limits.displayNameCharactersMax)
        let description = line(
            "description", multiline: true, limits.displayDescriptionCharactersMax)
        let unit = withUnit ? line("unit", multiline: false, limits.displayNameCharactersMax) : nil
        guard name != nil || description != nil || unit != nil else { return nil }
        return DisplayLabel(name: name, description: description, unit: unit)
    }

    /// Payment terms: whole days from 0 (due on issue) to `PaymentTerms.daysMax`.
    func paymentTermsDays(_ node: Node, _ path: String) -> Int? {
        reader.integer(node, path, in: 0...PaymentTerms.daysMax)
    }

    /// Longest email address accepted (RFC 5321's limit on a forward path).
    static let emailBytesMax = 254
    /// Longest website URL accepted.
    static let websiteBytesMax = 2_000

    /// An email address: one `@` between a non-empty local part and domain, no white space or
    /// control characters. Nothing more is checked: only a mail sent proves an address.
    func email(_ node: Node, _ path: String) -> String? {
        guard let text = reader.string(node, path) else { return nil }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !hasBlankOrControl(text)
        else {
            reader.fail(
                node, path,
                "expected an email address such as billing@example.com (one @ between a name "
                    + "and a domain, no spaces), found \"\(text)\"")
            return nil
        }
        return withinBytes(text, CatalogBuilder.emailBytesMax, node, path)
    }

    /// A website: `https://` or `http://` (lower case), a non-empty host, no white space or
    /// control characters.
    func website(_ node: Node, _ path: String) -> String? {
        guard let text = reader.string(node, path) else { return nil }
        let rest: Substring
        if text.hasPrefix("https://") {
            rest = text.dropFirst(8)
        } else if text.hasPrefix("http://") {
            rest = text.dropFirst(7)
        } else {
            rest = ""
        }
        let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !host.isEmpty, !hasBlankOrControl(text) else {
            reader.fail(
                node, path,
                "expected a URL starting with https:// or http:// and a host, such as "
                    + "https://example.com, found \"\(text)\"")
            return nil
        }
        return withinBytes(text, CatalogBuilder.websiteBytesMax, node, path)
    }

    /// `text` if its UTF-8 is at most `limit` bytes; otherwise nil, with the error at `path`.
    func withinBytes(_ text: String, _ limit: Int, _ node: Node, _ path: String) -> String? {
        guard text.utf8.count <= limit else {
            reader.fail(
                node, path, "is \(text.utf8.count) bytes long; the limit is \(limit) bytes")
            return nil
        }
        return text
    }

    /// Whether the text holds white space or a control character.
    func hasBlankOrControl(_ text: String) -> Bool {
        text.unicodeScalars.contains {
            $0.properties.isWhitespace || $0.value < 0x20 || (0x7F...0x9F).contains($0.value)
        }
    }

    /// `bank: { iban: …, bic: … }` (bic optional) or `bank: { text: "…" }`.
    func bank(_ node: Node, _ path: String) -> BankDetails? {
        guard let items = reader.mapping(node, path, allowed: ["iban", "bic", "text"]) else {
            return nil
        }
        let fields = Dictionary(items, uniquingKeysWith: { first, _ in first })
        if let textNode = fields["text"] {
            if fields["iban"] != nil || fields["bic"] != nil {
                reader.fail(
                    node, path,
                    "give either iban (with an optional bic) or text, not both; put everything "
                        + "in text to print it as written")
                return nil
            }
            return displayText(
                textNode, path + ".text", charactersMax: limits.displayDescriptionCharactersMax,
                multiline: true
            ).map(BankDetails.text)
        }
        guard let ibanNode = fields["iban"] else {
            reader.fail(
                node, path + ".iban",
                fields["bic"] == nil
                    ? "missing; expected iban (with an optional bic) or text"
                    : "missing; a bic goes with an iban (or write the details as text)")
            return nil
        }
        let iban = self.iban(ibanNode, path + ".iban")
        let bic = fields["bic"].map { self.bic($0, path + ".bic") }
        if case .some(nil) = bic { return nil }
        guard let iban else { return nil }
        return .account(iban: iban, bic: bic ?? nil)
    }

    /// An IBAN (ISO 13616), spaces allowed and removed, letters made capital: a country code,
    /// two check digits and up to 30 letters or digits, 15 to 34 in all, the country's length
    /// when the country is in `ibanLengths`, and `mod 97 = 1` over the rearranged digits.
    func iban(_ node: Node, _ path: String) -> String? {
        guard let written = reader.string(node, path) else { return nil }
        let text = String(written.filter { $0 != " " }.uppercased())
        let bytes = Array(text.utf8)
        func isLetter(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        guard (15...34).contains(bytes.count), bytes.allSatisfy({ isLetter($0) || isDigit($0) }),
            isLetter(bytes[0]), isLetter(bytes[1]), isDigit(bytes[2]), isDigit(bytes[3])
        else {
            reader.fail(
                node, path,
                "expected an IBAN: a country code, 2 check digits and up to 30 letters or "
                    + "digits, such as DE89 3704 0044 0532 0130 00; found \"\(written)\"")
            return nil
        }
        let country = String(text.prefix(2))
        if let length = CatalogBuilder.ibanLengths[country], length != bytes.count {
            reader.fail(
                node, path,
                "an IBAN of \(country) has \(length) characters; \"\(written)\" has "
                    + "\(bytes.count)")
            return nil
        }
        // The first four characters move to the end, letters count as 10 (A) to 35 (Z), and
        // the whole number is taken mod 97 a digit at a time (it has up to 68 digits).
        var remainder = 0
        for byte in bytes[4...] + bytes[..<4] {
            let value = isDigit(byte) ? Int(byte - 0x30) : Int(byte - 0x41) + 10
            remainder = (remainder * (value < 10 ? 10 : 100) + value) % 97
        }
        guard remainder == 1 else {
            reader.fail(
                node, path,
                "the IBAN's check digits do not match (ISO 13616 mod 97): \"\(written)\"; "
                    + "look for a mistyped character")
            return nil
        }
        return text
    }

    /// IBAN lengths of the countries in the SWIFT IBAN registry that Ratebook checks; an IBAN
    /// of another country is checked for its format and check digits only.
    static let ibanLengths: [String: Int] = [
        "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
        "BH": 22, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22,
        "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27,
        "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28,
        "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
        "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24,
        "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24,
        "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31,
        "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
        "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
    ]

    /// A BIC (ISO 9362), letters made capital: 4 letters or digits for the institution, 2
    /// letters for the country, 2 letters or digits for the location, and optionally 3 for the
    /// branch.
    func bic(_ node: Node, _ path: String) -> String? {
        guard let written = reader.string(node, path) else { return nil }
        let text = written.uppercased()
        let bytes = Array(text.utf8)
        func isLetter(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            isLetter(byte) || (byte >= 0x30 && byte <= 0x39)
        }
        guard bytes.count == 8 || bytes.count == 11, bytes.allSatisfy(isAlphanumeric),
            isLetter(bytes[4]), isLetter(bytes[5])
        else {
            reader.fail(
                node, path,
                "expected a BIC of 8 or 11 letters or digits (bank, country, location, optional "
                    + "branch) such as COBADEFFXXX; found \"\(written)\"")
            return nil
        }
        return text
    }

    /// The logo file: a path relative to the catalog's folder, read once, at most
    /// `limits.logoBytesMax` bytes, a PNG, JPEG or SVG by its content.
    func logo(_ node: Node, _ path: String) -> Logo? {
        guard let relative = reader.string(node, path) else { return nil }
        guard !relative.hasPrefix("/") else {
            reader.fail(
                node, path,
                "write the logo's path relative to the catalog's folder, not from /: "
                    + "\"\(relative)\"")
            return nil
        }
        let file =
            folder == "." ? relative : folder + (folder.hasSuffix("/") ? "" : "/") + relative
        let bytes: [UInt8]
        do {
            bytes = try ConfigFile.readBytes(
                path: file, bytesMax: limits.logoBytesMax,
                largeFileAdvice: "every HTML invoice embeds the logo: use an SVG or a smaller "
                    + "image")
        } catch {
            reader.fail(node, path, "logo \(error)")
            return nil
        }
        guard let mediaType = CatalogBuilder.imageType(bytes) else {
            reader.fail(
                node, path,
                "logo \(file): not a PNG, JPEG or SVG image (known by its content, not its name)")
            return nil
        }
        return Logo(
            path: relative, mediaType: mediaType, bytes: bytes, sha256: SHA256.hash(bytes))
    }

    /// PNG or JPEG by their signatures; SVG when the text's first element is `<svg`, after an
    /// optional byte order mark, XML declaration, comments, doctype and white space.
    static func imageType(_ bytes: [UInt8]) -> Logo.MediaType? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        guard var text = String(validating: bytes, as: UTF8.self)?[...] else { return nil }
        if text.hasPrefix("\u{FEFF}") { text = text.dropFirst() }
        while true {
            text = text.drop { $0.isWhitespace }
            let closing: String
            if text.hasPrefix("<?") {
                closing = "?>"
            } else if text.hasPrefix("<!--") {
                closing = "-->"
            } else if text.hasPrefix("<!") {
                closing = ">"
            } else {
                break
            }
            guard let end = text.range(of: closing) else { return nil }
            text = text[end.upperBound...]
        }
        guard text.hasPrefix("<svg"), let next = text.dropFirst(4).first,
            next.isWhitespace || next == ">" || next == "/"
        else { return nil }
        return .svg
    }
}

extension Logo {
    /// `data:image/png;base64,…`: the logo as a URI the HTML embeds, so it stays one file.
    public var dataURI: String {
        "data:\(mediaType.rawValue);base64," + Data(bytes).base64EncodedString()
    }
}
