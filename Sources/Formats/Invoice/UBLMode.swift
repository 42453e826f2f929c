/// `invoice --ubl`: which documents get a UBL 2.1 e-invoice (issue 13).
public enum UBLMode: String, Sendable, CaseIterable {
    /// Every document whose seller and buyer data suffice; the others are listed in the
    /// manifest (`e_invoices_missing`) and in one warning.
    case auto
    /// Every document, or the run fails (exit 2) listing each customer and missing field.
    case always
    /// None.
    case never
}

/// `invoice --ubl always` and documents that cannot have an e-invoice: every one, with its
/// fields (exit 2, nothing written).
public struct UBLMissingData: Error, CustomStringConvertible {
    public let gaps: [EInvoiceGap]

    /// The error for `gaps` (at least one).
    public init(gaps: [EInvoiceGap]) {
        self.gaps = gaps
    }

    public var description: String {
        "--ubl always: \(gaps.count) document\(gaps.count == 1 ? "" : "s") cannot have an "
            + "e-invoice; add or fix these fields in the catalog or customers file (or use "
            + "--ubl auto):\n" + gaps.map { "  " + $0.description }.joined(separator: "\n")
    }

    /// The one warning of `--ubl auto`: how many documents have no e-invoice, the first few
    /// with their fields, and where the whole list is.
    public static func warning(_ gaps: [EInvoiceGap], documents: Int) -> String {
        let shown = gaps.prefix(warningListedMax).map(\.description).joined(separator: " | ")
        let more =
            gaps.count > warningListedMax ? " | and \(gaps.count - warningListedMax) more" : ""
        return "no e-invoice (UBL XML) for \(gaps.count) of \(documents) documents, their "
            + "seller or buyer data do not suffice: " + shown + more
            + "; manifest.json lists every one under e_invoices_missing"
    }

    /// Documents named in the warning; the manifest lists all.
    public static let warningListedMax = 5
}
