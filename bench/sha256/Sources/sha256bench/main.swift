internal import Crypto
import Glibc

// Hashes one pseudo-random buffer in 1 MiB updates (as StoredByteSource does) with Ratebook's
// SHA256 and with swift-crypto's, and prints the best of ROUNDS in MB/s (10^6 bytes a second)
// and the digest. Usage: sha256bench [MIB] [ROUNDS] [FILE]; FILE receives the buffer, so
// `sha256sum FILE` can be timed and compared on the same bytes.
let arguments = CommandLine.arguments
let totalBytes = (arguments.count > 1 ? Int(arguments[1])! : 512) << 20
let rounds = arguments.count > 2 ? Int(arguments[2])! : 3
let updateBytes = 1 << 20

var buffer = [UInt8](repeating: 0, count: totalBytes)
var seed: UInt64 = 0x9e37_79b9_7f4a_7c15
for index in buffer.indices {
    seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    buffer[index] = UInt8(truncatingIfNeeded: seed >> 56)
}

/// Monotonic seconds.
func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// Passes the buffer to `update` in 1 MiB slices, in order.
func feed(_ update: (UnsafeRawBufferPointer) -> Void) {
    buffer.withUnsafeBytes { bytes in
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + updateBytes, bytes.count)
            update(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
            offset = end
        }
    }
}

/// Runs `hashAll` (which hashes the whole buffer) `rounds` times; prints the best rate.
func measure(_ label: String, _ hashAll: () -> String) {
    var bestRate = 0.0
    var digest = ""
    for _ in 0..<rounds {
        let start = now()
        digest = hashAll()
        bestRate = max(bestRate, Double(totalBytes) / (now() - start) / 1e6)
    }
    print("\(label)\t\(Int(bestRate)) MB/s\t\(digest)")
}

measure("Ratebook SHA256") {
    var state = SHA256()
    feed { state.update($0) }
    return SHA256.hex(state.finalize())
}
measure("Crypto.SHA256") {
    var state = Crypto.SHA256()
    feed { state.update(bufferPointer: $0) }
    return SHA256.hex(state.finalize())
}
if arguments.count > 3, let file = fopen(arguments[3], "wb") {
    _ = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    fclose(file)
}
