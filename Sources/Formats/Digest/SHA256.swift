/// SHA-256 (FIPS 180-4, section 6.2), computed incrementally over byte buffers.
///
/// Used to fingerprint every input file's stored bytes for the run manifest, so it must keep up
/// with decompression: one `update` call processes whole 64-byte blocks straight from the
/// caller's buffer, and the message schedule lives in one stack allocation per call, never one
/// heap allocation per block. Cost is O(n) in the bytes hashed.
public struct SHA256 {
    /// Initial hash value H(0): the first 32 bits of the fractional parts of the square roots of
    /// the first eight primes (FIPS 180-4, 5.3.3).
    private static let initialHashValue: [UInt32] = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a,
        0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]

    /// Round constants K: the first 32 bits of the fractional parts of the cube roots of the
    /// first sixty-four primes (FIPS 180-4, 4.2.2).
    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1,
        0x923f_82a4, 0xab1c_5ed5, 0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3,
        0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174, 0xe49b_69c1, 0xefbe_4786,
        0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147,
        0x06ca_6351, 0x1429_2967, 0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13,
        0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85, 0xa2bf_e8a1, 0xa81a_664b,
        0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a,
        0x5b9c_ca4f, 0x682e_6ff3, 0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208,
        0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// The block size of SHA-256 in bytes (512 bits).
    private static let blockBytes = 64

    /// The running hash value H(i), eight 32-bit words.
    private var hashValue: [UInt32] = SHA256.initialHashValue
    /// Bytes of an incomplete block carried between `update` calls (always 64 slots).
    private var pendingBlock: [UInt8] = Array(repeating: 0, count: SHA256.blockBytes)
    /// How many leading bytes of `pendingBlock` hold message bytes; always below 64.
    private var pendingCount = 0
    /// The message length so far in bytes; the padding records it in bits.
    private var messageBytes: UInt64 = 0
    /// Whether `finalize` has run; a finalized value must not be updated again.
    private var isFinalized = false

    /// Creates a hash state for an empty message.
    public init() {}

    /// Appends `bytes` to the message.
    ///
    /// - Precondition: `finalize()` has not been called on this value.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!isFinalized, "SHA256.update after finalize")
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        messageBytes &+= UInt64(bytes.count)
        var consumed = 0
        let byteCount = bytes.count
        let blockBytes = SHA256.blockBytes
        var pendingCount = self.pendingCount
        hashValue.withUnsafeMutableBufferPointer { hashValue in
            pendingBlock.withUnsafeMutableBytes { pendingBlock in
                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
                    if pendingCount > 0 {
                        let taken = min(blockBytes - pendingCount, byteCount)
                        (pendingBlock.baseAddress! + pendingCount)
                            .copyMemory(from: base, byteCount: taken)
                        pendingCount += taken
                        consumed = taken
                        if pendingCount == blockBytes {
                            SHA256.compress(
                                UnsafeRawPointer(pendingBlock.baseAddress!), hashValue, schedule)
                            pendingCount = 0
                        }
                    }
                    while byteCount - consumed >= blockBytes {
                        SHA256.compress(base + consumed, hashValue, schedule)
                        consumed += blockBytes
                    }
                    if consumed < byteCount {
                        precondition(pendingCount == 0, "SHA256: partial block left behind")
                        pendingBlock.baseAddress!
                            .copyMemory(from: base + consumed, byteCount: byteCount - consumed)
                        pendingCount = byteCount - consumed
                    }
                }
            }
        }
        self.pendingCount = pendingCount
    }

    /// Pads the message (FIPS 180-4, 5.1.1) and returns the 32-byte digest.
    ///
    /// - Precondition: called at most once per value.
    public mutating func finalize() -> [UInt8] {
        precondition(!isFinalized, "SHA256.finalize called twice")
        let messageBits = messageBytes &* 8
        // One 0x80 byte, then zeros until the length is 56 mod 64, then the 64-bit bit length.
        let zeroCount = (SHA256.blockBytes + 55 - pendingCount) % SHA256.blockBytes
        var padding: [UInt8] = [0x80] + Array(repeating: 0, count: zeroCount)
        for shift in stride(from: 56, through: 0, by: -8) {
            padding.append(UInt8(truncatingIfNeeded: messageBits >> UInt64(shift)))
        }
        padding.withUnsafeBytes { update($0) }
        precondition(pendingCount == 0, "SHA256: padding did not end on a block boundary")
        isFinalized = true
        var digest: [UInt8] = []
        digest.reserveCapacity(32)
        for word in hashValue {
            digest.append(UInt8(truncatingIfNeeded: word >> 24))
            digest.append(UInt8(truncatingIfNeeded: word >> 16))
            digest.append(UInt8(truncatingIfNeeded: word >> 8))
            digest.append(UInt8(truncatingIfNeeded: word))
        }
        return digest
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

    /// Processes one 64-byte block (FIPS 180-4, 6.2.2) into `hashValue`.
    ///
    /// `schedule` is scratch space for the 64-word message schedule W.
    @inline(__always)
    private static func compress(
        _ block: UnsafeRawPointer,
        _ hashValue: UnsafeMutableBufferPointer<UInt32>,
        _ schedule: UnsafeMutableBufferPointer<UInt32>
    ) {
        for index in 0..<16 {
            schedule[index] = UInt32(
                bigEndian: block.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
        }
        for index in 16..<64 {
            let w15 = schedule[index - 15]
            let w2 = schedule[index - 2]
            let sigma0 = rotateRight(w15, 7) ^ rotateRight(w15, 18) ^ (w15 >> 3)
            let sigma1 = rotateRight(w2, 17) ^ rotateRight(w2, 19) ^ (w2 >> 10)
            schedule[index] = sigma1 &+ schedule[index - 7] &+ sigma0 &+ schedule[index - 16]
        }
        var a = hashValue[0]
        var b = hashValue[1]
        var c = hashValue[2]
        var d = hashValue[3]
        var e = hashValue[4]
        var f = hashValue[5]
        var g = hashValue[6]
        var h = hashValue[7]
        roundConstants.withUnsafeBufferPointer { constants in
            for index in 0..<64 {
                let bigSigma1 = rotateRight(e, 6) ^ rotateRight(e, 11) ^ rotateRight(e, 25)
                let choose = (e & f) ^ (~e & g)
                let temporary1 = h &+ bigSigma1 &+ choose &+ constants[index] &+ schedule[index]
                let bigSigma0 = rotateRight(a, 2) ^ rotateRight(a, 13) ^ rotateRight(a, 22)
                let majority = (a & b) ^ (a & c) ^ (b & c)
                let temporary2 = bigSigma0 &+ majority
                h = g
                g = f
                f = e
                e = d &+ temporary1
                d = c
                c = b
                b = a
                a = temporary1 &+ temporary2
            }
        }
        hashValue[0] &+= a
        hashValue[1] &+= b
        hashValue[2] &+= c
        hashValue[3] &+= d
        hashValue[4] &+= e
        hashValue[5] &+= f
        hashValue[6] &+= g
        hashValue[7] &+= h
    }

    /// Rotates `value` right by `count` bits (ROTR, FIPS 180-4, 3.2).
    @inline(__always)
    private static func rotateRight(_ value: UInt32, _ count: UInt32) -> UInt32 {
        (value >> count) | (value << (32 - count))
    }
}
