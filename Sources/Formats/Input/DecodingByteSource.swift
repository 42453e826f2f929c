import CZlib
import Glibc

/// The layer between stored bytes (a file, or an archive member's data) and libarchive: decodes
/// gzip itself and passes any other content through unchanged.
///
/// Why not libarchive's gzip filter: it does not check a member's CRC-32 and ISIZE trailer, and
/// it stops without a word at a damaged second member header or at bytes after the last member,
/// so corrupt data was billed and events were dropped. Here zlib checks every member (windowBits
/// 15 + 16), members are read until the input ends, and whatever follows the last member must
/// be another member or NUL padding (like gzip(1), which ignores trailing zeros from tape
/// blocking); anything else fails the input. libarchive still sees decompressed bytes, so tar,
/// zip and raw detection works as before; libarchive's gzip filter stays disabled.
///
/// Content is recognised by the gzip magic (1f 8b) in the first two bytes, never by name. The
/// layer also records where the last block it handed on started, so the reader can check what
/// libarchive leaves unread (see `drain`). It is general on purpose: another decoder (a direct
/// zstd path) can be added as one more mode.
final class DecodingByteSource: ArchiveByteSource {
    /// Decompressed bytes produced per `inflate` call, at most.
    static let outputBytesMax = 256 << 10

    /// What the layer does with the upstream bytes.
    private enum Mode {
        /// The first bytes have not been looked at yet.
        case undecided
        /// Not gzip: upstream blocks are handed on as they are.
        case passThrough
        /// Inside a gzip member.
        case gzipMember
        /// A member ended; the next byte decides: another member, NUL padding, or an error.
        case gzipBetweenMembers
        /// NUL bytes after the last member; only NUL may follow.
        case gzipPadding
        /// The upstream ended cleanly.
        case finished
        /// Decoding or the upstream failed; every later read fails too.
        case failed
    }

    /// The bytes decoded or passed on.
    private let upstream: ArchiveByteSource
    /// The current mode.
    private var mode = Mode.undecided
    /// Upstream blocks already fetched (while sniffing) and not yet handed on or decoded.
    private var queued: [UnsafeRawBufferPointer] = []
    /// Holds a lone first byte 1f while the next upstream block is fetched (the first block may
    /// be a single byte), since the upstream may reuse its buffer.
    private let carry: UnsafeMutableRawBufferPointer
    /// zlib's stream; heap-allocated because zlib keeps a pointer back to it.
    private let stream: UnsafeMutablePointer<z_stream>
    /// Whether `inflateInit2` succeeded, so `inflateEnd` is owed.
    private var isInflateInitialized = false
    /// The decompressed-bytes buffer handed to libarchive.
    private let output: UnsafeMutableRawBufferPointer
    /// Upstream bytes consumed so far (the offset in the compressed data).
    private var upstreamOffset: Int64 = 0
    /// The upstream offset where the current gzip member started.
    private var memberStart: Int64 = 0
    /// The 1-based number of the current gzip member.
    private var memberNumber = 1
    /// Bytes handed on so far (decompressed offset).
    private(set) var deliveredBytes: Int64 = 0
    /// The last block handed on and its offset; valid until the next `readBlock`.
    private var lastBlock = UnsafeRawBufferPointer(start: nil, count: 0)
    /// The decompressed offset of `lastBlock`.
    private var lastBlockStart: Int64 = 0
    /// A copy of the last `tailBytesMax` bytes before `lastBlock` (the previous block's end,
    /// whose buffer the upstream may have reused): a tar's end marker can straddle two blocks,
    /// and libarchive may look ahead one block past what it consumes.
    private let tail: UnsafeMutableRawBufferPointer
    /// How many bytes of `tail` are valid; they end at `lastBlockStart`.
    private var tailCount = 0
    /// Bytes of the previous block kept in `tail`: two tar blocks.
    static let tailBytesMax = 1024
    /// Why the layer failed, for the error report; nil when the upstream itself failed.
    private(set) var failureMessage: String?
    /// Where the failure was found, in upstream (stored or member) bytes.
    private(set) var failureOffset: Int64?

    /// Layers over `upstream`.
    init(upstream: ArchiveByteSource) {
        self.upstream = upstream
        carry = .allocate(byteCount: 1, alignment: 1)
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        output = .allocate(byteCount: DecodingByteSource.outputBytesMax, alignment: 16)
        tail = .allocate(byteCount: DecodingByteSource.tailBytesMax, alignment: 16)
    }

    deinit {
        if isInflateInitialized { inflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
        carry.deallocate()
        output.deallocate()
        tail.deallocate()
    }

    /// Returns the next decoded (or passed-on) block.
    func readBlock() -> ArchiveSourceBlock {
        let block = nextBlock()
        if case .bytes(let bytes) = block { noteDelivered(bytes) }
        return block
    }

    /// Forwards a seek in pass-through mode (zip inputs); a gzip stream cannot seek.
    ///
    /// Seeking is only enabled for inputs that start with a zip signature, so a seek before
    /// the first read settles the mode as pass-through.
    func seek(offset: Int64, whence: Int32) -> Int64 {
        if case .undecided = mode { mode = .passThrough }
        guard case .passThrough = mode else { return -1 }
        queued.removeAll()
        return upstream.seek(offset: offset, whence: whence)
    }

    /// Reads the rest of the upstream after libarchive stopped, so every gzip trailer is checked
    /// even when libarchive did not need the last bytes (a tar's end padding).
    ///
    /// - Parameter nulOnlyAfter: when set, every byte handed on from this decompressed offset
    ///   to the end must be NUL: bytes after a tar's end-of-archive marker would otherwise be
    ///   members nobody reads. Bytes more than `tailBytesMax` before the last block handed out
    ///   are no longer held; libarchive consumed up to at most that far back (it reads ahead
    ///   one tar block), so nothing it did not judge goes unchecked.
    /// - Throws: `ArchiveShimError` on a decoding or read failure, or a non-NUL byte where only
    ///   NUL may be; the message names the decompressed offset.
    func drain(nulOnlyAfter checkedFrom: Int64?, hadMembers: Bool) throws {
        if let checkedFrom {
            let tailStart = lastBlockStart - Int64(tailCount)
            if checkedFrom < lastBlockStart {
                let from = Int(max(0, checkedFrom - tailStart))
                try requireNUL(
                    UnsafeRawBufferPointer(rebasing: tail[from..<tailCount]),
                    at: tailStart + Int64(from), hadMembers: hadMembers)
            }
            let start = max(0, checkedFrom - lastBlockStart)
            if start < Int64(lastBlock.count) {
                try requireNUL(
                    UnsafeRawBufferPointer(rebasing: lastBlock[Int(start)...]),
                    at: lastBlockStart + start, hadMembers: hadMembers)
            }
        }
        while true {
            let start = deliveredBytes
            switch readBlock() {
            case .end:
                return
            case .failure:
                throw ArchiveShimError(message: failureMessage ?? "read failed")
            case .bytes(let bytes):
                if checkedFrom != nil {
                    try requireNUL(bytes, at: start, hadMembers: hadMembers)
                }
            }
        }
    }

    /// Throws unless every byte of `bytes` (at decompressed offset `offset`) is NUL.
    private func requireNUL(
        _ bytes: UnsafeRawBufferPointer, at offset: Int64, hadMembers: Bool
    ) throws {
        guard let index = bytes.firstIndex(where: { $0 != 0 }) else { return }
        let position = offset + Int64(index)
        if !hadMembers {
            // libarchive takes a stream that starts with a NUL block for an empty tar.
            throw ArchiveShimError(
                message: "the data starts with NUL blocks (zeroed by a crash?) but holds data "
                    + "from decompressed byte \(position): it is not an empty tar archive")
        }
        throw ArchiveShimError(
            message: "the tar end-of-archive marker (an all-NUL block) is followed by data at "
                + "decompressed byte \(position): members after it would be lost (a block "
                + "zeroed by a crash, or data appended to the archive)")
    }

    /// Records a block handed on and its offset, keeping the end of the one before.
    private func noteDelivered(_ bytes: UnsafeRawBufferPointer) {
        // The tail must end where `bytes` starts: the last block's end, plus what was kept
        // before it when the last block is shorter than the tail.
        let fromLast = min(lastBlock.count, DecodingByteSource.tailBytesMax)
        let keptBefore = min(tailCount, DecodingByteSource.tailBytesMax - fromLast)
        if keptBefore > 0, keptBefore < tailCount {
            let base = tail.baseAddress!
            memmove(base, base + (tailCount - keptBefore), keptBefore)
        }
        if fromLast > 0 {
            (tail.baseAddress! + keptBefore).copyMemory(
                from: lastBlock.baseAddress! + (lastBlock.count - fromLast), byteCount: fromLast)
        }
        tailCount = keptBefore + fromLast
        lastBlock = bytes
        lastBlockStart = deliveredBytes
        deliveredBytes += Int64(bytes.count)
    }

    /// The next block in the current mode.
    private func nextBlock() -> ArchiveSourceBlock {
        while true {
            switch mode {
            case .undecided:
                if let failure = sniff() { return failure }
            case .passThrough:
                if !queued.isEmpty { return .bytes(queued.removeFirst()) }
                return upstream.readBlock()
            case .finished:
                return .end
            case .failed:
                return .failure
            case .gzipBetweenMembers:
                guard let next = peekInputByte() else {
                    if upstreamFailed { return upstreamFailure() }
                    mode = .finished
                    return .end
                }
                if next == 0x1F {
                    guard inflateReset(stream) == Z_OK else {
                        return fail("zlib could not restart for the next gzip member")
                    }
                    memberStart = upstreamOffset
                    memberNumber += 1
                    mode = .gzipMember
                } else if next == 0 {
                    mode = .gzipPadding
                } else {
                    return fail(
                        "bytes after the last gzip member are neither another member nor NUL "
                            + "padding (a damaged member header, or data appended)")
                }
            case .gzipPadding:
                guard peekInputByte() != nil else {
                    if upstreamFailed { return upstreamFailure() }
                    mode = .finished
                    return .end
                }
                let input = UnsafeRawBufferPointer(
                    start: stream.pointee.next_in, count: Int(stream.pointee.avail_in))
                if let index = input.firstIndex(where: { $0 != 0 }) {
                    consumeInput(index)
                    return fail("non-NUL bytes after the NUL padding that follows a gzip member")
                }
                consumeInput(input.count)
            case .gzipMember:
                if let block = inflateStep() { return block }
            }
        }
    }

    /// Looks at the first upstream bytes and picks the mode; returns a block to hand on when the
    /// upstream ended or failed before a decision.
    private func sniff() -> ArchiveSourceBlock? {
        let first = upstream.readBlock()
        guard case .bytes(let firstBytes) = first, firstBytes.count > 0 else {
            mode = .passThrough
            return first
        }
        var isGzip = firstBytes.count >= 2 && firstBytes[0] == 0x1F && firstBytes[1] == 0x8B
        queued = [firstBytes]
        if firstBytes.count == 1, firstBytes[0] == 0x1F {
            // One byte so far: copy it, since the next upstream read may reuse the buffer.
            carry[0] = 0x1F
            queued = [UnsafeRawBufferPointer(carry)]
            let second = upstream.readBlock()
            switch second {
            case .failure:
                return upstreamFailure()
            case .end:
                break
            case .bytes(let bytes):
                isGzip = bytes.count > 0 && bytes[0] == 0x8B
                if bytes.count > 0 { queued.append(bytes) }
            }
        }
        if !isGzip {
            mode = .passThrough
            return nil
        }
        guard ratebook_inflate_init_gzip(stream) == Z_OK else {
            return fail("zlib could not start decoding gzip")
        }
        isInflateInitialized = true
        mode = .gzipMember
        return nil
    }

    /// Makes input available to zlib and returns its next byte, or nil at the upstream's end (or
    /// on an upstream failure, which leaves `failureMessage` nil and returns `.failure` later).
    private func peekInputByte() -> UInt8? {
        if stream.pointee.avail_in == 0 {
            guard fetchInput() else { return nil }
        }
        return stream.pointee.next_in.pointee
    }

    /// Whether the upstream failed (as opposed to ending) on the last fetch.
    private var upstreamFailed = false

    /// Points zlib at the next queued or upstream block; false at the end or on failure.
    private func fetchInput() -> Bool {
        while true {
            let block: UnsafeRawBufferPointer
            if !queued.isEmpty {
                block = queued.removeFirst()
            } else {
                switch upstream.readBlock() {
                case .end:
                    return false
                case .failure:
                    upstreamFailed = true
                    return false
                case .bytes(let bytes):
                    block = bytes
                }
            }
            guard let base = block.baseAddress, block.count > 0 else { continue }
            stream.pointee.next_in = UnsafeMutablePointer(
                mutating: base.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(block.count)
            return true
        }
    }

    /// Marks `count` input bytes as used without decoding them (NUL padding).
    private func consumeInput(_ count: Int) {
        stream.pointee.next_in += count
        stream.pointee.avail_in -= uInt(count)
        upstreamOffset += Int64(count)
    }

    /// Runs `inflate` once; returns decompressed bytes, a failure, or nil to go round again.
    private func inflateStep() -> ArchiveSourceBlock? {
        if stream.pointee.avail_in == 0 {
            guard fetchInput() else {
                if upstreamFailed { return upstreamFailure() }
                return fail("truncated gzip input: \(currentMember) has no end")
            }
        }
        let inputBefore = stream.pointee.avail_in
        stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(output.count)
        let status = inflate(stream, Z_NO_FLUSH)
        upstreamOffset += Int64(inputBefore - stream.pointee.avail_in)
        let produced = output.count - Int(stream.pointee.avail_out)
        switch status {
        case Z_OK, Z_BUF_ERROR:
            // No progress with input and room left would loop for ever; zlib never does this.
            if produced == 0, inputBefore == stream.pointee.avail_in {
                return fail(gzipFailure(status))
            }
        case Z_STREAM_END:
            mode = .gzipBetweenMembers
        default:
            return fail(gzipFailure(status))
        }
        if produced > 0 {
            return .bytes(UnsafeRawBufferPointer(rebasing: output[0..<produced]))
        }
        return nil
    }

    /// The current member, for messages: `gzip member 2 (from byte 215)`.
    private var currentMember: String {
        "gzip member \(memberNumber) (from byte \(memberStart))"
    }

    /// Explains a zlib failure in words an operator can act on.
    private func gzipFailure(_ status: Int32) -> String {
        let detail = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
        switch detail {
        case "incorrect data check":
            return "gzip CRC-32 mismatch in \(currentMember): the data is corrupt; found"
        case "incorrect length check":
            return "gzip length (ISIZE) mismatch in \(currentMember): the data is corrupt; found"
        case "incorrect header check", "unknown compression method", "unknown header flags set",
            "header crc mismatch":
            return "damaged gzip header (\(detail)) in \(currentMember)"
        default:
            return "corrupt gzip data (\(detail)) in \(currentMember)"
        }
    }

    /// Records a failure at the current upstream offset and returns `.failure`.
    private func fail(_ message: String) -> ArchiveSourceBlock {
        failureMessage = message
        failureOffset = upstreamOffset
        mode = .failed
        return .failure
    }

    /// Enters `failed` after the upstream failed; the upstream keeps the reason.
    private func upstreamFailure() -> ArchiveSourceBlock {
        mode = .failed
        return .failure
    }
}
