import CZlib
import CZstd
import Glibc

/// The layer between stored bytes (a file, or an archive member's data) and libarchive: decodes
/// gzip and zstd itself and passes any other content through unchanged.
///
/// Why not libarchive's gzip filter: it does not check a member's CRC-32 and ISIZE trailer, and
/// it stops without a word at a damaged second member header or at bytes after the last member,
/// so corrupt data was billed and events were dropped. Here zlib checks every member (windowBits
/// 15 + 16), members are read until the input ends, and whatever follows the last member must
/// be another member or NUL padding (like gzip(1), which ignores trailing zeros from tape
/// blocking); anything else fails the input.
///
/// zstd is decoded with libzstd's streaming API: every frame until the input ends (skippable
/// frames are skipped by libzstd), each frame's content checksum verified when it has one, and
/// whatever follows a frame must be another frame: unlike gzip, not even NUL padding, which
/// `zstd -t` refuses too and which is what a trailing frame zeroed by a crash looks like. Doing
/// it here rather than in libarchive's zstd filter means the reader sees the decompressed bytes
/// of `.zst` and `.tar.zst` too, so the tar end-marker check (`drain`) covers them.
///
/// xz and bzip2 are still decoded by libarchive's filters, but here, by a second libarchive
/// reader in raw format whose data is the filter's output: so the reader's archive handle sees
/// decompressed bytes for every compression, and the tar end-marker check covers `.tar.xz` and
/// `.tar.bz2` too.
///
/// libarchive sees decompressed bytes, so tar, zip and raw detection works as before; the
/// reader's handles enable no filters. Content is recognised by magic in the first bytes (gzip
/// 1f 8b; zstd 28 b5 2f fd, or a skippable frame 5? 2a 4d 18; xz fd 37 7a 58 5a 00; bzip2
/// `BZh1` to `BZh9`), never by name. The layer also records where the last block it handed on
/// started, so the reader can check what libarchive leaves unread (see `drain`).
final class DecodingByteSource: ArchiveByteSource {
    /// Decompressed bytes produced per `inflate` or `ZSTD_decompressStream` call, at most; above
    /// `ZSTD_DStreamOutSize()` (128 KiB), so a zstd block is flushed in one call.
    static let outputBytesMax = 256 << 10
    /// The largest zstd window accepted, as a power of two: 2^27 = 128 MiB, zstd's own default
    /// (what `zstd -d` decodes without `--memory`). The window is memory libzstd allocates per
    /// stream, sized by the frame header, so a small file could otherwise ask for 2 GiB (and an
    /// archive member for as much again); a frame needing more fails with a remedy.
    static let zstdWindowLogMax: Int32 = 27
    /// Bytes looked at to recognise the content: the xz magic is six.
    static let magicBytesMax = 6

    /// What the layer does with the upstream bytes.
    private enum Mode {
        /// The first bytes have not been looked at yet.
        case undecided
        /// Neither gzip nor zstd: upstream blocks are handed on as they are.
        case passThrough
        /// Inside a gzip member.
        case gzipMember
        /// A member ended; the next byte decides: another member, NUL padding, or an error.
        case gzipBetweenMembers
        /// NUL bytes after the last member; only NUL may follow.
        case gzipPadding
        /// Inside a zstd frame (or a skippable frame).
        case zstdFrame
        /// A frame ended; the next byte must start another frame, or the input must end.
        case zstdBetweenFrames
        /// xz or bzip2: blocks come from `filterHandle`.
        case libarchiveFilter
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
    /// Holds the first bytes while more upstream blocks are fetched to see the whole magic (a
    /// block may be a single byte), since the upstream may reuse its buffer.
    private let carry: UnsafeMutableRawBufferPointer
    /// Upstream bytes fetched and not yet consumed by the decoder; valid until the next fetch.
    private var input = UnsafeRawBufferPointer(start: nil, count: 0)
    /// zlib's stream; heap-allocated because zlib keeps a pointer back to it.
    private let stream: UnsafeMutablePointer<z_stream>
    /// Whether `inflateInit2` succeeded, so `inflateEnd` is owed.
    private var isInflateInitialized = false
    /// libzstd's decompression context, created when the content is zstd.
    private var zstdContext: OpaquePointer?
    /// Whether the last `ZSTD_decompressStream` call filled the output, so libzstd may hold
    /// more decoded bytes without needing input.
    private var zstdMayHoldOutput = false
    /// The libarchive reader (raw format, one filter) that decodes xz or bzip2, when the
    /// content is one of them; it reads `filterFeed`.
    private var filterHandle: ArchiveReadHandle?
    /// The sniffed blocks, then the upstream, for `filterHandle`.
    private var filterFeed: FilterFeed?
    /// The compression `filterHandle` decodes, for messages.
    private var filterKind: ArchiveFilterSupport?
    /// Whether `filterHandle` found a stream (it finds none when the data decodes to nothing).
    private var filterHasStream = false
    /// The decompressed-bytes buffer handed to libarchive.
    private let output: UnsafeMutableRawBufferPointer
    /// Upstream bytes consumed so far (the offset in the compressed data).
    private var upstreamOffset: Int64 = 0
    /// The upstream offset where the current gzip member or zstd frame started.
    private var partStart: Int64 = 0
    /// The 1-based number of the current gzip member or zstd frame.
    private var partNumber = 1
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
    /// What to do about the failure, when it is not corruption (a zstd window over the limit).
    private(set) var failureRemedy: String?

    /// Layers over `upstream`.
    init(upstream: ArchiveByteSource) {
        self.upstream = upstream
        carry = .allocate(byteCount: DecodingByteSource.magicBytesMax, alignment: 1)
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        output = .allocate(byteCount: DecodingByteSource.outputBytesMax, alignment: 16)
        tail = .allocate(byteCount: DecodingByteSource.tailBytesMax, alignment: 16)
    }

    deinit {
        if isInflateInitialized { inflateEnd(stream) }
        if let zstdContext { ZSTD_freeDCtx(zstdContext) }
        stream.deinitialize(count: 1)
        stream.deallocate()
        carry.deallocate()
        output.deallocate()
        tail.deallocate()
    }

    /// Returns the next decoded (or passed-on) block.
    func readBlock() -> ArchiveSourceBlock {
        // Before fetching: the next block may be decoded into (or read over) the buffer that
        // holds the last one.
        keepTailOfLastBlock()
        let block = nextBlock()
        if case .bytes(let bytes) = block {
            lastBlock = bytes
            deliveredBytes += Int64(bytes.count)
        }
        return block
    }

    /// Forwards a seek in pass-through mode (zip inputs); a gzip or zstd stream cannot seek.
    ///
    /// Seeking is only enabled for inputs that start with a zip signature, so a seek before
    /// the first read settles the mode as pass-through.
    func seek(offset: Int64, whence: Int32) -> Int64 {
        if case .undecided = mode { mode = .passThrough }
        guard case .passThrough = mode else { return -1 }
        queued.removeAll()
        return upstream.seek(offset: offset, whence: whence)
    }

    /// Reads the rest of the upstream after libarchive stopped, so every gzip trailer and zstd
    /// frame is checked even when libarchive did not need the last bytes (a tar's end padding).
    ///
    /// - Parameter nulOnlyAfter: when set, every byte handed on from this decompressed offset
    ///   to the end must be NUL: bytes after a tar's end-of-archive marker would otherwise be
    ///   members nobody reads. Bytes more than `tailBytesMax` before the last block handed out
    ///   are no longer held; libarchive consumed up to at most that far back (it reads ahead
    ///   one tar block), so nothing it did not judge goes unchecked.
    /// - Parameter unreadFrom: the decompressed offset up to which libarchive's format consumed
    ///   the data; what was handed on after it (read ahead, or drained here) was not read.
    /// - Parameter bytesMax: how many decompressed bytes after `unreadFrom` may be handed on: a
    ///   few MB of zstd can hold tens of GB of NUL after a tar's end marker.
    /// - Throws: `ArchiveShimError` on a decoding or read failure, or a non-NUL byte where only
    ///   NUL may be; the message names the decompressed offset. `DrainLimitExceeded` when more
    ///   than `bytesMax` bytes follow `unreadFrom`.
    func drain(
        nulOnlyAfter checkedFrom: Int64?, hadMembers: Bool, unreadFrom: Int64, bytesMax: Int64
    ) throws {
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
        if deliveredBytes - unreadFrom > bytesMax { throw DrainLimitExceeded() }
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
                if deliveredBytes - unreadFrom > bytesMax { throw DrainLimitExceeded() }
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

    /// Copies the end of `lastBlock` into `tail` while its buffer still holds it, and empties
    /// `lastBlock`; the tail then ends at `deliveredBytes`, where the next block starts.
    private func keepTailOfLastBlock() {
        // The tail must end where the next block starts: the last block's end, plus what was
        // kept before it when the last block is shorter than the tail.
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
        lastBlock = UnsafeRawBufferPointer(start: nil, count: 0)
        lastBlockStart = deliveredBytes
    }

    /// The next block in the current mode.
    private func nextBlock() -> ArchiveSourceBlock {
        while true {
            switch mode {
            case .undecided:
                if let failure = sniff() { return failure }
            case .passThrough:
                if !queued.isEmpty { return .bytes(queued.removeFirst()) }
                let block = upstream.readBlock()
                // libarchive takes a zero-byte block for the end of the data.
                if case .bytes(let bytes) = block, bytes.isEmpty { continue }
                return block
            case .finished:
                return .end
            case .failed:
                return .failure
            case .gzipBetweenMembers:
                guard let next = peekInputByte() else { return endOfInput() }
                if next == 0x1F {
                    guard inflateReset(stream) == Z_OK else {
                        return fail("zlib could not restart for the next gzip member")
                    }
                    startNextPart()
                    mode = .gzipMember
                } else if next == 0 {
                    mode = .gzipPadding
                } else {
                    return fail(
                        "bytes after the last gzip member are neither another member nor NUL "
                            + "padding (a damaged member header, or data appended)")
                }
            case .gzipPadding:
                guard peekInputByte() != nil else { return endOfInput() }
                if let index = input.firstIndex(where: { $0 != 0 }) {
                    consumeInput(index)
                    return fail("non-NUL bytes after the NUL padding that follows a gzip member")
                }
                consumeInput(input.count)
            case .gzipMember:
                if let block = inflateStep() { return block }
            case .zstdBetweenFrames:
                guard let next = peekInputByte() else { return endOfInput() }
                // A frame starts 28 (zstd) or 5? (skippable); libzstd checks the other three
                // magic bytes. NUL is not padding here: a whole frame zeroed would vanish.
                guard next == 0x28 || next & 0xF0 == 0x50 else {
                    return fail(bytesAfterFrameFailure(isNUL: next == 0))
                }
                startNextPart()
                mode = .zstdFrame
            case .zstdFrame:
                if let block = zstdStep() { return block }
            case .libarchiveFilter:
                if let block = filterStep() { return block }
            }
        }
    }

    /// Looks at the first upstream bytes and picks the mode; returns a block to hand on when the
    /// upstream ended or failed before a decision.
    private func sniff() -> ArchiveSourceBlock? {
        var first = upstream.readBlock()
        // An empty block is not the end (that is `.end`); handed on, libarchive would take it
        // for one.
        while case .bytes(let bytes) = first, bytes.isEmpty { first = upstream.readBlock() }
        guard case .bytes(let firstBytes) = first else {
            mode = .passThrough
            return first
        }
        var head = firstBytes
        queued = [firstBytes]
        if firstBytes.count < DecodingByteSource.magicBytesMax {
            // Too short to judge: copy what there is, since the next upstream read may reuse
            // the buffer, and fetch until the magic is complete or the upstream ends.
            var held = firstBytes.count
            carry.copyMemory(from: firstBytes)
            var rest: UnsafeRawBufferPointer?
            fetching: while held < DecodingByteSource.magicBytesMax {
                switch upstream.readBlock() {
                case .failure:
                    return upstreamFailure()
                case .end:
                    break fetching
                case .bytes(let bytes):
                    let taken = min(bytes.count, DecodingByteSource.magicBytesMax - held)
                    UnsafeMutableRawBufferPointer(rebasing: carry[held..<(held + taken)])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<taken]))
                    held += taken
                    if taken < bytes.count {
                        rest = UnsafeRawBufferPointer(rebasing: bytes[taken...])
                    }
                }
            }
            head = UnsafeRawBufferPointer(rebasing: carry[0..<held])
            queued = [head] + (rest.map { [$0] } ?? [])
        }
        if head.count >= 2, head[0] == 0x1F, head[1] == 0x8B {
            guard ratebook_inflate_init_gzip(stream) == Z_OK else {
                return fail("zlib could not start decoding gzip")
            }
            isInflateInitialized = true
            mode = .gzipMember
        } else if DecodingByteSource.startsZstdFrame(head) {
            guard let context = ZSTD_createDCtx() else {
                return fail("libzstd could not allocate a decoder")
            }
            zstdContext = context
            let status = ZSTD_DCtx_setParameter(
                context, ZSTD_d_windowLogMax, DecodingByteSource.zstdWindowLogMax)
            guard ZSTD_isError(status) == 0 else {
                return fail("libzstd refused the window limit: \(zstdErrorName(status))")
            }
            mode = .zstdFrame
        } else if let filter = DecodingByteSource.libarchiveFilter(for: head) {
            return startLibarchiveFilter(
                filter, isBinary: DecodingByteSource.holdsControlBytes(after: 4, in: head))
        } else {
            mode = .passThrough
        }
        return nil
    }

    /// The libarchive filter for xz (fd 37 7a 58 5a 00) or bzip2 (`BZh` and a digit 1 to 9)
    /// content, or nil.
    static func libarchiveFilter(for head: UnsafeRawBufferPointer) -> ArchiveFilterSupport? {
        if head.count >= 6, head.prefix(6).elementsEqual([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) {
            return .xz
        }
        if head.count >= 4, head.prefix(3).elementsEqual("BZh".utf8),
            (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(head[3]) {
            return .bzip2
        }
        return nil
    }

    /// Bytes `holdsControlBytes` looks at, from the start of the data.
    static let binaryCheckBytes = 64

    /// Whether `head` holds, from byte `start` up to `binaryCheckBytes`, a control byte that
    /// NDJSON text never has (anything below 0x20 but tab, LF and CR, or DEL): compressed data
    /// almost always does (60 random bytes lack one with odds of about 1 in 1,400).
    static func holdsControlBytes(after start: Int, in head: UnsafeRawBufferPointer) -> Bool {
        guard head.count > start else { return false }
        return head[start..<min(head.count, binaryCheckBytes)].contains { byte in
            (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D) || byte == 0x7F
        }
    }

    /// Opens a raw libarchive reader with `filter` over the queued blocks and the upstream.
    ///
    /// When libarchive does not take the bytes for `filter` after all (its bzip2 check also
    /// wants a block or end-of-stream magic after `BZh1`), they are a damaged header, unless
    /// they can be text (`isBinary` false: "BZh1 is not bzip2"), which the raw format hands on
    /// unchanged. libarchive's xz check is the magic the layer looked for, so xz never gets
    /// that far; were it to, it fails too.
    private func startLibarchiveFilter(
        _ filter: ArchiveFilterSupport, isBinary: Bool
    ) -> ArchiveSourceBlock? {
        filterKind = filter
        let feed = FilterFeed(upstream: upstream, queued: queued)
        queued = []
        filterFeed = feed
        mode = .libarchiveFilter
        do {
            let handle = try ArchiveReadHandle(formats: [.raw, .empty], filters: [filter])
            filterHandle = handle
            try handle.open(feed, canSeek: false)
            filterHasStream = try handle.nextEntry() != nil
            if filterHasStream, !handle.usesCompressionFilter {
                if filter == .xz {
                    return fail("damaged xz header: libarchive did not accept the stream", at: 0)
                }
                if isBinary {
                    return fail(
                        "damaged bzip2 header: \"BZh\" and a block size are followed by "
                            + "neither a block nor an end-of-stream magic, and by bytes that are "
                            + "not text", at: 4)
                }
            }
        } catch let error as ArchiveShimError {
            return filterFailure(error)
        } catch {
            return fail(String(describing: error))
        }
        return nil
    }

    /// Hands on the next block `filterHandle` decoded; nil to go round again.
    private func filterStep() -> ArchiveSourceBlock? {
        guard let handle = filterHandle, let feed = filterFeed else { return fail("no filter") }
        do {
            guard filterHasStream, let block = try handle.nextDataBlock() else {
                return filterEnd(handle, feed)
            }
            upstreamOffset = feed.bytesHandedOn
            return block.bytes.isEmpty ? nil : .bytes(block.bytes)
        } catch let error as ArchiveShimError {
            return filterFailure(error)
        } catch {
            return fail(String(describing: error))
        }
    }

    /// The filter's reader ended: the clean end only if its filter consumed every upstream
    /// byte. libarchive's bzip2 filter ends without a word where the next bytes do not look
    /// like another stream (`cat a.bz2 junk`, or a later stream's damaged header), and its
    /// reader never asks for the rest, so the rest is read here and must have been consumed.
    private func filterEnd(_ handle: ArchiveReadHandle, _ feed: FilterFeed) -> ArchiveSourceBlock {
        let consumed = handle.clientConsumedBytes
        guard feed.readToEnd() else {
            upstreamOffset = feed.bytesHandedOn
            return upstreamFailure()
        }
        upstreamOffset = feed.bytesHandedOn
        if consumed != feed.bytesHandedOn {
            let kind = filterKind == .xz ? "xz" : "bzip2"
            return fail(
                "bytes after the last \(kind) stream are not another stream (a damaged stream "
                    + "header, or data appended)", at: consumed)
        }
        mode = .finished
        return .end
    }

    /// Fails with libarchive's message, or as an upstream failure when the upstream failed
    /// (the upstream keeps the reason).
    private func filterFailure(_ error: ArchiveShimError) -> ArchiveSourceBlock {
        upstreamOffset = filterFeed?.bytesHandedOn ?? upstreamOffset
        if filterFeed?.upstreamFailed == true { return upstreamFailure() }
        return fail(error.message)
    }

    /// Whether `head` starts with a zstd frame magic (28 b5 2f fd) or a skippable frame magic
    /// (5? 2a 4d 18), both little-endian 32-bit numbers.
    static func startsZstdFrame(_ head: UnsafeRawBufferPointer) -> Bool {
        guard head.count >= 4 else { return false }
        if head[0] == 0x28, head[1] == 0xB5, head[2] == 0x2F, head[3] == 0xFD { return true }
        return head[0] & 0xF0 == 0x50 && head[1] == 0x2A && head[2] == 0x4D && head[3] == 0x18
    }

    /// Makes input available and returns its next byte, or nil at the upstream's end (or on an
    /// upstream failure, which leaves `failureMessage` nil; see `endOfInput`).
    private func peekInputByte() -> UInt8? {
        if input.isEmpty {
            guard fetchInput() else { return nil }
        }
        return input[0]
    }

    /// Whether the upstream failed (as opposed to ending) on the last fetch.
    private var upstreamFailed = false

    /// Makes the next queued or upstream block the input; false at the end or on failure.
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
            guard block.baseAddress != nil, block.count > 0 else { continue }
            input = block
            return true
        }
    }

    /// Marks `count` input bytes as used (decoded, or skipped as padding).
    private func consumeInput(_ count: Int) {
        input = UnsafeRawBufferPointer(rebasing: input[count...])
        upstreamOffset += Int64(count)
    }

    /// The upstream ended between members or frames: the clean end, or the upstream's failure.
    private func endOfInput() -> ArchiveSourceBlock {
        if upstreamFailed { return upstreamFailure() }
        mode = .finished
        return .end
    }

    /// The next gzip member or zstd frame starts at the current upstream offset.
    private func startNextPart() {
        partStart = upstreamOffset
        partNumber += 1
    }

    /// Runs `inflate` once; returns decompressed bytes, a failure, or nil to go round again.
    private func inflateStep() -> ArchiveSourceBlock? {
        if input.isEmpty {
            guard fetchInput() else {
                if upstreamFailed { return upstreamFailure() }
                return fail("truncated gzip input: \(currentPart) has no end")
            }
        }
        let inputBefore = input.count
        stream.pointee.next_in = UnsafeMutablePointer(
            mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(inputBefore)
        stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(output.count)
        let status = inflate(stream, Z_NO_FLUSH)
        let consumed = inputBefore - Int(stream.pointee.avail_in)
        consumeInput(consumed)
        let produced = output.count - Int(stream.pointee.avail_out)
        switch status {
        case Z_OK, Z_BUF_ERROR:
            // No progress with input and room left would loop for ever; zlib never does this.
            if produced == 0, consumed == 0 {
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

    /// Runs `ZSTD_decompressStream` once; returns decompressed bytes, a failure, or nil to go
    /// round again. Input blocks are decoded where the upstream left them (no copy).
    private func zstdStep() -> ArchiveSourceBlock? {
        if input.isEmpty, !zstdMayHoldOutput {
            guard fetchInput() else {
                if upstreamFailed { return upstreamFailure() }
                return fail("truncated zstd input: \(currentPart) has no end")
            }
        }
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var outBuffer = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let status = ZSTD_decompressStream(zstdContext, &outBuffer, &inBuffer)
        consumeInput(inBuffer.pos)
        if ZSTD_isError(status) != 0 {
            if ZSTD_getErrorCode(status) == ZSTD_error_prefix_unknown, partNumber > 1 {
                // The next part's first byte looked like a frame; the rest of its magic did not.
                return fail(bytesAfterFrameFailure(isNUL: false), at: partStart)
            }
            // libzstd does not say how far it got before an error, so the offset is where the
            // input handed to it ends: the damage lies before it, within the current frame.
            return fail(zstdFailure(status), at: upstreamOffset + Int64(input.count))
        }
        // 0: the frame is decoded and flushed. Otherwise, a full output may hide more bytes;
        // libzstd makes progress on every call with input and room, so this cannot spin.
        zstdMayHoldOutput = status != 0 && outBuffer.pos == outBuffer.size
        if status == 0 { mode = .zstdBetweenFrames }
        if outBuffer.pos > 0 {
            return .bytes(UnsafeRawBufferPointer(rebasing: output[0..<outBuffer.pos]))
        }
        return nil
    }

    /// The current part, for messages: `gzip member 2 (from byte 215)`, `zstd frame 1 (from
    /// byte 0)`.
    private var currentPart: String {
        let kind = zstdContext == nil ? "gzip member" : "zstd frame"
        return "\(kind) \(partNumber) (from byte \(partStart))"
    }

    /// Explains a zlib failure in words an operator can act on.
    private func gzipFailure(_ status: Int32) -> String {
        let detail = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
        switch detail {
        case "incorrect data check":
            return "gzip CRC-32 mismatch in \(currentPart): the data is corrupt; found"
        case "incorrect length check":
            return "gzip length (ISIZE) mismatch in \(currentPart): the data is corrupt; found"
        case "incorrect header check", "unknown compression method", "unknown header flags set",
            "header crc mismatch":
            return "damaged gzip header (\(detail)) in \(currentPart)"
        default:
            return "corrupt gzip data (\(detail)) in \(currentPart)"
        }
    }

    /// libzstd's name for the error `status` stands for.
    private func zstdErrorName(_ status: Int) -> String {
        ZSTD_getErrorName(status).map { String(cString: $0) } ?? "libzstd error"
    }

    /// Explains a libzstd failure in words an operator can act on.
    private func zstdFailure(_ status: Int) -> String {
        let code = ZSTD_getErrorCode(status)
        if code == ZSTD_error_checksum_wrong {
            return "zstd content checksum mismatch in \(currentPart): the data is corrupt; found"
        }
        if code == ZSTD_error_frameParameter_windowTooLarge {
            failureRemedy =
                "recompress the file with a window of at most "
                + "\(1 << (DecodingByteSource.zstdWindowLogMax - 20)) MiB (zstd without "
                + "--long, or --long=\(DecodingByteSource.zstdWindowLogMax)) and run again"
            return "\(currentPart) needs a window over Ratebook's limit of "
                + "\(1 << (DecodingByteSource.zstdWindowLogMax - 20)) MiB (made with zstd "
                + "--long or --ultra?)"
        }
        return "corrupt zstd data (\(zstdErrorName(status))) in \(currentPart)"
    }

    /// The message for bytes after a zstd frame that do not start another frame.
    private func bytesAfterFrameFailure(isNUL: Bool) -> String {
        let frame = "zstd frame \(mode == .zstdFrame ? partNumber - 1 : partNumber)"
        if isNUL {
            return "NUL bytes after \(frame), where only another frame may follow (a frame "
                + "zeroed by a crash? zstd -t refuses them too)"
        }
        return "bytes after \(frame) are not another zstd frame (a damaged frame header, or "
            + "data appended)"
    }

    /// Records a failure at `offset` (by default the current upstream offset) and returns
    /// `.failure`.
    private func fail(_ message: String, at offset: Int64? = nil) -> ArchiveSourceBlock {
        failureMessage = message
        failureOffset = offset ?? upstreamOffset
        mode = .failed
        return .failure
    }

    /// Enters `failed` after the upstream failed; the upstream keeps the reason.
    private func upstreamFailure() -> ArchiveSourceBlock {
        mode = .failed
        return .failure
    }
}

/// `DecodingByteSource.drain` read more bytes than it was allowed.
struct DrainLimitExceeded: Error {}

/// What the libarchive reader that decodes xz or bzip2 reads: the blocks fetched while
/// sniffing, then the upstream's.
private final class FilterFeed: ArchiveByteSource {
    /// The bytes after the sniffed ones.
    private let upstream: ArchiveByteSource
    /// Blocks fetched while sniffing, handed on first.
    private var queued: [UnsafeRawBufferPointer]
    /// Upstream bytes handed on so far (the offset in the compressed data).
    private(set) var bytesHandedOn: Int64 = 0
    /// Whether the upstream failed; it keeps the reason.
    private(set) var upstreamFailed = false

    /// Hands on `queued`, then the rest of `upstream`.
    init(upstream: ArchiveByteSource, queued: [UnsafeRawBufferPointer]) {
        self.upstream = upstream
        self.queued = queued
    }

    /// Returns the next queued or upstream block.
    func readBlock() -> ArchiveSourceBlock {
        let block = queued.isEmpty ? upstream.readBlock() : .bytes(queued.removeFirst())
        switch block {
        case .bytes(let bytes): bytesHandedOn += Int64(bytes.count)
        case .failure: upstreamFailed = true
        case .end: break
        }
        return block
    }

    /// Reads the upstream to its end, counting its bytes; false when the upstream failed.
    func readToEnd() -> Bool {
        while true {
            switch readBlock() {
            case .bytes: continue
            case .end: return true
            case .failure: return false
            }
        }
    }

    /// Never called: the filter's reader is opened without seeking.
    func seek(offset: Int64, whence: Int32) -> Int64 {
        -1
    }
}
