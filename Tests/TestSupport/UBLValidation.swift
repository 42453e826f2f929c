import Foundation

/// The two checks every e-invoice must pass (issue 13): the OASIS UBL 2.1 schema with
/// `xmllint --noout --nonet --schema`, and the EN 16931 business rules with the CEN/TC 434
/// Schematron run by `third_party/schemas/en16931/validate.py` (SaxonC-HE from PyPI). Both
/// read the copies vendored under `third_party/schemas/`, so a clone validates on its own. A
/// missing tool is an error, never a skip: scripts/setup installs both, and CI runs it.
public enum UBLValidation {
    /// `third_party/schemas` in the package.
    public static var schemas: URL {
        Executables.packageRoot.appendingPathComponent("third_party/schemas", isDirectory: true)
    }

    /// What is wrong with `files` (UBL invoices and credit notes, told apart by their root
    /// element): xmllint's and validate.py's complaints, or "" when every file passes both.
    /// One xmllint call per schema and ONE validate.py call for all files (Saxon compiles the
    /// rules once: about two seconds). Throws when a tool is missing or cannot run.
    public static func problems(_ files: [URL]) throws -> String {
        guard !files.isEmpty else { return "" }
        var invoices: [String] = []
        var creditNotes: [String] = []
        for file in files {
            let head = String(decoding: try Data(contentsOf: file).prefix(400), as: UTF8.self)
            if head.contains("<CreditNote") {
                creditNotes.append(file.path)
            } else {
                invoices.append(file.path)
            }
        }
        var report = ""
        let folder = FileManager.default.temporaryDirectory
        for (schema, paths) in [
            ("UBL-Invoice-2.1.xsd", invoices), ("UBL-CreditNote-2.1.xsd", creditNotes),
        ] where !paths.isEmpty {
            let xsd = schemas.appendingPathComponent("ubl/2.1/maindoc/\(schema)").path
            let result = try runTool(
                "xmllint", ["--noout", "--nonet", "--schema", xsd] + paths, in: folder)
            if result.status != 0 {
                report +=
                    "xmllint (\(schema)) exit \(result.status):\n" + result.standardOutput
                    + result.standardError
            }
        }
        let script = schemas.appendingPathComponent("en16931/validate.py").path
        let rules = try runTool(
            "python3", [script] + invoices + creditNotes, in: folder)
        switch rules.status {
        case 0:
            break
        case 1:
            report +=
                "validate.py (EN 16931 rules):\n" + rules.standardOutput
                + rules.standardError
        default:
            throw HarnessError(
                description: "validate.py could not run (scripts/setup installs saxonche): "
                    + rules.transcript)
        }
        return report
    }
}

/// An e-invoice's document totals (BG-22 and BT-110), read from its XML text or derived from
/// the JSON invoice it was written from, as exact decimals: tests compare the two.
public struct UBLTotals: Equatable, CustomStringConvertible {
    public var lineExtension: Decimal?
    public var allowanceTotal: Decimal?
    public var taxExclusive: Decimal?
    public var taxAmount: Decimal?
    public var taxInclusive: Decimal?
    public var prepaid: Decimal?
    public var payable: Decimal?

    /// The totals an XML document states (the first `cbc:TaxAmount` is the document's BT-110).
    public init(_ xml: String) throws {
        func value(_ element: String) throws -> Decimal? {
            guard let open = xml.range(of: "<cbc:\(element) ") else { return nil }
            guard let start = xml[open.upperBound...].range(of: ">"),
                let end = xml[start.upperBound...].range(of: "</cbc:\(element)>"),
                let number = Decimal(string: String(xml[start.upperBound..<end.lowerBound]))
            else { throw HarnessError(description: "unreadable \(element) in\n\(xml)") }
            return number
        }
        // The document's BT-106 sits in LegalMonetaryTotal, before the lines' own BT-131.
        lineExtension = try xml.range(of: "<cac:LegalMonetaryTotal>").map {
            try UBLTotals.number(xml[$0.upperBound...], "LineExtensionAmount")
        }
        allowanceTotal = try value("AllowanceTotalAmount")
        taxExclusive = try value("TaxExclusiveAmount")
        taxAmount = try value("TaxAmount")
        taxInclusive = try value("TaxInclusiveAmount")
        prepaid = try value("PrepaidAmount")
        payable = try value("PayableAmount")
    }

    static func number(_ text: Substring, _ element: String) throws -> Decimal {
        guard let open = text.range(of: "<cbc:\(element) "),
            let start = text[open.upperBound...].range(of: ">"),
            let end = text[start.upperBound...].range(of: "</cbc:\(element)>"),
            let number = Decimal(string: String(text[start.upperBound..<end.lowerBound]))
        else { throw HarnessError(description: "no \(element)") }
        return number
    }

    /// The totals the JSON invoice (`invoices/<customer>.json`, parsed) implies: BT-106 the
    /// subtotal, BT-107 the discounts negated (absent without discounts), BT-109 the
    /// discounted subtotal, BT-110 the tax (0 without), BT-112 the total, BT-113 the credits
    /// applied (absent when zero), BT-115 the amount due.
    public init(json: [String: Any]) throws {
        func number(_ value: Any?) throws -> Decimal {
            guard let text = value as? String, let number = Decimal(string: text) else {
                throw HarnessError(
                    description: "not a decimal string: \(String(describing: value))")
            }
            return number
        }
        let subtotal = try number(json["subtotal"])
        var discounts = Decimal(0)
        let discountList = json["discounts"] as? [[String: Any]] ?? []
        for discount in discountList { discounts += try number(discount["amount"]) }
        lineExtension = subtotal
        allowanceTotal = discountList.isEmpty ? nil : -discounts
        taxExclusive = subtotal + discounts
        taxAmount = try (json["tax"] as? [String: Any]).map { try number($0["amount"]) } ?? 0
        taxInclusive = try number(json["total"])
        let credits = try number(json["credits_applied"])
        prepaid = credits == 0 ? nil : credits
        payable = try number(json["amount_due"])
    }

    /// The totals a correction document (`corrections/<number>.json`, parsed) implies, in its
    /// e-invoice's signs: a credit note (negative total) states every figure negated. BT-107
    /// is the discounts' change when it is an allowance (more discount), absent otherwise.
    public init(correctionJSON json: [String: Any]) throws {
        func number(_ value: Any?) throws -> Decimal {
            guard let text = value as? String, let number = Decimal(string: text) else {
                throw HarnessError(
                    description: "not a decimal string: \(String(describing: value))")
            }
            return number
        }
        let sign: Decimal = json["type"] as? String == "credit_note" ? -1 : 1
        let subtotal = sign * (try number(json["subtotal"]))
        let discounts = sign * (try number(json["discounts"]))
        let total = sign * (try number(json["total"]))
        lineExtension = subtotal
        allowanceTotal = discounts < 0 ? -discounts : nil
        taxExclusive = subtotal + discounts
        taxAmount = sign * (try number(json["tax"]))
        taxInclusive = total
        prepaid = nil
        payable = total
    }

    /// The totals of a JSON invoice's bytes.
    public init(jsonBytes: [UInt8]) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(jsonBytes)) as? [String: Any]
        else { throw HarnessError(description: "not a JSON object") }
        try self.init(json: object)
    }

    public var description: String {
        [
            ("BT-106", lineExtension), ("BT-107", allowanceTotal), ("BT-109", taxExclusive),
            ("BT-110", taxAmount), ("BT-112", taxInclusive), ("BT-113", prepaid),
            ("BT-115", payable),
        ].map { "\($0.0)=\($0.1.map { "\($0)" } ?? "-")" }.joined(separator: " ")
    }
}
