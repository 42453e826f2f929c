import Formats
import Pricing

/// The metrics a run writes with `--metrics-file` (Prometheus text format, gauges of the last
/// successful run). Only a successful run writes the file: a failed one leaves the previous
/// file, so `time() - ratebook_<stage>_last_success_timestamp_seconds` is the alert.
public enum RunMetrics {
    /// `rate`'s metrics: every count of the manifest (rejects by reason, zeros included), the
    /// rated lines, the duration and the end of the run (the one wall-clock value Ratebook
    /// writes, and only here).
    public static func rate(
        period: String, counts: LineCounts, ratedLines: Int, durationSeconds: Double,
        finishedAtSeconds: Double
    ) -> [Metric] {
        let labels = [("period", period)]
        func gauge(_ name: String, _ help: String, _ value: Int64) -> Metric {
            Metric(name: "ratebook_rate_\(name)", help: help, samples: [(labels, String(value))])
        }
        return [
            gauge("lines", "Input lines read (SPEC 8.1 counts.lines).", counts.lines),
            gauge("lines_blank", "Blank input lines.", counts.blank),
            gauge("lines_accepted", "Lines accepted (billed or out of period).", counts.accepted),
            gauge("lines_billed", "Accepted lines inside the period.", counts.billed),
            gauge("lines_out_of_period", "Accepted lines outside the period.", counts.outOfPeriod),
            gauge("lines_duplicates", "Lines dropped as exact duplicates.", counts.duplicates),
            Metric(
                name: "ratebook_rate_lines_rejected", help: "Lines rejected, by reason code.",
                samples: RejectReason.allCases.sorted().map {
                    (labels + [("reason", $0.rawValue)], String(counts.rejected[$0] ?? 0))
                }),
            gauge("rated_lines", "Priced lines written to rated.ndjson.", Int64(ratedLines)),
        ] + timing("rate", labels, durationSeconds, finishedAtSeconds)
    }

    /// `invoice`'s metrics: invoices issued, amounts by currency (total, credits applied,
    /// amount due, as exact decimals), the duration and the end of the run.
    public static func invoice(
        period: String, invoices: Int, totals: [(currency: String, kind: String, amount: String)],
        durationSeconds: Double, finishedAtSeconds: Double
    ) -> [Metric] {
        let labels = [("period", period)]
        return [
            Metric(
                name: "ratebook_invoice_invoices", help: "Invoices issued.",
                samples: [(labels, String(invoices))]),
            Metric(
                name: "ratebook_invoice_amount",
                help: "Amounts invoiced, by currency and kind (total, credits_applied, "
                    + "amount_due).",
                samples: totals.map {
                    (labels + [("currency", $0.currency), ("kind", $0.kind)], $0.amount)
                }),
        ] + timing("invoice", labels, durationSeconds, finishedAtSeconds)
    }

    /// Writes `metrics` to `path` after a run's outputs are committed; the message to end the
    /// run with (exit 3) when it cannot, else nil.
    public static func write(_ metrics: [Metric], to path: String) -> String? {
        do {
            try MetricsFile.write(metrics, to: path)
            return nil
        } catch {
            return "the outputs are in place, but the metrics file was not written: \(error)"
        }
    }

    static func timing(
        _ stage: String, _ labels: [(String, String)], _ duration: Double, _ finished: Double
    ) -> [Metric] {
        [
            Metric(
                name: "ratebook_\(stage)_duration_seconds", help: "Wall time of the run.",
                samples: [(labels, seconds(duration, digits: 3))]),
            Metric(
                name: "ratebook_\(stage)_last_success_timestamp_seconds",
                help: "When the last successful run ended (Unix time).",
                samples: [(labels, seconds(finished, digits: 0))]),
        ]
    }

    /// Seconds with `digits` decimals, in plain notation (no exponent).
    static func seconds(_ value: Double, digits: Int) -> String {
        let scale = Int128(Rational.powerOfTen(digits))
        let scaled = Int128((value * Double(scale)).rounded())
        return DecimalText.format(significand: scaled, scale: digits, minimumScale: digits)
    }
}
