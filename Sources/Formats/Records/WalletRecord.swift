import Pricing

// The wallet record (SPEC §7): `invoice` writes its closing `wallets.ndjson`, and the next
// period's run reads it back as `--wallets`. A row is its grant (with the original amount)
// plus what remains of it. Encoder and decoder side by side, as in RatedLineRecord.swift.
// (`wallet-transactions.ndjson` is only written, by `InvoiceOutputs.walletTransactions`.)

/// The wallet encoder.
extension InvoiceOutputs {
    /// The closing `wallets.ndjson`: every grant the wallets hold, with what remains (a used
    /// or expired grant stays with remaining 0, so passing its grant file again never credits
    /// it twice); sorted by customer, currency, grant id.
    public static func wallets(_ entries: [WalletEntry]) -> [UInt8] {
        OutputBytes.collecting { try wallets(entries, to: $0) }
    }

    /// `wallets(_:)` written to `output` in pieces of about `chunkBytes`.
    public static func wallets(_ entries: [WalletEntry], to output: ByteOutput) throws {
        var writer = JSONWriter()
        for entry in entries {
            let grant = entry.grant
            writer.beginObject()
            writer.key("customer")
            writer.string(grant.customer)
            writer.key("currency")
            writer.string(grant.currency.code)
            writer.key("grant")
            writer.string(grant.id)
            writer.key("source")
            writer.string(grant.source)
            writer.key("priority")
            writer.integer(grant.priority)
            writer.key("ts")
            writer.string(grant.timestampText)
            writer.key("expires")
            if let expires = grant.expiresText { writer.string(expires) } else { writer.null() }
            writer.key("amount")
            writer.string(grant.amount.description)
            writer.key("remaining")
            writer.string(entry.remaining.description)
            writer.endObject()
            writer.endLine()
            if writer.bytes.count >= chunkBytes { try writer.flush(to: output) }
        }
        try writer.flush(to: output)
    }
}

/// The wallet decoder: the grant's fields through `grant` (GrantRecord.swift), then
/// `remaining`, each problem collected with the file and line.
extension InvoiceInputReader {
    /// The opening `wallets.ndjson` (a previous run's closing wallets).
    public mutating func wallets(_ bytes: [UInt8], file: String) -> [WalletEntry] {
        var entries: [WalletEntry] = []
        var seen: Set<String> = []
        eachObject(bytes, file: file, rules: .configuration) { reader, members, number in
            guard let grantID = reader.string(members, "grant"), !grantID.isEmpty else {
                reader.fail(file, number, "grant", "missing; expected the id of the grant")
                return
            }
            var grantMembers = members.filter { $0.0 != "remaining" && $0.0 != "grant" }
            grantMembers.append(("id", .string(grantID)))
            let remainingText = reader.numeric(members, "remaining")
            if reader.numeric(members, "amount") == nil, let remainingText {
                // Without `amount`, `remaining` stands for it: a negative one is reported as
                // itself, not as a bad amount the row does not hold.
                guard !remainingText.hasPrefix("-") else {
                    reader.fail(
                        file, number, "remaining",
                        "must be 0 or more, got \(remainingText)")
                    return
                }
                grantMembers.append(("amount", .string(remainingText)))
            }
            // A wallet row is its grant (with the original amount) plus what remains of it, which
            // may be 0 for a spent or expired grant. The grant's own problems are reported by
            // `grant` with their field.
            guard let grant = reader.grant(grantMembers, file: file, number: number) else {
                return
            }
            guard let remainingText else {
                reader.fail(
                    file, number, "remaining",
                    "missing; expected what is left of grant \(grant.id), such as \"0\" or "
                        + "\"\(grant.amount)\"")
                return
            }
            let remaining: Money
            switch reader.amountCheck(remainingText, grant.currency) {
            case .failure(let problem):
                reader.fail(file, number, "remaining", "\(problem) (grant \(grant.id))")
                return
            case .success(let value):
                remaining = value
            }
            guard remaining.minorUnits >= 0 else {
                reader.fail(
                    file, number, "remaining",
                    "must be 0 or more, got \(remainingText) (grant \(grant.id))")
                return
            }
            // What is left of a grant can never exceed what was granted.
            guard remaining.minorUnits <= grant.amount.minorUnits else {
                reader.fail(
                    file, number, "remaining",
                    "\(remaining) is more than the grant's amount \(grant.amount) "
                        + "(grant \(grant.id)); a wallet row holds what is left of its grant")
                return
            }
            guard seen.insert(grant.id).inserted else {
                reader.fail(file, number, "grant", "grant \"\(grant.id)\" appears twice")
                return
            }
            entries.append(WalletEntry(grant: grant, remaining: remaining))
        }
        return entries
    }
}
