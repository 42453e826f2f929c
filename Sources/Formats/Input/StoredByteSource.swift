import Foundation

/// The stored (on-disk, still compressed) bytes of one input, read from a file descriptor in
/// 1 MiB blocks and hashed as they pass.
///
/// libarchive pulls blocks through `readBlock`. Every block is also fed to SHA-256 and counted,
/// so each file is read once for both decoding and fingerprinting. The hash must see the bytes
/// in order; `hashedBytes` is the frontier up to which they have been hashed. Sequential reading
/// (plain, compressed and tar inputs) only ever moves the frontier forward. The zip reader seeks
/// (to the central directory at the end, then back to each entry); a seek inside the current
/// block is served from memory, and bytes read ahead of the frontier are hashed later, so only
/// the central directory of a zip is read twice. `finishDigest` reads whatever libarchive did
/// not (tar end padding, bytes after a compressed stream) so the digest and size always cover
/// the whole file and equal `sha256sum` and `stat`.
final class StoredByteSource: ArchiveByteSource {
    /// Bytes per `read`/`pread` call, unless a smaller block is asked for (tests).
    static let blockBytesMax = 1 << 20

    /// The descriptor read from.
    private let fileDescriptor: Int32
    /// Whether to close `fileDescriptor` when done (not for standard input).
    private let ownsFileDescriptor: Bool
    /// Whether the descriptor is a regular file, which allows `pread` and seeking.
    let isRegularFile: Bool
    /// The block buffer, `blockBytes` bytes (`blockBytesMax` by default).
    private let buffer: UnsafeMutableRawBufferPointer
    /// The file offset of `buffer[0]`.
    private var bufferOffset: Int64 = 0
    /// How many bytes of `buffer` hold file data.
    private var bufferCount = 0
    /// The offset of the next byte libarchive will be given.
    private(set) var position: Int64 = 0
    /// Bytes `[0, hashedBytes)` have been fed to `digest`.
    private var hashedBytes: Int64 = 0
    /// The running SHA-256 of the stored bytes.
    private var digest = SHA256()
    /// Every byte read from the descriptor so far, re-reads included (for tests of reading once).
    private(set) var storedBytesRead: Int64 = 0
    /// Why the last read failed (errno text), for the error report.
    private(set) var failureMessage: String?
    /// Counts the hashed bytes for a progress line (nil: nobody is watching).
    var progress: InputProgress?

    /// Opens `path` for reading, or wraps standard input when `path` is nil; reads blocks of
    /// `blockBytes` (tests pass a few bytes, so that lines and magic numbers span blocks).
    init(
        path: String?, blockBytes: Int = StoredByteSource.blockBytesMax
    ) throws(ArchiveShimError) {
        precondition(blockBytes > 0, "blockBytes must be positive")
        if let path {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw ArchiveShimError(message: "cannot open: \(String(cString: strerror(errno)))")
            }
            fileDescriptor = descriptor
            ownsFileDescriptor = true
        } else {
            fileDescriptor = STDIN_FILENO
            ownsFileDescriptor = false
        }
        var status = stat()
        if fstat(fileDescriptor, &status) != 0 {
            let message = String(cString: strerror(errno))
            if ownsFileDescriptor { close(fileDescriptor) }
            throw ArchiveShimError(message: "cannot stat: \(message)")
        }
        let kind = status.st_mode & S_IFMT
        if kind == S_IFDIR {
            if ownsFileDescriptor { close(fileDescriptor) }
            throw ArchiveShimError(message: "is a directory, not a file")
        }
        isRegularFile = kind == S_IFREG
        buffer = .allocate(byteCount: blockBytes, alignment: 16)
    }

    deinit {
        buffer.deallocate()
        if ownsFileDescriptor { close(fileDescriptor) }
    }

    /// Whether the stored bytes start with a zip signature (local file header, or the end of
    /// central directory of an empty zip). Reads the first block, which libarchive then reuses.
    ///
    /// Only a zip benefits from seeking; registering a seek callback for other inputs would let
    /// libarchive's zip bidder seek to the end of every large plain file.
    func startsWithZipSignature() -> Bool {
        if bufferCount == 0, position == 0 {
            guard fill(at: 0) else { return false }
        }
        guard bufferOffset == 0, bufferCount >= 4 else { return false }
        let signature = buffer.loadUnaligned(as: UInt32.self).littleEndian
        return signature == 0x0403_4b50 || signature == 0x0605_4b50
    }

    /// Hands libarchive the bytes from `position` to the end of the current block, reading a
    /// new block when `position` is outside it.
    func readBlock() -> ArchiveSourceBlock {
        let bufferEnd = bufferOffset + Int64(bufferCount)
        if position < bufferOffset || position >= bufferEnd {
            guard fill(at: position) else { return .failure }
            if bufferCount == 0 { return .end }
        }
        let start = Int(position - bufferOffset)
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[start..<bufferCount])
        position = bufferOffset + Int64(bufferCount)
        return .bytes(bytes)
    }

    /// Moves `position`; libarchive calls this only for regular files that look like a zip.
    func seek(offset: Int64, whence: Int32) -> Int64 {
        precondition(isRegularFile, "seek on a stream input")
        let target: Int64
        switch whence {
        case SEEK_SET:
            target = offset
        case SEEK_CUR:
            target = position + offset
        case SEEK_END:
            var status = stat()
            guard fstat(fileDescriptor, &status) == 0 else { return -1 }
            target = Int64(status.st_size) + offset
        default:
            return -1
        }
        guard target >= 0 else { return -1 }
        position = target
        return target
    }

    /// Reads what libarchive left unread and returns the stored size and lowercase hex SHA-256.
    func finishDigest() throws(ArchiveShimError) -> (sizeBytes: Int64, sha256: String) {
        while true {
            // Hash the rest of the current block, when it reaches past the frontier.
            let bufferEnd = bufferOffset + Int64(bufferCount)
            if bufferOffset <= hashedBytes, hashedBytes < bufferEnd {
                hashBuffer()
                continue
            }
            guard fill(at: hashedBytes) else {
                throw ArchiveShimError(message: failureMessage ?? "read failed")
            }
            if bufferCount == 0 { break }
        }
        return (hashedBytes, SHA256.hex(digest.finalize()))
    }

    /// Reads one block at `offset` into `buffer` (`pread` for files, `read` for streams) and
    /// hashes the part past the frontier. Returns false on a read error.
    private func fill(at offset: Int64) -> Bool {
        var count: Int
        repeat {
            if isRegularFile {
                count = pread(fileDescriptor, buffer.baseAddress, buffer.count, off_t(offset))
            } else {
                precondition(
                    offset == bufferOffset + Int64(bufferCount), "stream read out of order")
                count = read(fileDescriptor, buffer.baseAddress, buffer.count)
            }
        } while count < 0 && errno == EINTR
        guard count >= 0 else {
            failureMessage = "read failed: \(String(cString: strerror(errno)))"
            return false
        }
        storedBytesRead += Int64(count)
        bufferOffset = offset
        bufferCount = count
        hashBuffer()
        return true
    }

    /// Feeds the bytes of `buffer` past the hash frontier to the digest, if the buffer starts at
    /// or before the frontier (bytes further ahead are hashed when the frontier reaches them).
    private func hashBuffer() {
        let bufferEnd = bufferOffset + Int64(bufferCount)
        guard bufferOffset <= hashedBytes, hashedBytes < bufferEnd else { return }
        let start = Int(hashedBytes - bufferOffset)
        digest.update(UnsafeRawBufferPointer(rebasing: buffer[start..<bufferCount]))
        progress?.addStoredBytes(bufferEnd - hashedBytes)
        hashedBytes = bufferEnd
    }
}
