import ArgumentParser
import CommandSupport
import Formats
import Foundation
import Ingest
import Pipeline
import Pricing

/// `rate`: reads usage events, drops duplicates, aggregates and prices a billing period.
@main
struct RateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rate",
        abstract: "Aggregate and price a billing period's usage events.",
        discussion: """
            Reads NDJSON usage events (plain, .gz, .zst, .xz, .bz2, .tar, .tar.gz, .tar.zst, .zip; \
            files, directories or - for standard input), drops duplicates, and writes \
            usage.ndjson, rated.ndjson, rejects.ndjson, included-credits.ndjson, gauges.ndjson \
            (with time-weighted meters or --gauges) and manifest.json into --output, whole or not \
            at all.

            Example:
              rate --catalog catalog.yaml --customers customers.yaml --period 2026-10 \\
                   --output out/rate events/

            Exit codes: 0 success, 1 usage error, 2 invalid catalog, customers or resolutions, \
            3 input error, 4 too many rejects (outputs written), 5 output folder locked by \
            another run, 70 a self-check failed (a bug; nothing written).

            Also: rate verify DIR checks that an output folder is exactly what its run wrote; \
            rate diff RUN_A RUN_B says what changed between two runs and why; rate explain \
            --customer C RUN says where a customer's quantities came from (--help on each).
            """,
        version: FormatsVersion.tool)

    @OptionGroup var stage: StageOptions

    @OptionGroup var log: LogOptions

    @Option(
        help: """
            Fail (exit 4, outputs still written) when rejected lines exceed this fraction of all \
            lines. Example: --max-reject-rate 0.01
            """)
    var maxRejectRate: String?

    @Option(
        help:
            """
            Largest decompressed size of one input file, in bytes. \
            Example: --max-input-bytes 1000000000
            """
    )
    var maxInputBytes: Int64 = 64 << 30

    @Option(
        help: """
            Memory the run aims to stay under (K, M, G: binary units). Past a quarter of it, \
            events are spilled to temporary files in $TMPDIR (or /tmp), partitioned by event key; \
            the outputs are the same bytes at any limit. Example: --memory-limit 256M
            """)
    var memoryLimit: String = "1G"

    @Option(
        help: """
            After a successful run, write its counts, duration and end time to this file in the \
            Prometheus text format, atomically (node_exporter's textfile collector). \
            Example: --metrics-file /var/lib/node_exporter/ratebook_rate.prom
            """)
    var metricsFile: String?

    @Option(
        help: """
            The previous period's gauges.ndjson: each time_weighted gauge's opening level. \
            Example: --gauges out/rate-2026-09/gauges.ndjson
            """)
    var gauges: String?

    @Option(
        help: """
            NDJSON decisions about event keys, one line per (customer, id): keep one copy, drop \
            every copy, or replace them with a corrected event (docs/formats/resolutions.md). \
            Example: --resolutions resolutions.ndjson
            """)
    var resolutions: String?

    @Argument(help: "Event files, directories (read recursively) or - for standard input.")
    var inputs: [String] = []

    /// Parses the options and runs, exiting with Ratebook's codes (SPEC §10).
    static func main() {
        // Progress goes to standard error (cron logs); outputs never hold a log line.
        RunLog.bootstrap()
        runWithRatebookExitCodes(
            self, tools: stageTools(RateTool.self).merging(["explain": ExplainCommand.self]) { $1 })
    }

    func validate() throws {
        guard !inputs.isEmpty else {
            throw ValidationError("give at least one event file, directory or - for standard input")
        }
        if let maxRejectRate {
            guard case .success(let rate) = DecimalText.rational(maxRejectRate),
                !rate.isNegative, rate <= .one
            else {
                throw ValidationError(
                    "--max-reject-rate must be a fraction from 0 to 1, such as 0.01")
            }
        }
        guard maxInputBytes > 0 else { throw ValidationError("--max-input-bytes must be positive") }
        guard IngestLimits.bytes(memoryLimit) != nil else {
            throw ValidationError(
                "--memory-limit must be a positive size such as 1G, 256M or 1048576")
        }
    }

    func run() throws {
        log.apply()
        var maxRate: Rational?
        if let maxRejectRate, case .success(let rate) = DecimalText.rational(maxRejectRate) {
            maxRate = rate
        }
        var limits = InputLimits()
        limits.decompressedBytesMax = maxInputBytes
        var ingestLimits = IngestLimits()
        ingestLimits.memoryBytes = IngestLimits.bytes(memoryLimit)!
        var job = RateJob(
            catalogPath: stage.catalog, customersPath: stage.customers, month: stage.month!,
            outputPath: stage.output, inputs: inputs, maxRejectRate: maxRate, limits: limits,
            ingestLimits: ingestLimits)
        job.metricsPath = metricsFile
        job.gaugesPath = gauges
        job.resolutionsPath = resolutions
        let status = job.run()
        if status != .success { throw ExitCode(status.rawValue) }
    }
}
