import CArchive
import Glibc

// The only file in Ratebook that calls libarchive. Everything above it sees typed Swift:
// `ArchiveReadHandle` for one `struct archive *` opened for reading, `ArchiveByteSource` for
// the bytes it reads, and `ArchiveShimError` for anything libarchive reports. ARCHIVE_WARN is
// a failure here: a warning from libarchive means data we cannot vouch for.

/// The archive formats Ratebook lets libarchive detect; each is enabled explicitly.
enum ArchiveFormatSupport: CaseIterable {
    /// A single stream of bytes with no archive structure (plain or compressed NDJSON).
    case raw
    /// POSIX tar in all its dialects libarchive reads (ustar, pax, GNU).
    case tar
    /// Zip, streamed or, when the source can seek, through its central directory.
    case zip
    /// A source of zero bytes; format `raw` alone rejects it.
    case empty
}

/// The compression filters Ratebook lets libarchive detect by content.
///
/// Enabled one by one, never `archive_read_support_filter_all`, which also enables filters that
/// run external programs (lzop, lrzip, grzip).
enum ArchiveFilterSupport: CaseIterable {
    /// gzip (RFC 1952), including concatenated members. Not used by the reader, which decodes
    /// gzip itself (`DecodingByteSource`) so that every member's CRC-32 is checked.
    case gzip
    /// Zstandard. Not used by the reader, which decodes zstd itself (`DecodingByteSource`) so
    /// that a tar's end-of-archive marker can be checked in a `.tar.zst`.
    case zstd
    /// xz (LZMA2). The reader runs it in `DecodingByteSource`'s own raw reader, not in the
    /// handles that read formats.
    case xz
    /// bzip2. Run like `xz`.
    case bzip2
}

/// What libarchive found as an archive's format after the first header was read.
enum ArchiveDetectedFormat: Equatable {
    /// One unstructured stream: the whole (decompressed) input is one source of lines.
    case raw
    /// Zero bytes after decompression.
    case empty
    /// A real archive (tar or zip) whose entries are separate sources.
    case archive
}

/// A failure reported by libarchive, with its message.
struct ArchiveShimError: Error {
    /// libarchive's error text, or a description of the call that failed.
    let message: String
}

/// One block of bytes handed to libarchive, or the end of the source, or a failure.
enum ArchiveSourceBlock {
    /// Bytes that stay valid until the next `readBlock` call on the same source.
    case bytes(UnsafeRawBufferPointer)
    /// The source has no more bytes.
    case end
    /// The source failed; the source keeps the reason for its owner to report.
    case failure
}

/// The bytes an `ArchiveReadHandle` reads: a file descriptor, or another archive's entry.
///
/// Sources are classes because libarchive holds them through C callbacks for the handle's
/// whole life; the handle keeps a strong reference.
protocol ArchiveByteSource: AnyObject {
    /// Returns the next block of bytes; the previous block may be overwritten.
    func readBlock() -> ArchiveSourceBlock
    /// Repositions the source like `lseek` (`whence` is SEEK_SET, SEEK_CUR or SEEK_END) and
    /// returns the new offset, or -1. Only called when the handle was opened with `canSeek`.
    func seek(offset: Int64, whence: Int32) -> Int64
}

/// The read side of one libarchive handle: enable formats and filters, open over a source,
/// walk entries and read their data blocks.
///
/// Not thread-safe; one handle per reading task. Freed when the value is released.
final class ArchiveReadHandle {
    /// The libarchive handle; never nil after `init` succeeds.
    private let archive: OpaquePointer
    /// The source; set once by `open`.
    private var source: ArchiveByteSource?

    /// Creates a read handle that accepts exactly `formats` and `filters`.
    ///
    /// - Throws: `ArchiveShimError` when libarchive cannot allocate the handle, or when enabling a
    ///   format or filter does not return ARCHIVE_OK (ARCHIVE_WARN there means libarchive would
    ///   fall back to running an external program).
    init(formats: [ArchiveFormatSupport], filters: [ArchiveFilterSupport]) throws {
        let previousLocale = enterUTF8Locale()
        defer { leaveUTF8Locale(previousLocale) }
        guard let archive = archive_read_new() else {
            throw ArchiveShimError(message: "libarchive could not allocate a reader")
        }
        self.archive = archive
        for format in formats {
            let status: Int32
            switch format {
            case .raw: status = archive_read_support_format_raw(archive)
            case .tar: status = archive_read_support_format_tar(archive)
            case .zip: status = archive_read_support_format_zip(archive)
            case .empty: status = archive_read_support_format_empty(archive)
            }
            try check(status, "enabling format \(format)")
        }
        for filter in filters {
            let status: Int32
            switch filter {
            case .gzip: status = archive_read_support_filter_gzip(archive)
            case .zstd: status = archive_read_support_filter_zstd(archive)
            case .xz: status = archive_read_support_filter_xz(archive)
            case .bzip2: status = archive_read_support_filter_bzip2(archive)
            }
            try check(status, "enabling filter \(filter)")
        }
    }

    deinit {
        archive_read_free(archive)
    }

    /// Opens the handle over `source`; libarchive reads its first bytes to detect filters.
    ///
    /// - Parameter canSeek: registers a seek callback, which lets the zip reader use the central
    ///   directory. Only pass true for a source whose `seek` works (a regular file).
    func open(_ source: ArchiveByteSource, canSeek: Bool) throws {
        precondition(self.source == nil, "ArchiveReadHandle opened twice")
        let previousLocale = enterUTF8Locale()
        defer { leaveUTF8Locale(previousLocale) }
        self.source = source
        let box = SourceBox(source)
        // libarchive holds the box unretained; `box` keeps it alive as long as the handle.
        self.box = box
        let clientData = Unmanaged.passUnretained(box).toOpaque()
        try check(archive_read_set_callback_data(archive, clientData), "setting callback data")
        try check(archive_read_set_read_callback(archive, readCallback), "setting read callback")
        if canSeek {
            try check(
                archive_read_set_seek_callback(archive, seekCallback), "setting seek callback")
        }
        try check(archive_read_open1(archive), "opening the input")
    }

    /// The box handed to libarchive as client data; kept alive as long as the handle.
    private var box: SourceBox?

    /// Advances to the next entry and returns it, or nil at the end of the archive.
    func nextEntry() throws -> ArchiveEntryInfo? {
        let previousLocale = enterUTF8Locale()
        defer { leaveUTF8Locale(previousLocale) }
        var entry: OpaquePointer?
        let status = archive_read_next_header(archive, &entry)
        if status == ARCHIVE_EOF { return nil }
        try check(status, "reading the next archive header")
        guard let entry else {
            throw ArchiveShimError(message: "libarchive returned no entry for a header")
        }
        var path: String?
        if let text = archive_entry_pathname_utf8(entry) {
            path = String(cString: text)
        } else if let text = archive_entry_pathname(entry) {
            // Not UTF-8: shown with `\xNN` escapes (backslashes doubled), like raw lines in
            // rejects, so distinct byte names stay distinct display names (a lossy U+FFFD
            // repair would merge them).
            let bytes = UnsafeRawBufferPointer(start: text, count: strlen(text))
            path = String(validating: bytes, as: UTF8.self)
                ?? RejectRecord.rawText(Array(bytes)).0
        }
        // AE_IFREG and AE_IFDIR are cast macros that do not import into Swift.
        let fileType = UInt32(archive_entry_filetype(entry)) & 0o170000
        // A tar hard link is a regular-file entry without data that names an earlier member.
        let isHardLink = archive_entry_hardlink(entry) != nil
        return ArchiveEntryInfo(
            path: path, isRegularFile: fileType == 0o100000 && !isHardLink,
            isDirectory: fileType == 0o040000)
    }

    /// Returns the next block of the current entry's data, or nil at the entry's end.
    ///
    /// The bytes point into libarchive's buffers (no copy) and are valid until the next call on
    /// this handle. `offset` is the block's position in the entry; a gap means a sparse entry.
    func nextDataBlock() throws -> (bytes: UnsafeRawBufferPointer, offset: Int64)? {
        let previousLocale = enterUTF8Locale()
        defer { leaveUTF8Locale(previousLocale) }
        var buffer: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        let status = archive_read_data_block(archive, &buffer, &size, &offset)
        if status == ARCHIVE_EOF { return nil }
        try check(status, "reading data")
        return (UnsafeRawBufferPointer(start: size > 0 ? buffer : nil, count: size), offset)
    }

    /// The format libarchive settled on; meaningful after the first `nextEntry` call.
    var detectedFormat: ArchiveDetectedFormat {
        let format = archive_format(archive) & ARCHIVE_FORMAT_BASE_MASK
        if format == ARCHIVE_FORMAT_RAW { return .raw }
        if format == ARCHIVE_FORMAT_EMPTY { return .empty }
        return .archive
    }

    /// Whether the format settled on is tar (any dialect); meaningful after `nextEntry`.
    var isTar: Bool {
        (archive_format(archive) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_TAR
    }

    /// Whether libarchive decompresses (a filter is in use; never in the reader's format
    /// handles, which enable none), in which case
    /// the source's bytes are not the bytes the format reads.
    var usesCompressionFilter: Bool {
        // The bottom filter (the client's bytes, "none") is always there.
        archive_filter_count(archive) > 1
    }

    /// How many bytes the format has consumed from the (decompressed) data so far.
    var formatConsumedBytes: Int64 {
        Int64(archive_filter_bytes(archive, 0))
    }

    /// How many bytes of the source the filters (or the format, when there is none) have
    /// consumed so far: bytes read ahead and not consumed are not counted.
    var clientConsumedBytes: Int64 {
        // Filter -1 is the bottom one, which reads the source.
        Int64(archive_filter_bytes(archive, -1))
    }

    /// Throws unless `status` is ARCHIVE_OK; ARCHIVE_WARN counts as failure.
    private func check(_ status: Int32, _ action: @autoclosure () -> String) throws {
        guard status != ARCHIVE_OK else { return }
        var message = "libarchive failed while \(action())"
        if let text = archive_error_string(archive) {
            message = String(cString: text)
        } else if status == ARCHIVE_WARN {
            message = "libarchive warned while \(action())"
        }
        throw ArchiveShimError(message: message)
    }
}

/// The C.UTF-8 locale, or nil where the C library lacks it.
///
/// libarchive converts member names to the charset of the current locale (it asks
/// `nl_langinfo(CODESET)` once per handle). A Swift process runs in the "C" locale, ASCII, so a
/// pax or zip name like `événements.ndjson` would fail with ARCHIVE_WARN. Switching the calling
/// thread (only) to C.UTF-8 around libarchive calls keeps names as the UTF-8 they are stored
/// as, without touching the process-wide locale other threads see.
/// Only LC_CTYPE changes (the charset); `LC_CTYPE_MASK` is a macro Swift cannot import.
nonisolated(unsafe) private let utf8Locale: locale_t? = newlocale(
    Int32(1) << LC_CTYPE, "C.UTF-8", nil)

/// Makes C.UTF-8 the calling thread's locale; returns the previous one for `leaveUTF8Locale`.
private func enterUTF8Locale() -> locale_t? {
    guard let utf8Locale else { return nil }
    return uselocale(utf8Locale)
}

/// Restores the thread locale `enterUTF8Locale` replaced.
private func leaveUTF8Locale(_ previous: locale_t?) {
    guard let previous else { return }
    uselocale(previous)
}

/// An archive entry as Ratebook needs it.
struct ArchiveEntryInfo {
    /// The entry's path inside the archive, or nil when libarchive could not decode it.
    let path: String?
    /// Whether the entry is a regular file with data (directories, symbolic and hard links and
    /// devices are not).
    let isRegularFile: Bool
    /// Whether the entry is a directory (skipped without mention: it holds no events itself).
    let isDirectory: Bool
}

/// Holds a source for the C callbacks, which receive it as an opaque pointer.
private final class SourceBox {
    /// The source the callbacks forward to.
    let source: ArchiveByteSource
    /// Wraps `source`.
    init(_ source: ArchiveByteSource) { self.source = source }
}

/// libarchive's read callback: forwards to the source and reports end or failure.
private let readCallback: @convention(c) (
    OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<UnsafeRawPointer?>?
) -> la_ssize_t = { _, clientData, bufferOut in
    guard let clientData, let bufferOut else { return -1 }
    let box = Unmanaged<SourceBox>.fromOpaque(clientData).takeUnretainedValue()
    switch box.source.readBlock() {
    case .bytes(let bytes):
        bufferOut.pointee = bytes.baseAddress
        return la_ssize_t(bytes.count)
    case .end:
        bufferOut.pointee = nil
        return 0
    case .failure:
        return la_ssize_t(ARCHIVE_FATAL)
    }
}

/// libarchive's seek callback: forwards to the source.
private let seekCallback: @convention(c) (
    OpaquePointer?, UnsafeMutableRawPointer?, la_int64_t, Int32
) -> la_int64_t = { _, clientData, offset, whence in
    guard let clientData else { return -1 }
    let box = Unmanaged<SourceBox>.fromOpaque(clientData).takeUnretainedValue()
    return box.source.seek(offset: offset, whence: whence)
}
