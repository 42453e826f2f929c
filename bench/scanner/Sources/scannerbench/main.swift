import Formats
import Glibc
import Ingest
import Pricing

// Reads an NDJSON file (already decompressed), then times over all its lines, best of ROUNDS:
// EventScanner.scan alone, EventLineParser.parse alone, the two as rate would chain them (scan,
// and parse only where scan declines), and RFC3339.parse alone on each line's `ts` text. Also
// checks on every line that a line the scanner takes is an `.event` of the parser with the
// same content, and counts the parser's events the scanner declined.
// Usage: scannerbench FILE [ROUNDS [scan|parse]]
let arguments = CommandLine.arguments
guard arguments.count > 1 else {
    print("usage: scannerbench FILE [ROUNDS]")
    exit(2)
}
let rounds = arguments.count > 2 ? Int(arguments[2])! : 3

func readAll(_ path: String) -> [UInt8] {
    guard let file = fopen(path, "rb") else {
        print("cannot open \(path)")
        exit(1)
    }
    defer { fclose(file) }
    var data: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let read = fread(&chunk, 1, chunk.count, file)
        if read <= 0 { break }
        data.append(contentsOf: chunk[0..<read])
    }
    return data
}

/// This thread's CPU time in nanoseconds: on a shared machine, wall time counts other
/// processes' turns too.
func now() -> Int {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return spec.tv_sec * 1_000_000_000 + spec.tv_nsec
}

let data = readAll(arguments[1])
// Line starts and ends (without LF or CR LF).
var starts: [Int] = []
var ends: [Int] = []
data.withUnsafeBytes { bytes in
    var start = 0
    while start < bytes.count {
        var end = start
        while end < bytes.count && bytes[end] != 0x0A { end += 1 }
        var lineEnd = end
        if lineEnd > start && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
        starts.append(start)
        ends.append(lineEnd)
        start = end + 1
    }
}
let lineCount = starts.count
let lineBytes = zip(starts, ends).reduce(0) { $0 + $1.1 - $1.0 }
print("\(lineCount) lines, \(lineBytes / max(lineCount, 1)) bytes a line on average")

/// Runs `body` `rounds` times and prints the best time per line.
func measure(_ label: String, _ body: (UnsafeRawBufferPointer) -> Int) {
    var best = Int.max
    var result = 0
    data.withUnsafeBytes { bytes in
        for _ in 0..<rounds {
            let start = now()
            result = body(bytes)
            best = min(best, now() - start)
        }
    }
    let perLine = Double(best) / Double(lineCount)
    let perLineText =
        String(Int(perLine * 10)).dropLast() + "." + String(Int(perLine * 10)).suffix(1)
    print("\(label): \(perLineText) ns of CPU a line (best of \(rounds); result \(result))")
}

/// Line offsets as one buffer of (start, end) pairs: globals would be checked for exclusive
/// access on every read, which would be timed with the scanner.
let bounds = UnsafeMutablePointer<Int>.allocate(capacity: 2 * lineCount)
for index in 0..<lineCount {
    bounds[2 * index] = starts[index]
    bounds[2 * index + 1] = ends[index]
}

@inline(__always)
func line(_ bytes: UnsafeRawBufferPointer, _ index: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(
        start: bytes.baseAddress! + bounds[2 * index],
        count: bounds[2 * index + 1] - bounds[2 * index])
}

// `scannerbench FILE ROUNDS scan` times the scanner alone, `… parse` the parser alone (for a
// profiler, or callgrind's instruction counts).
if arguments.count > 3 && arguments[3] == "scan" {
    measure("EventScanner.scan") { bytes in
        var scanner = EventScanner()
        var event = ScannedEvent()
        var taken = 0
        for index in 0..<lineCount where scanner.scan(line(bytes, index), into: &event) {
            taken &+= 1
        }
        return taken
    }
    exit(0)
}
if arguments.count > 3 && arguments[3] == "parse" {
    measure("EventLineParser.parse") { bytes in
        let parser = EventLineParser()
        var accepted = 0
        for index in 0..<lineCount {
            if case .event = parser.parse(line(bytes, index)) { accepted &+= 1 }
        }
        return accepted
    }
    exit(0)
}

// The rule, over every line: taken ⇒ the parser's event with the same content.
var scanner = EventScanner()
var scanned = ScannedEvent()
var events = 0
var taken = 0
var declinedEvents: [Int] = []
data.withUnsafeBytes { bytes in
    for index in 0..<lineCount {
        let text = line(bytes, index)
        let fast = scanner.scan(text, into: &scanned)
        let slow = EventLineParser().parse(text)
        if fast { taken += 1 }
        guard case .event(let event) = slow else {
            if fast {
                print("RULE BROKEN at line \(index + 1): taken, parser says \(slow)")
                exit(1)
            }
            continue
        }
        events += 1
        guard fast else {
            declinedEvents.append(index)
            continue
        }
        func same(_ span: ByteSpan, _ string: String) -> Bool {
            span.bytes(in: text).elementsEqual(string.utf8)
        }
        var equal =
            same(scanned.id, event.id) && same(scanned.customer, event.customer)
            && same(scanned.meter, event.meter) && scanned.instant == event.instant
            && scanned.quantityNanos == event.quantityNanos && scanned.dimsCount == event.dims.count
        for (position, dimension) in event.dims.enumerated() where equal {
            equal =
                same(scanned.dimKey(position), dimension.key)
                && same(scanned.dimValue(position), dimension.value)
        }
        if !equal {
            print("RULE BROKEN at line \(index + 1): different content")
            exit(1)
        }
    }
}
print(
    "parser events \(events), scanner took \(taken), declined events \(declinedEvents.count) "
        + "(\(declinedEvents.count * 1_000_000 / max(events, 1)) per million events)")
for index in declinedEvents.prefix(5) {
    data.withUnsafeBytes {
        print("  declined: " + String(decoding: line($0, index), as: UTF8.self))
    }
}

measure("EventScanner.scan") { bytes in
    var scanner = EventScanner()
    var event = ScannedEvent()
    var taken = 0
    for index in 0..<lineCount where scanner.scan(line(bytes, index), into: &event) {
        taken &+= Int(event.quantityNanos ?? 0 > 0 ? 1 : 0) &+ event.dimsCount
    }
    return taken
}
measure("EventLineParser.parse") { bytes in
    let parser = EventLineParser()
    var accepted = 0
    for index in 0..<lineCount {
        if case .event(let event) = parser.parse(line(bytes, index)) {
            accepted &+= event.dims.count
        }
    }
    return accepted
}
measure("scan, parse where declined") { bytes in
    var scanner = EventScanner()
    var event = ScannedEvent()
    let parser = EventLineParser()
    var accepted = 0
    for index in 0..<lineCount {
        let text = line(bytes, index)
        if scanner.scan(text, into: &event) {
            accepted &+= 1
        } else if case .event = parser.parse(text) {
            accepted &+= 1
        }
    }
    return accepted
}
// The `ts` text of each line, found by a plain search, for RFC3339.parse alone.
var timestampRanges: [(Int, Int)] = []
data.withUnsafeBytes { bytes in
    let key = Array(#""ts":""#.utf8)
    for index in 0..<lineCount {
        var position = starts[index]
        let end = ends[index]
        while position + key.count <= end {
            if bytes[position] == key[0]
                && key.indices.allSatisfy({ bytes[position + $0] == key[$0] })
            {
                let start = position + key.count
                var stop = start
                while stop < end && bytes[stop] != 0x22 { stop += 1 }
                timestampRanges.append((start, stop))
                break
            }
            position += 1
        }
    }
}
measure("RFC3339.parse on the ts text") { bytes in
    var sum: Int64 = 0
    for (start, stop) in timestampRanges {
        if let instant = RFC3339.parse(UnsafeRawBufferPointer(rebasing: bytes[start..<stop])) {
            sum &+= instant.secondsSinceEpoch
        }
    }
    return Int(truncatingIfNeeded: sum)
}
