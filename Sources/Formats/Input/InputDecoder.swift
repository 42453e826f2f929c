import Foundation

/// Reads one input on the calling thread: stored bytes (hashed as they pass), decoding, the
/// archive walk and line splitting, with a callback per source and per line.
///
/// This is the producer side of `InputReader`, which runs it on a thread of its own (or on the
/// caller's thread when it has no decoding threads). Compression and archive format are
/// detected from content, never from the name. gzip and zstd are decoded by
/// `DecodingByteSource` (zlib and libzstd, every member's or frame's checksum verified), xz and
/// bzip2 by libarchive's filters in that same layer. Memory is bounded by the limits: one read
/// block (1 MiB by default), a 256 KiB output block per open stream (and for zstd a window of
/// at most 128 MiB), one line buffer of `lineBytesMax + 1` bytes, and libarchive's own
/// buffers. Not thread-safe: one decoder per thread; reused from input to input.
final class InputDecoder {
    /// The limits every input is read under.
    let limits: InputLimits
    /// Bytes read from storage by the last `read` call, re-reads included; for tests.
    private(set) var lastStoredBytesRead: Int64 = 0
    /// Splits decompressed bytes into lines; reused across inputs.
    private let splitter: LineSplitter
    /// Counts the stored bytes consumed, for a progress line (nil: nobody is watching).
    var progress: InputProgress?

    /// Bytes per read of the stored file (`StoredByteSource`); smaller in tests, so that lines
    /// span many read blocks.
    let storedBlockBytes: Int

    /// Creates a decoder that applies `limits` (checked by `InputDecoder.init`).
    init(limits: InputLimits, storedBlockBytes: Int = StoredByteSource.blockBytesMax) {
        self.limits = limits
        self.storedBlockBytes = storedBlockBytes
        splitter = LineSplitter(
            lineBytesMax: limits.lineBytesMax,
            keptBytesMax: min(limits.keptBytesMax, limits.lineBytesMax))
    }

    /// Reads one input whole.
    ///
    /// `onSource` is called when a new archive member (or the single file) starts, with the
    /// display name the lines that follow belong to: the input's display name for a plain or
    /// compressed file (also an empty one), `<display>!<member path>` for an archive member.
    /// `onLine` is called for every line in order. Members are read in stored order; members
    /// that are themselves compressed are decompressed by content; directories are skipped, and
    /// links and other non-regular members are skipped and listed in the summary's
    /// `skippedMembers`. Errors thrown by the callbacks propagate unchanged.
    ///
    /// - Throws: `InputError` when the input cannot be opened, is truncated or corrupt (a
    ///   checksum fails, bytes follow the last gzip member or zstd frame or a tar's
    ///   end-of-archive marker, or a container's header is damaged), holds two members with
    ///   the same path or a member that is itself an archive, decompresses to more than
    ///   `decompressedBytesMax`, or needs a zstd window over 128 MiB.
    func read(
        _ input: InputFile, onSource: (String) throws -> Void, onLine: (InputLine) throws -> Void
    ) throws -> InputSummary {
        let name = input.displayName
        let source: StoredByteSource
        do {
            source = try StoredByteSource(path: input.path, blockBytes: storedBlockBytes)
        } catch {
            throw InputError(file: name, byteOffset: 0, message: error.message)
        }
        source.progress = progress
        var state = ReadState(displayName: name, source: source, limits: limits)
        defer { lastStoredBytesRead = source.storedBytesRead }
        let decoded = DecodingByteSource(upstream: source)
        do {
            try readArchive(
                source: source, decoded: decoded, state: &state, onSource: onSource,
                onLine: onLine)
        } catch let error as ArchiveShimError {
            // A failing source explains itself better than libarchive's generic message.
            if let message = source.failureMessage {
                throw InputError(file: name, byteOffset: source.position, message: message)
            }
            if var message = decoded.failureMessage {
                if let member = state.currentMember {
                    message += " (while reading member \"\(member)\")"
                }
                throw InputError(
                    file: name, byteOffset: decoded.failureOffset ?? source.position,
                    message: message, remedy: decoded.failureRemedy ?? InputError.corruptRemedy)
            }
            let message = state.memberFailure ?? error.message
            throw InputError(
                file: name, byteOffset: source.position, message: message,
                remedy: state.memberFailureRemedy ?? InputError.corruptRemedy)
        }
        let digest: (sizeBytes: Int64, sha256: String)
        do {
            digest = try source.finishDigest()
        } catch {
            throw InputError(file: name, byteOffset: source.position, message: error.message)
        }
        return InputSummary(
            displayName: name, sizeBytes: digest.sizeBytes, sha256: digest.sha256,
            members: state.members, skippedMembers: state.skippedMembers)
    }

    /// The filters the reader's libarchive handles run: none, since `DecodingByteSource`
    /// decodes every compression (xz and bzip2 with a libarchive reader of its own), so the
    /// handles see decompressed bytes.
    private static let libarchiveFilters: [ArchiveFilterSupport] = []

    /// Walks the outer archive: one raw stream, or the members of a tar or zip.
    private func readArchive(
        source: StoredByteSource, decoded: DecodingByteSource, state: inout ReadState,
        onSource: (String) throws -> Void, onLine: (InputLine) throws -> Void
    ) throws {
        let outer = try ArchiveReadHandle(
            formats: [.tar, .zip, .raw, .empty], filters: InputDecoder.libarchiveFilters)
        let canSeek = source.isRegularFile && source.startsWithZipSignature()
        try outer.open(decoded, canSeek: canSeek)
        guard let first = try outer.nextEntry() else {
            // Zero bytes after decompression is a plain file with no lines; a tar or zip without
            // entries has no members.
            if outer.detectedFormat != .archive { try onSource(state.displayName) }
            try finishOuter(
                outer, decoded: decoded, canSeek: canSeek, hadMembers: false, state: state)
            return
        }
        if outer.detectedFormat != .archive {
            try onSource(state.displayName)
            try readLines(from: outer, member: nil, state: &state, onLine: onLine)
            guard try outer.nextEntry() == nil else {
                throw ArchiveShimError(message: "unexpected second stream in a plain file")
            }
            try finishOuter(
                outer, decoded: decoded, canSeek: canSeek, hadMembers: true, state: state)
            return
        }
        var entry: ArchiveEntryInfo? = first
        // Compared as bytes: two names that differ only in Unicode normalization are different
        // members (and would be different files when extracted).
        var memberNames = Set<[UInt8]>()
        while let current = entry {
            if !current.isRegularFile, !current.isDirectory {
                // Links and special files hold no events of their own; listed, never silent.
                let path = current.path ?? "(a name that cannot be decoded)"
                state.skippedMembers.append(state.displayName + "!" + path)
            }
            if current.isRegularFile {
                guard let path = current.path else {
                    throw ArchiveShimError(message: "an archive member's path cannot be decoded")
                }
                let memberName = state.displayName + "!" + path
                guard memberNames.insert(Array(path.utf8)).inserted else {
                    throw ArchiveShimError(
                        message: "two archive members are both named \"\(path)\"")
                }
                state.members.append(memberName)
                try onSource(memberName)
                state.currentMember = path
                try readMember(of: outer, named: path, state: &state, onLine: onLine)
                state.currentMember = nil
            }
            entry = try outer.nextEntry()
        }
        try finishOuter(
                outer, decoded: decoded, canSeek: canSeek, hadMembers: true, state: state)
    }

    /// Reads what libarchive left of the outer input: gzip trailers and zstd frames are checked
    /// to the last one, and after a tar's end-of-archive marker only NUL may follow (otherwise
    /// members after a zeroed block would vanish; this also catches a stream whose first block
    /// is NUL but which holds data, which libarchive takes for an empty tar).
    ///
    /// The NUL check needs the bytes the tar format reads, which pass through `decoded` for
    /// every compression (the outer handle runs no filter).
    ///
    /// The bytes after the end of the format (a tar's padding) count against
    /// `decompressedBytesMax` beyond `paddingBytesAllowance`: a tar whose members fill the limit
    /// exactly still has its record padding.
    private func finishOuter(
        _ outer: ArchiveReadHandle, decoded: DecodingByteSource, canSeek: Bool, hadMembers: Bool,
        state: ReadState
    ) throws {
        // A seekable zip was read through its central directory; there is nothing to drain.
        if canSeek { return }
        let checkNUL = outer.isTar && !outer.usesCompressionFilter
        do {
            try decoded.drain(
                nulOnlyAfter: checkNUL ? outer.formatConsumedBytes : nil, hadMembers: hadMembers,
                unreadFrom: outer.formatConsumedBytes,
                bytesMax: limits.decompressedBytesMax - state.decompressedBytes
                    + InputDecoder.paddingBytesAllowance)
        } catch is DrainLimitExceeded {
            throw limitError(state)
        }
    }

    /// Decompressed bytes after the end of a tar (or zip) that do not count against
    /// `decompressedBytesMax`: the padding to a full record, which `tar -b 2048` makes 1 MiB.
    static let paddingBytesAllowance: Int64 = 1 << 20

    /// The error for an input that decompresses to more than `decompressedBytesMax`.
    private func limitError(_ state: ReadState) -> InputError {
        InputError(
            file: state.displayName, byteOffset: state.source.position,
            message: "decompressed data exceeds the limit of "
                + "\(limits.decompressedBytesMax) bytes",
            remedy: InputError.limitRemedy)
    }

    /// Reads one archive member through an inner raw reader, which decompresses it by content.
    private func readMember(
        of outer: ArchiveReadHandle, named path: String, state: inout ReadState,
        onLine: (InputLine) throws -> Void
    ) throws {
        let memberSource = MemberByteSource(outer: outer)
        let decoded = DecodingByteSource(upstream: memberSource)
        let inner = try ArchiveReadHandle(
            formats: [.raw, .empty], filters: InputDecoder.libarchiveFilters)
        do {
            try inner.open(decoded, canSeek: false)
            if try inner.nextEntry() != nil {
                try readLines(from: inner, member: path, state: &state, onLine: onLine)
                guard try inner.nextEntry() == nil else {
                    throw ArchiveShimError(message: "unexpected second stream in a member")
                }
            } else {
                splitter.reset()
            }
        } catch let error as ArchiveShimError {
            var reason = memberSource.failureMessage ?? decoded.failureMessage ?? error.message
            if memberSource.failureMessage == nil, decoded.failureMessage != nil,
                let offset = decoded.failureOffset {
                reason += " (byte \(offset) of the member)"
            }
            state.memberFailure = "member \"\(path)\": " + reason
            state.memberFailureRemedy = decoded.failureRemedy
            throw error
        }
    }

    /// Feeds the current entry's data to the line splitter, counting decompressed bytes.
    ///
    /// The first 512 bytes are checked for content that is not NDJSON: see `checkHead`.
    /// `member` is the archive member's path, nil for the single stream of a plain file.
    private func readLines(
        from handle: ArchiveReadHandle, member: String?, state: inout ReadState,
        onLine: (InputLine) throws -> Void
    ) throws {
        splitter.reset()
        var head: [UInt8] = []
        var isHeadChecked = false
        while let block = try handle.nextDataBlock() {
            if !isHeadChecked {
                head.append(contentsOf: block.bytes.prefix(InputDecoder.headBytes - head.count))
                if head.count == InputDecoder.headBytes {
                    isHeadChecked = true
                    try checkHead(head, member: member, state: state)
                }
            }
            state.decompressedBytes += Int64(block.bytes.count)
            if state.decompressedBytes > limits.decompressedBytesMax { throw limitError(state) }
            try splitter.feed(block.bytes, onLine: onLine)
        }
        if !isHeadChecked { try checkHead(head, member: member, state: state) }
        try splitter.finish(onLine: onLine)
    }

    /// Whether `head` starts with what a tar header has: the magic `ustar` at byte 257 followed
    /// by NUL (POSIX `ustar\0`) or a space (GNU `ustar  `), and a checksum field (bytes 148 to
    /// 155) of octal digits, spaces and NUL. `ustar` alone also occurs in text: a first line
    /// with "mustard" at that place is NDJSON, not a damaged tar.
    static func looksLikeTarHeader(_ head: [UInt8]) -> Bool {
        guard head.count >= 263, head[257..<262].elementsEqual("ustar".utf8),
            head[262] == 0 || head[262] == 0x20
        else { return false }
        return head[148..<156].allSatisfy { byte in
            byte == 0 || byte == 0x20 || (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(byte)
        }
    }

    /// How many leading bytes of a stream `checkHead` looks at: one tar block.
    private static let headBytes = 512

    /// Refuses a stream that libarchive read as plain data although it is a container: a tar
    /// block (`ustar` at byte 257) or a zip header that libarchive did not accept is a corrupt
    /// archive, and inside an archive it is a nested archive, which is not read
    /// (DECISIONS.md). A stream that is still gzip or zstd after decoding was compressed twice
    /// (only one layer is decoded, as before for gzip: libarchive no longer stacks a zstd
    /// filter on decoded bytes), and one
    /// that starts with 512 NUL bytes had a block zeroed by a crash. Reading any of these as
    /// lines would bill a container's bytes as rejects, or an inner member without its first
    /// event.
    private func checkHead(_ head: [UInt8], member: String?, state: ReadState) throws {
        let isTar = InputDecoder.looksLikeTarHeader(head)
        let isZip = head.count >= 4 && head[0] == 0x50 && head[1] == 0x4B
            && ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6))
        if let member, isTar || isZip {
            throw InputError(
                file: state.displayName, byteOffset: state.source.position,
                message: "member \"\(member)\" is itself a \(isTar ? "tar" : "zip") archive; "
                    + "nested archives are not read",
                remedy: InputError.nestedArchiveRemedy)
        }
        let problem: String?
        if isTar {
            problem = "a tar header (ustar magic at byte 257) that is not readable: "
                + "the header checksum or fields are damaged"
        } else if isZip {
            problem = "a zip header that is not readable: the archive is damaged"
        } else if head.count >= 2, head[0] == 0x1F, head[1] == 0x8B {
            problem = "data that is still gzip after decompression (compressed twice)"
        } else if head.withUnsafeBytes(DecodingByteSource.startsZstdFrame) {
            problem = "data that is still zstd after decompression (compressed twice)"
        } else if head.count == InputDecoder.headBytes, head.allSatisfy({ $0 == 0 }) {
            problem = "a first block of 512 NUL bytes (zeroed by a crash?) followed by data"
        } else {
            problem = nil
        }
        guard let problem else { return }
        throw ArchiveShimError(message: "the data starts with " + problem)
    }
}

/// Per-input bookkeeping while `InputDecoder.read` runs.
private struct ReadState {
    /// The input's display name.
    let displayName: String
    /// The stored bytes, for error offsets.
    let source: StoredByteSource
    /// The limits in force.
    let limits: InputLimits
    /// Member display names read so far, in stored order.
    var members: [String] = []
    /// Members not read (links, special files), as display names in stored order.
    var skippedMembers: [String] = []
    /// The path of the member being read, if any, for errors found below it.
    var currentMember: String?
    /// Decompressed bytes delivered so far, across all members.
    var decompressedBytes: Int64 = 0
    /// The failing member and reason, when a member failed.
    var memberFailure: String?
    /// What to do about the member's failure, when it is not corruption.
    var memberFailureRemedy: String?
}

/// Feeds an inner reader with the data blocks of the outer archive's current entry, zero-copy.
private final class MemberByteSource: ArchiveByteSource {
    /// The archive whose current entry is read.
    private let outer: ArchiveReadHandle
    /// The entry offset the next block must start at; a gap means a sparse entry.
    private var expectedOffset: Int64 = 0
    /// Why reading failed, when it did.
    private(set) var failureMessage: String?

    /// Reads the current entry of `outer`.
    init(outer: ArchiveReadHandle) {
        self.outer = outer
    }

    /// Returns the outer entry's next data block.
    func readBlock() -> ArchiveSourceBlock {
        do {
            guard let block = try outer.nextDataBlock() else { return .end }
            guard block.offset == expectedOffset else {
                failureMessage = "sparse archive members are not supported"
                return .failure
            }
            expectedOffset += Int64(block.bytes.count)
            return .bytes(block.bytes)
        } catch let error as ArchiveShimError {
            failureMessage = error.message
            return .failure
        } catch {
            failureMessage = String(describing: error)
            return .failure
        }
    }

    /// Never called: inner readers are opened without seeking.
    func seek(offset: Int64, whence: Int32) -> Int64 {
        -1
    }
}

/// Splits a stream of byte blocks into lines on LF, with `memchr`.
///
/// Handles a leading UTF-8 BOM, CRLF, a last line without LF, and lines over the limit, which
/// are reported once with their first `keptBytesMax` bytes and otherwise skipped, never held.
/// A line that lies inside one block is delivered straight from it, without copying.
private final class LineSplitter {
    /// The UTF-8 byte-order mark, skipped at the start of a source.
    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// The longest line content accepted.
    private let lineBytesMax: Int
    /// How many bytes of a too-long line are kept; at most `lineBytesMax`.
    private let keptBytesMax: Int
    /// The start of a line spanning blocks; holds up to `lineBytesMax + 1` bytes (content and
    /// a CR that an LF may still follow).
    private let pending: UnsafeMutableRawPointer
    /// Bytes in `pending`.
    private var pendingCount = 0
    /// Whether the current line is already over the limit and being skipped to its LF.
    private var isSkippingTooLongLine = false
    /// The number of the last line delivered.
    private var lineNumber = 0
    /// How many BOM bytes matched at the start of the source; -1 once the check is over.
    private var byteOrderMarkMatched = 0

    /// Creates a splitter for lines of at most `lineBytesMax` bytes.
    init(lineBytesMax: Int, keptBytesMax: Int) {
        precondition(keptBytesMax <= lineBytesMax, "keptBytesMax over lineBytesMax")
        self.lineBytesMax = lineBytesMax
        self.keptBytesMax = keptBytesMax
        pending = .allocate(byteCount: lineBytesMax + 1, alignment: 16)
    }

    deinit {
        pending.deallocate()
    }

    /// Starts a new source: line numbers restart at 1 and a BOM is looked for again.
    func reset() {
        pendingCount = 0
        isSkippingTooLongLine = false
        lineNumber = 0
        byteOrderMarkMatched = 0
    }

    /// Splits `block`, delivering every line it completes.
    func feed(_ block: UnsafeRawBufferPointer, onLine: (InputLine) throws -> Void) throws {
        guard let base = block.baseAddress, block.count > 0 else { return }
        var cursor = 0
        let end = block.count
        while byteOrderMarkMatched >= 0, cursor < end {
            if base.load(fromByteOffset: cursor, as: UInt8.self)
                == LineSplitter.byteOrderMark[byteOrderMarkMatched] {
                byteOrderMarkMatched += 1
                cursor += 1
                if byteOrderMarkMatched == LineSplitter.byteOrderMark.count {
                    byteOrderMarkMatched = -1
                }
            } else {
                // Not a BOM after all: the bytes matched so far are content.
                LineSplitter.byteOrderMark.withUnsafeBytes { mark in
                    append(UnsafeRawBufferPointer(rebasing: mark[0..<byteOrderMarkMatched]))
                }
                byteOrderMarkMatched = -1
            }
        }
        while cursor < end {
            let remaining = end - cursor
            guard let found = memchr(base + cursor, 0x0A, remaining) else {
                append(UnsafeRawBufferPointer(start: base + cursor, count: remaining))
                return
            }
            let newlineIndex = UnsafeRawPointer(found) - base
            let segment = UnsafeRawBufferPointer(start: base + cursor, count: newlineIndex - cursor)
            cursor = newlineIndex + 1
            if pendingCount == 0, !isSkippingTooLongLine {
                try deliver(segment, onLine: onLine)
            } else {
                append(segment)
                try deliverPending(onLine: onLine)
            }
        }
    }

    /// Delivers a last line that has no LF, if any bytes are left.
    func finish(onLine: (InputLine) throws -> Void) throws {
        if pendingCount > 0 || isSkippingTooLongLine {
            try deliverPending(onLine: onLine)
        }
        // A lone partial BOM at the end of a source is content.
        if byteOrderMarkMatched > 0 {
            let matched = byteOrderMarkMatched
            byteOrderMarkMatched = -1
            try LineSplitter.byteOrderMark.withUnsafeBytes { mark in
                try deliver(UnsafeRawBufferPointer(rebasing: mark[0..<matched]), onLine: onLine)
            }
        }
    }

    /// Adds bytes of the current line to `pending`, switching to skipping once over the limit.
    private func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        if isSkippingTooLongLine { return }
        if pendingCount + bytes.count <= lineBytesMax + 1 {
            (pending + pendingCount).copyMemory(from: source, byteCount: bytes.count)
            pendingCount += bytes.count
            return
        }
        // Over the limit even if a CR ends it: keep only the prefix the rejects file shows.
        if pendingCount < keptBytesMax {
            let taken = keptBytesMax - pendingCount
            (pending + pendingCount).copyMemory(from: source, byteCount: taken)
        }
        pendingCount = keptBytesMax
        isSkippingTooLongLine = true
    }

    /// Delivers the line assembled in `pending` and empties it.
    private func deliverPending(onLine: (InputLine) throws -> Void) throws {
        let bytes = UnsafeRawBufferPointer(start: pending, count: pendingCount)
        if isSkippingTooLongLine {
            lineNumber += 1
            isSkippingTooLongLine = false
            pendingCount = 0
            try onLine(InputLine(bytes: bytes, number: lineNumber, isTooLong: true))
        } else {
            pendingCount = 0
            try deliver(bytes, onLine: onLine)
        }
    }

    /// Delivers one complete line (without its LF), stripping a trailing CR and judging its
    /// length.
    private func deliver(
        _ line: UnsafeRawBufferPointer, onLine: (InputLine) throws -> Void
    ) throws {
        var count = line.count
        if count > 0, line[count - 1] == 0x0D { count -= 1 }
        lineNumber += 1
        if count > lineBytesMax {
            let kept = UnsafeRawBufferPointer(start: line.baseAddress, count: keptBytesMax)
            try onLine(InputLine(bytes: kept, number: lineNumber, isTooLong: true))
        } else {
            let content = UnsafeRawBufferPointer(start: line.baseAddress, count: count)
            try onLine(InputLine(bytes: content, number: lineNumber, isTooLong: false))
        }
    }
}
