import Foundation
import Pricing

/// A configuration file read whole: its text, display name and SHA-256 for the manifest.
public struct ConfigFile: Sendable {
    /// The last path component, as manifests and messages show it.
    public let name: String
    /// The file's text. A file made from bytes (`rated.ndjson`, grants, wallets: their readers
    /// work from the bytes) keeps only the bytes it shares with its reader and decodes them
    /// (lossily) when asked, so a large file is not held twice.
    public var text: String {
        switch content {
        case .text(let text): text
        case .bytes(let bytes): String(decoding: bytes, as: UTF8.self)
        }
    }
    /// What the file holds: validated text, or bytes decoded only on use.
    enum Content: Sendable {
        case text(String)
        case bytes([UInt8])
    }
    let content: Content
    public let sha256: String
    public let sizeBytes: Int

    /// Reads a file. Throws `ConfigFileError` when it is missing, unreadable, too large or not
    /// UTF-8; `largeFileAdvice` ends the message for a file over `bytesMax`.
    public init(path: String, bytesMax: Int, largeFileAdvice: String? = nil) throws {
        let name = (path as NSString).lastPathComponent
        let bytes = try ConfigFile.readBytes(
            path: path, bytesMax: bytesMax, largeFileAdvice: largeFileAdvice)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigFileError(message: "\(path): not UTF-8 text")
        }
        self.name = name
        self.content = .text(text)
        self.sha256 = SHA256.hash(bytes)
        self.sizeBytes = bytes.count
    }

    /// The bytes of the file at `path`, read whole. Throws `ConfigFileError` when it is missing,
    /// unreadable or larger than `bytesMax` (the message then ends with `largeFileAdvice`).
    public static func readBytes(
        path: String, bytesMax: Int, largeFileAdvice: String? = nil
    )
        throws -> [UInt8]
    {
        // A folder opens for reading on Linux and fails only on read, with Foundation's words.
        var status = stat()
        if stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
            throw ConfigFileError(
                message: "\(path): a folder, not a file; give the path of the file itself")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ConfigFileError(message: "\(path): cannot open the file; check the path")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: bytesMax + 1) ?? Data()
        } catch {
            throw ConfigFileError(
                message: "\(path): cannot read the file: \(ConfigFile.systemReason(error))")
        }
        guard data.count <= bytesMax else {
            throw ConfigFileError(
                message: "\(path): larger than \(bytesMax) bytes"
                    + (largeFileAdvice.map { "; " + $0 } ?? ""))
        }
        return [UInt8](data)
    }
}

extension ConfigFile {
    /// The system's words for a failed read (`Input/output error`), not Foundation's error
    /// domain and user-info dump.
    static func systemReason(_ error: Error) -> String {
        let wrapped = error as NSError
        let posix = (wrapped.userInfo[NSUnderlyingErrorKey] as? NSError) ?? wrapped
        guard posix.domain == NSPOSIXErrorDomain else { return wrapped.localizedDescription }
        return String(cString: strerror(Int32(posix.code))) + " (errno \(posix.code))"
    }
}

/// What to do with a customers file in YAML over the size limit: NDJSON has no indentation, so
/// the same book is smaller (8 % for bench/gen_customers.py; more for deeper block style). It
/// is not read faster: since the events reading, 100,000 customers load as fast from YAML.
public func customersYAMLAdvice(_ file: String) -> String? {
    guard file.hasSuffix(".yaml") || file.hasSuffix(".yml") else { return nil }
    return "for large books write customers.ndjson (one customer a line, no indentation: "
        + "smaller), or split the customers into several runs"
}

extension ConfigFile {
    /// A file already read as `bytes`, named `name` in manifests; `sha256` is their digest when
    /// the caller has computed it already (else it is computed here). Bytes that are not UTF-8
    /// give a lossy `text`; the readers that take such files work from the bytes and report the
    /// line.
    public init(name: String, bytes: [UInt8], sha256: String? = nil) {
        self.name = name
        self.content = .bytes(bytes)
        self.sha256 = sha256 ?? SHA256.hash(bytes)
        self.sizeBytes = bytes.count
    }
}

/// A configuration file that could not be read at all (exit code 1).
public struct ConfigFileError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
