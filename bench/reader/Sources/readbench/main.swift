// readbench THREADS WORK INPUT...
//   THREADS  decoding threads (0: everything on the caller's thread, the reader of before)
//   WORK     none (empty onLine) or fnv (FNV-1a over every line's bytes, about 1 ns a byte:
//            a stand-in for the event parser's ~200 ns per line)
//   INPUT    files, or one folder whose regular files are read in byte order of their names
// Prints one line on standard error: threads, work, inputs, lines, decompressed bytes, wall
// and CPU seconds (all threads, and the caller's thread alone).
import Foundation
import Formats

let arguments = CommandLine.arguments
guard arguments.count >= 4, let threads = Int(arguments[1]),
    ["none", "fnv"].contains(arguments[2])
else {
    FileHandle.standardError.write(Data("usage: readbench THREADS none|fnv INPUT...\n".utf8))
    exit(1)
}
let hashesLines = arguments[2] == "fnv"
var paths = Array(arguments[3...])
var isDirectory: ObjCBool = false
if paths.count == 1, FileManager.default.fileExists(atPath: paths[0], isDirectory: &isDirectory),
    isDirectory.boolValue
{
    let folder = paths[0]
    paths = try FileManager.default.contentsOfDirectory(atPath: folder)
        .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        .map { folder + "/" + $0 }
}
let inputs = paths.map { InputFile(displayName: ($0 as NSString).lastPathComponent, path: $0) }

/// CPU seconds of the calling thread so far: the caller's share, where the callbacks run.
func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// User plus system CPU seconds of the process so far.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    return user + system
}

let reader = InputReader(limits: InputLimits(), decodingThreads: threads)
var lines = 0
var bytes = 0
var hash: UInt64 = 0xcbf2_9ce4_8422_2325
let cpuStart = cpuSeconds()
let callerCPUStart = threadCPUSeconds()
let start = DispatchTime.now().uptimeNanoseconds
let summaries = try reader.read(
    inputs, onFile: { _ in }, onSource: { _ in },
    onLine: { line in
        lines += 1
        bytes += line.bytes.count
        if hashesLines {
            for byte in line.bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
    })
let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
let cpu = cpuSeconds() - cpuStart
let callerCPU = threadCPUSeconds() - callerCPUStart
let first = summaries.first?.sha256.prefix(12) ?? ""
// On standard error, which bench/reader/run.sh keeps in its logs.
FileHandle.standardError.write(Data((
    "threads \(threads)  work \(arguments[2])  inputs \(summaries.count)  lines \(lines)  "
        + "bytes \(bytes)  wall \(String(format: "%.3f", wall)) s  "
        + "cpu \(String(format: "%.3f", cpu)) s  "
        + "caller thread cpu \(String(format: "%.3f", callerCPU)) s  (fnv \(String(hash, radix: 16)), sha256 \(first))\n").utf8))
