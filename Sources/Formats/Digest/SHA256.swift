internal import Crypto

/// SHA-256 (FIPS 180-4), computed incrementally over byte buffers.
///
/// Used to fingerprint every input file's stored bytes for the run manifest, so it must keep up
/// with decompression. The work is swift-crypto's (BoringSSL's assembly, using the CPU's SHA
/// extensions where present): measured about 6.7 times faster than the hand-written Swift it
/// replaced (bench/sha256/README.md). This type keeps Ratebook's own small API so call sites
/// do not depend on swift-crypto. Cost is O(n) in the bytes hashed.
public struct SHA256 {
    /// The running swift-crypto state; it holds the pending partial block itself.
    private var state = Crypto.SHA256()
    /// Whether `finalize` has run; a finalized value must not be updated again.
    private var isFinalized = false

    /// Creates a hash state for an empty message.
    public init() {}

    /// Appends `bytes` to the message.
    ///
    /// - Precondition: `finalize()` has not been called on this value.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!isFinalized, "SHA256.update after finalize")
        state.update(bufferPointer: bytes)
    }

    /// Pads the message and returns the 32-byte digest.
    ///
    /// - Precondition: called at most once per value.
    public mutating func finalize() -> [UInt8] {
        precondition(!isFinalized, "SHA256.finalize called twice")
        isFinalized = true
        return Array(state.finalize())
    }

    /// Formats bytes as lowercase hexadecimal, two digits per byte.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Returns the lowercase hexadecimal SHA-256 of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> String {
        var state = SHA256()
        bytes.withUnsafeBytes { state.update($0) }
        return hex(state.finalize())
    }
}
