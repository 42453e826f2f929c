/// What an invoice shows a reader for a plan or a charge instead of its key (issue 11).
///
/// Display text never prices anything: it lives beside the pricing types (`CatalogDisplay`),
/// not in them, so renaming a charge on the invoice cannot change a plan's or a charge's
/// equality, and every pricing initializer stays as it was.
public struct DisplayLabel: Hashable, Sendable {
    /// The name printed instead of the key (`Platform fee`).
    public let name: String?
    /// A longer explanation under the name; may hold line breaks.
    public let description: String?
    /// What one unit of the quantity is (`1,000 tokens`); charges only.
    public let unit: String?

    /// Display text; every part is optional.
    public init(name: String?, description: String?, unit: String?) {
        self.name = name
        self.description = description
        self.unit = unit
    }
}

/// The display text of a catalog's plans and charges, by key; a key without an entry has none.
public struct CatalogDisplay: Hashable, Sendable {
    /// By plan key.
    public let plans: [String: DisplayLabel]
    /// By plan key, then charge key.
    public let charges: [String: [String: DisplayLabel]]

    /// Display text by plan, and by plan and charge; empty by default.
    public init(
        plans: [String: DisplayLabel] = [:], charges: [String: [String: DisplayLabel]] = [:]
    ) {
        self.plans = plans
        self.charges = charges
    }

    /// The display text of a plan, if the catalog gives any.
    public func plan(_ key: String) -> DisplayLabel? { plans[key] }

    /// The display text of a charge of a plan, if the catalog gives any.
    public func charge(plan: String, charge: String) -> DisplayLabel? { charges[plan]?[charge] }
}

/// Where a customer pays the seller: an account by IBAN (and BIC), or free text.
public enum BankDetails: Hashable, Sendable {
    /// `iban` normalised (no spaces, capital letters) and checked (ISO 13616); `bic` capital
    /// letters, 8 or 11 characters (ISO 9362).
    case account(iban: String, bic: String?)
    /// Instructions as written (a bank outside the IBAN system, several accounts…).
    case text(String)
}

/// An image printed on invoices, read from a file by the loader and kept whole, so the HTML can
/// embed it and stay one file.
public struct Logo: Hashable, Sendable {
    /// The image types a logo may be, found from the file's content.
    public enum MediaType: String, Hashable, Sendable {
        case png = "image/png"
        case jpeg = "image/jpeg"
        case svg = "image/svg+xml"
    }

    /// The path as the catalog wrote it, relative to the catalog's folder.
    public let path: String
    public let mediaType: MediaType
    /// The file's bytes, as read.
    public let bytes: [UInt8]
    /// Lower-case hexadecimal SHA-256 of `bytes`, for the run's recorded configuration.
    public let sha256: String

    /// A logo read from `path`.
    public init(path: String, mediaType: MediaType, bytes: [UInt8], sha256: String) {
        self.path = path
        self.mediaType = mediaType
        self.bytes = bytes
        self.sha256 = sha256
    }
}

/// When an invoice is due: its issue date plus the customer's payment terms, else the
/// catalog's (`payment_terms_days`, docs/catalog-documents.md).
public enum PaymentTerms {
    /// The largest number of days a catalog or customer may give (a year).
    public static let daysMax = 365

    /// The due date of an invoice issued on `issueDate`: `customerDays` days later when the
    /// customer has terms, else `catalogDays` days later, else nil (no due date is printed).
    /// Zero days makes the invoice due on its issue date. Days are calendar days, so month
    /// ends and leap days count like any other day.
    public static func dueDate(issueDate: CivilDate, customerDays: Int?, catalogDays: Int?)
        -> CivilDate?
    {
        guard let days = customerDays ?? catalogDays else { return nil }
        precondition((0...daysMax).contains(days), "payment terms are checked by the loaders")
        return issueDate.adding(days: days)
    }
}
