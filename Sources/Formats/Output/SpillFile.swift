import Foundation

/// A failure to create, write or read back a temporary file of the run (a spill file, the
/// rejects spool): a full disk or a missing `$TMPDIR`. The run fails with nothing written.
public struct SpillError: Error, CustomStringConvertible {
    public let description: String

    /// An error with its message.
    public init(description: String) {
        self.description = description
    }
}

/// A temporary file of the run, unlinked as soon as it is created: the data lives while the
/// descriptor is open, and a killed run leaves no file behind. Appended to, then read back.
public final class SpillFile {
    private let descriptor: Int32
    private let folder: String
    /// Bytes appended so far.
    public private(set) var size = 0

    /// Creates the file in `folder` (its name starts `ratebook-<prefix>-`).
    public init(folder: String, prefix: String) throws {
        var template = Array((folder + "/ratebook-\(prefix)-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard made >= 0 else {
            throw SpillError(
                description: "cannot create a spill file in \(folder): "
                    + String(cString: strerror(errno)))
        }
        unlink(String(cString: template))
        descriptor = made
        self.folder = folder
    }

    deinit {
        close(descriptor)
    }

    /// Appends `bytes` at the end.
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                throw SpillError(
                    description: "cannot write a spill file in \(folder): "
                        + String(cString: strerror(errno)))
            }
            done += written
        }
        size += bytes.count
    }

    /// Fills `bytes` from `offset`; the bytes must have been appended.
    public func read(into bytes: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let got = pread(
                descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else {
                throw SpillError(
                    description: "cannot read a spill file in \(folder) back: "
                        + String(cString: got == 0 ? strerror(EIO) : strerror(errno)))
            }
            done += got
        }
    }
}
