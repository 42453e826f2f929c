import Formats
import Foundation
import Ingest
import Pricing

/// One `rate` run: load, read, collect, rate, write. Every failure maps to an exit status and
/// a message on standard error; nothing is written unless the whole run succeeds.
public struct RateJob {
    let catalogPath: String
    let customersPath: String
    let month: YearMonth
    let outputPath: String
    let inputs: [String]
    let maxRejectRate: Rational?
    let limits: InputLimits
    let ingestLimits: IngestLimits
    /// `--metrics-file`: written after a successful run only.
    public var metricsPath: String? = nil
    /// `--gauges`: the previous period's `gauges.ndjson`, the opening levels (SPEC §13.3).
    public var gaugesPath: String? = nil
    /// `--resolutions`: decisions about event keys (SPEC §13.4), nil when not given.
    public var resolutionsPath: String? = nil

    /// A run over checked options (the command line has validated each).
    public init(
        catalogPath: String, customersPath: String, month: YearMonth, outputPath: String,
        inputs: [String], maxRejectRate: Rational?, limits: InputLimits,
        ingestLimits: IngestLimits
    ) {
        self.catalogPath = catalogPath
        self.customersPath = customersPath
        self.month = month
        self.outputPath = outputPath
        self.inputs = inputs
        self.maxRejectRate = maxRejectRate
        self.limits = limits
        self.ingestLimits = ingestLimits
    }

    func fail(_ status: ExitStatus, _ message: String) -> ExitStatus {
        RunLog.error("rate", message)
        return status
    }

    public func run() -> ExitStatus {
        let started = Date()
        // 0. An output folder overlapping an input would delete or re-read it: refuse first.
        let named =
            [("--catalog", catalogPath), ("--customers", customersPath)]
            + (gaugesPath.map { [("--gauges", $0)] } ?? [])
            + (resolutionsPath.map { [("--resolutions", $0)] } ?? [])
        if let conflict = OutputOverlap.firstConflict(
            output: outputPath, inputs: named + inputs.map { ("input", $0) })
        {
            return fail(.usage, "\(conflict)")
        }
        // 1. Configuration: unreadable files are usage errors, invalid ones exit 2.
        let configuration: StageConfiguration
        do {
            configuration = try StageConfiguration.load(
                catalogPath: catalogPath, customersPath: customersPath)
        } catch {
            return fail(error.status, error.message)
        }
        // 1b. Opening gauge levels: a bad row is a usage error, every problem listed.
        var gauges: (file: ConfigFile, levels: [GaugeLevel])?
        if let gaugesPath {
            do {
                let file = try ConfigFile(path: gaugesPath, bytesMax: GaugesFile.fileBytesMax)
                let levels = try GaugesFile.read(
                    text: file.text, file: file.name, catalog: configuration.catalog,
                    customers: configuration.customers)
                gauges = (file, levels)
            } catch {
                return fail(.usage, "\(error)")
            }
        }
        // The resolutions file is read now (unreadable: a usage error, like the catalog); its
        // lines are checked with the catalog before any input is read (`produce`).
        var resolutionsFile: (file: ConfigFile, bytes: [UInt8])?
        if let resolutionsPath {
            do {
                let bytes = try ConfigFile.readBytes(
                    path: resolutionsPath, bytesMax: ConfigLimits().fileBytesMax)
                let name = (resolutionsPath as NSString).lastPathComponent
                resolutionsFile = (ConfigFile(name: name, bytes: bytes), bytes)
            } catch {
                return fail(.usage, "\(error)")
            }
        }
        // 2. Inputs, sorted by display name; standard input is spooled so conflicts can be
        //    located again.
        let selection: InputSelection
        do {
            selection = try selectInputs(inputs)
        } catch {
            return fail(.usage, "\(error)")
        }
        var spool: StandardInputSpool?
        var files = selection.files
        if let index = files.firstIndex(where: { $0.path == nil }) {
            do {
                let spooled = try StandardInputSpool()
                spool = spooled
                files[index] = InputFile(displayName: files[index].displayName, path: spooled.path)
            } catch {
                return fail(.inputError, "-: cannot read standard input: \(error)")
            }
        }
        defer { spool?.remove() }
        // 3. The output folder: locked now, so a second run fails before reading anything.
        let folder: OutputFolder
        do {
            folder = try OutputFolder.lockedForRun(target: outputPath)
        } catch {
            return fail(error.status, error.message)
        }
        do {
            let (status, counts, ratedLines) = try produce(
                catalog: configuration.catalog, customers: configuration.customers, files: files,
                selection: selection, catalogFile: configuration.catalogFile,
                customersFile: configuration.customersFile, gauges: gauges,
                resolutionsFile: resolutionsFile, folder: folder)
            try folder.commit()
            if status == .success, let metricsPath,
                let problem = RunMetrics.write(
                    RunMetrics.rate(
                        period: month.description, counts: counts, ratedLines: ratedLines,
                        durationSeconds: Date().timeIntervalSince(started),
                        finishedAtSeconds: Date().timeIntervalSince1970), to: metricsPath)
            {
                return fail(.inputError, problem)
            }
            return status
        } catch {
            let failure = RunFailure(error, doing: "rating")
            if failure.abandon { folder.abandon() }
            return fail(failure.status, failure.message)
        }
    }

    /// Reads every input, rates, and writes the outputs into `folder`.
    func produce(
        catalog: Catalog, customers: [Customer], files: [InputFile], selection: InputSelection,
        catalogFile: ConfigFile, customersFile: ConfigFile,
        gauges: (file: ConfigFile, levels: [GaugeLevel])? = nil,
        resolutionsFile: (file: ConfigFile, bytes: [UInt8])? = nil, folder: OutputFolder
    ) throws -> (ExitStatus, LineCounts, Int) {
        // Admitted events are kept (dims interned, partitioned, spilled) on a thread of their
        // own while this one scans and admits; the same bytes as one thread (RecordKeeper).
        var collectorLimits = ingestLimits
        collectorLimits.intakeThreads = 2
        let collector = UsageIngest(
            catalog: catalog, customers: customers, month: month, limits: collectorLimits)
        collector.openingGauges = gauges?.levels ?? []
        // Resolutions: every bad line, and every replacement the catalog or customers refuse,
        // listed at once (exit 2) before any input is read.
        var resolutions: [Resolution] = []
        if let resolutionsFile {
            let parsed = ResolutionsParser(file: resolutionsFile.file.name).parse(
                resolutionsFile.bytes)
            resolutions = parsed.resolutions
            let refused = collector.setResolutions(resolutions, file: resolutionsFile.file.name)
            let errors = (parsed.errors + refused).enumerated().sorted {
                ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset)
            }.map(\.element)
            if !errors.isEmpty { throw ConfigErrors(errors) }
        }
        var intake = LineIntake(ingest: collector, lineBytesMax: limits.lineBytesMax)
        let reader = InputReader(limits: limits)
        var sources: [(file: String, member: String?)] = []
        // Rejects are encoded as found and spooled (to a temporary file past 8 MiB).
        let rejects = RejectSpool(
            memoryBytes: min(8 << 20, ingestLimits.memoryBytes / 8),
            folder: ingestLimits.spillFolder)
        // On a terminal, a progress line while reading (docs/DECISIONS.md, "The progress
        // line"); the reader counts for it once per block, never per line.
        let counters = InputProgress()
        let progress = ProgressLine.startedOnStandardError(
            stage: "rate", totalBytes: RateJob.totalStoredBytes(selection.files),
            counters: counters)
        if progress != nil { reader.progress = counters }
        // Inputs are decoded ahead on their own threads and handed over strictly in order.
        var currentFile = ""
        var currentSource: Int32 = -1
        let summaries: [InputSummary]
        do {
            // Ended (final state, newline) before anything else reaches standard error, also
            // when reading fails.
            defer { progress?.finish() }
            summaries = try reader.read(
                files, onFile: { currentFile = $0.displayName },
                onSource: { name in
                    sources.append((currentFile, RateJob.member(of: name, in: currentFile)))
                    currentSource = Int32(sources.count - 1)
                },
                onLine: { line in
                    let location = LineLocation(source: currentSource, line: Int64(line.number))
                    let reject = try intake.take(
                        line.bytes, isTooLong: line.isTooLong, at: location)
                    if let (reason, detail) = reject {
                        let source = sources[Int(currentSource)]
                        try rejects.append(
                            RejectRecord(
                                file: source.file, member: source.member, line: location.line,
                                reason: reason, detail: detail, raw: line.bytes),
                            source: currentSource)
                    }
                })
        }
        try checkMemberDisplayNames(summaries)
        // Nothing is left out without a word: hidden entries, links and special files are listed
        // in the manifest and named here (the first ten).
        let notRead = selection.skipped + summaries.flatMap(\.skippedMembers)
        if !notRead.isEmpty {
            let shown = notRead.prefix(10).joined(separator: ", ")
            let more = notRead.count > 10 ? " and \(notRead.count - 10) more" : ""
            let note =
                "\(notRead.count) entries not read (hidden, links or special files; "
                + "listed in manifest.json): \(shown)\(more)"
            StageLog("rate").notice(note)
        }
        let usage = try collector.finish(sources: sources)
        let resolutionsSection = try resolutionsFile.map {
            try RateJob.resolutionsSection(
                resolutions, file: $0.file, outcomes: usage.resolved, sources: sources)
        }
        // The raw lines of conflicting copies are read again on a thread of its own (a second
        // decompression of the inputs that hold one) while this thread rates and writes the
        // other outputs; rejects.ndjson is written once both are done.
        let conflictRead = BackgroundWork { [files, sources, limits] in
            try self.conflictRejects(
                usage.conflicts, files: files, sources: sources,
                reader: InputReader(limits: limits))
        }
        defer { _ = try? conflictRead.result() }
        let rating = try Rater(catalog: catalog, month: month).rate(
            customers: customers, aggregates: usage.aggregates)
        // One reject record per conflicting copy, whatever its raw line.
        try RateInvariants.check(
            counts: usage.counts,
            rejectRecords: rejects.reasons.merging(
                [.conflict: Int64(usage.conflicts.count)], uniquingKeysWith: +),
            lines: rating.lines, catalog: catalog)

        let periods = Dictionary(
            uniqueKeysWithValues: customers.map { ($0.id, $0.billingPeriod(startingIn: month)) })
        // Every output streams through a sink that hashes as it writes, in pieces of about
        // 64 KiB, so no output is held whole in memory.
        func streamed(
            _ name: String, _ body: (OutputSink) throws -> Void
        ) throws -> (
            String, String
        ) {
            let sink = try folder.stream(name)
            try body(sink)
            return (name, try sink.close())
        }
        func lines<Item>(
            _ items: [Item], into sink: OutputSink, _ encode: (Item, inout JSONWriter) -> Void
        ) throws {
            var writer = JSONWriter()
            for item in items {
                encode(item, &writer)
                if writer.bytes.count >= OutputBytes.chunkBytes { try writer.flush(to: sink) }
            }
            try writer.flush(to: sink)
        }
        var outputs: [(String, String)] = []
        // gauges.ndjson only when there are gauges, so other runs keep their outputs.
        if gauges != nil || catalog.meters.values.contains(where: { $0.per != nil }) {
            outputs.append(
                try streamed("gauges.ndjson") { sink in
                    try lines(usage.gauges, into: sink) { GaugesFile.line($0, into: &$1) }
                })
        }
        outputs.append(
            try streamed("included-credits.ndjson") { sink in
                try lines(rating.includedCredits, into: sink) {
                    RateOutputs.includedCreditLine($0, into: &$1)
                }
            })
        outputs.append(
            try streamed("rated.ndjson") { sink in
                try lines(rating.lines, into: sink) {
                    RateOutputs.ratedLine($0, period: periods[$0.customer]!, into: &$1)
                }
            })
        let usageOutput = try streamed("usage.ndjson") { sink in
            try lines(usage.aggregates, into: sink) {
                RateOutputs.usageLine($0, period: periods[$0.customer]!, into: &$1)
            }
        }
        let conflicts = try conflictRead.result()
        outputs.append(
            try streamed("rejects.ndjson") { sink in
                try rejects.write(sources: sources, later: conflicts) { try sink.write($0) }
            })
        outputs.append(usageOutput)

        var options: [(String, String?)] = [("period", month.description)]
        options.append(("max_reject_rate", maxRejectRate?.description))
        options.append(("max_input_bytes", String(limits.decompressedBytesMax)))
        let manifest = Manifest(
            stage: "rate", options: options,
            configuration: [("catalog", catalogFile), ("customers", customersFile)]
                + (gauges.map { [("gauges", $0.file)] } ?? []),
            inputs: summaries, skipped: selection.skipped, counts: usage.counts, outputs: outputs,
            resolutions: resolutionsSection)
        try folder.writeManifest(manifest)

        precondition(usage.counts.addsUp, "every line is accounted for")
        let counts = usage.counts
        let logger = StageLog("rate")
        let summary = RunSummary.rate(
            inputs: files.count, counts: counts, ratedLines: rating.lines.count)
        logger.info(summary)
        if let warning = RunSummary.rejectWarning(counts) { logger.warning(warning) }
        if let maxRejectRate, usage.counts.lines > 0 {
            let rate = try Rational(
                numerator: Int128(usage.counts.rejectedTotal),
                denominator: Int128(usage.counts.lines))
            if maxRejectRate < rate {
                let status = fail(
                    .tooManyRejects,
                    "\(usage.counts.rejectedTotal) of \(usage.counts.lines) lines rejected, over "
                        + "--max-reject-rate \(maxRejectRate); outputs written, see rejects.ndjson")
                return (status, counts, rating.lines.count)
            }
        }
        return (.success, counts, rating.lines.count)
    }

    /// The manifest's `resolutions` (SPEC §13.4): applied and unused, with the superseded
    /// copies named as in rejects. Throws every `keep` whose location holds no copy of its key
    /// (a line rejected for another reason, or no such line): exit 2.
    static func resolutionsSection(
        _ resolutions: [Resolution], file: ConfigFile, outcomes: [ResolutionOutcome],
        sources: [(file: String, member: String?)]
    ) throws -> ManifestResolutions {
        func location(_ place: LineLocation) -> ManifestResolutions.Location {
            let source = sources[Int(place.source)]
            return ManifestResolutions.Location(
                file: source.file, member: source.member, line: place.line)
        }
        func shown(_ place: LineLocation) -> String {
            let source = sources[Int(place.source)]
            return (source.member.map { "\(source.file)!\($0)" } ?? source.file)
                + ":\(place.line)"
        }
        var misses: [ConfigError] = []
        var applied: [ManifestResolutions.Entry] = []
        var found = Set<Int>()
        for outcome in outcomes {
            let resolution = resolutions[outcome.resolution]
            found.insert(outcome.resolution)
            if outcome.keepMissed,
                case .keep(let keptFile, let member, let line) = resolution.action
            {
                let named = (member.map { "\(keptFile)!\($0)" } ?? keptFile) + ":\(line)"
                misses.append(
                    ConfigError(
                        file: file.name, line: resolution.line, column: nil, path: "",
                        message: "keep names \(named), which holds no copy of customer "
                            + "\"\(resolution.customer)\" id "
                            + "\"\(resolution.id)\" (no such line, or a line "
                            + "rejected for another reason); its copies: "
                            + outcome.superseded.map(shown).joined(separator: ", ")))
                continue
            }
            applied.append(
                ManifestResolutions.Entry(
                    customer: resolution.customer, id: resolution.id,
                    action: resolution.action.name, reason: resolution.reason,
                    superseded: outcome.superseded.map(location)))
        }
        if !misses.isEmpty { throw ConfigErrors(misses) }
        let unused = resolutions.indices.filter { !found.contains($0) }.map { index in
            let resolution = resolutions[index]
            return ManifestResolutions.Entry(
                customer: resolution.customer, id: resolution.id,
                action: resolution.action.name, reason: resolution.reason, superseded: [])
        }
        return ManifestResolutions(file: FileRecord(file), applied: applied, unused: unused)
    }

    /// The stored size of every input, for the progress line: nil when one is standard input
    /// (its size is not known before it is read) or not a regular file (a FIFO's size says
    /// nothing).
    static func totalStoredBytes(_ files: [InputFile]) -> Int64? {
        var total: Int64 = 0
        for file in files {
            guard let path = file.path else { return nil }
            var status = stat()
            guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
                return nil
            }
            total += Int64(status.st_size)
        }
        return total
    }

    /// The member part of a source name (`batch.tar!part-3.ndjson` → `part-3.ndjson`).
    static func member(of source: String, in displayName: String) -> String? {
        guard source != displayName, source.hasPrefix(displayName + "!") else { return nil }
        return String(source.dropFirst(displayName.count + 1))
    }

    /// Reject lines for every copy of a conflicting event, with its raw line read again from
    /// the files that hold one (conflicts are rare; the first pass keeps no raw lines).
    func conflictRejects(
        _ conflicts: [ConflictCopy], files: [InputFile],
        sources: [(file: String, member: String?)], reader: InputReader
    ) throws -> [(source: Int32, record: RejectRecord)] {
        guard !conflicts.isEmpty else { return [] }
        // Per source, the wanted line numbers ascending (conflicts come sorted by location), so
        // each line read costs one comparison with the next wanted number.
        var wanted: [Int32: [Int64]] = [:]
        for conflict in conflicts
        where wanted[conflict.location.source]?.last != conflict.location.line {
            wanted[conflict.location.source, default: []].append(conflict.location.line)
        }
        let wantedFiles = Set(wanted.keys.map { sources[Int($0)].file })
        var raw: [LineLocation: [UInt8]] = [:]
        var sourceCursor: Int32 = -1
        for file in files {
            // Source indices repeat the first pass's order exactly.
            guard wantedFiles.contains(file.displayName) else {
                while Int(sourceCursor) + 1 < sources.count,
                    sources[Int(sourceCursor) + 1].file == file.displayName
                {
                    sourceCursor += 1
                }
                continue
            }
            var lines: [Int64] = []
            var next = 0
            _ = try reader.read(
                file,
                onSource: { _ in
                    sourceCursor += 1
                    lines = wanted[sourceCursor] ?? []
                    next = 0
                },
                onLine: { line in
                    guard next < lines.count, lines[next] == Int64(line.number) else { return }
                    next += 1
                    raw[LineLocation(source: sourceCursor, line: Int64(line.number))] =
                        Array(line.bytes.prefix(RejectRecord.rawBytesMax))
                })
        }
        return conflicts.map { conflict in
            let source = sources[Int(conflict.location.source)]
            let others = conflict.others.map { location -> String in
                let other = sources[Int(location.source)]
                let name = other.member.map { "\(other.file)!\($0)" } ?? other.file
                return "\(name):\(location.line)"
            }
            let detail =
                "event id \"\(conflict.id)\" of customer \"\(conflict.customer)\" has "
                + "differing copies; none is billed. Other copies: "
                + others.joined(separator: ", ")
            let bytes = raw[conflict.location] ?? []
            let record = bytes.withUnsafeBytes {
                RejectRecord(
                    file: source.file, member: source.member, line: conflict.location.line,
                    reason: .conflict, detail: detail, raw: $0)
            }
            return (conflict.location.source, record)
        }
    }
}

/// Standard input copied to a temporary file, so it can be read twice like any file.
final class StandardInputSpool {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/ratebook-stdin-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
        path = String(cString: template)
        let output = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        while true {
            let chunk = FileHandle.standardInput.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            try output.write(contentsOf: chunk)
        }
        try output.close()
    }

    func remove() {
        unlink(path)
    }
}

/// Work run on a thread of its own; `result()` waits for it and returns or rethrows.
final class BackgroundWork<Value>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var outcome: Result<Value, any Error>?
    /// Touched by the waiting thread only: the semaphore is signalled once.
    private var waited = false

    init(_ work: @escaping () throws -> Value) {
        let thread = Thread { [self] in
            outcome = Result { try work() }
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Waits for the work (once; later calls return the same outcome).
    func result() throws -> Value {
        if !waited {
            done.wait()
            waited = true
        }
        return try outcome!.get()
    }
}
