import Pricing

/// What a run says on standard error at its end: one summary line, rejects named by reason,
/// and a warning when many lines were rejected, so a cron log shows a bad feed at a glance.
public enum RunSummary {
    /// The share of lines rejected above which `rate` warns, whatever `--max-reject-rate` says.
    public static let rejectWarningShare = try! Rational(numerator: 5, denominator: 100)

    /// `rate`'s summary line: inputs, the counts, the rejects by reason (largest first, then by
    /// code), the rated lines.
    public static func rate(inputs: Int, counts: LineCounts, ratedLines: Int) -> String {
        var line =
            "\(inputs) inputs, \(counts.lines) lines: \(counts.billed) billed, "
            + "\(counts.outOfPeriod) out of period, \(counts.duplicates) duplicates, "
            + (counts.superseded > 0 ? "\(counts.superseded) superseded, " : "")
            + "\(counts.rejectedTotal) rejected"
        let reasons = rejectsByReason(counts)
        if !reasons.isEmpty {
            line += " (" + reasons.map { "\($0.1) \($0.0.rawValue)" }.joined(separator: ", ") + ")"
        }
        return line + ", \(counts.blank) blank; \(ratedLines) rated lines"
    }

    /// The warning for a run that rejected more than `rejectWarningShare` of its lines, naming
    /// the three largest reasons; nil otherwise.
    public static func rejectWarning(_ counts: LineCounts) -> String? {
        guard counts.lines > 0,
            let share = try? Rational(
                numerator: Int128(counts.rejectedTotal), denominator: Int128(counts.lines)),
            rejectWarningShare < share
        else { return nil }
        let percent = (try? (share * Rational(100)).significand(atScale: 1, rule: .halfUp)) ?? 0
        let top = rejectsByReason(counts).prefix(3).map { "\($0.0.rawValue) (\($0.1))" }
        return "\(counts.rejectedTotal) of \(counts.lines) lines rejected "
            + "(\(percent / 10).\(percent % 10) %, over 5 %): mostly "
            + top.joined(separator: ", ") + "; see rejects.ndjson"
    }

    /// Reasons with rejects, largest count first, then by code.
    static func rejectsByReason(_ counts: LineCounts) -> [(RejectReason, Int64)] {
        counts.rejected.filter { $0.value > 0 }.sorted {
            $0.value != $1.value ? $0.value > $1.value : $0.key.rawValue < $1.key.rawValue
        }.map { ($0.key, $0.value) }
    }
}
