import Foundation
import Pricing

/// A configuration file read whole: its text, display name and SHA-256 for the manifest.
public struct ConfigFile: Sendable {
    /// The last path component, as manifests and messages show it.
    public let name: String
    public let text: String
    public let sizeBytes: Int

    /// The SHA-256 of the file's bytes (its text is exactly those bytes, checked as UTF-8).
    /// Computed when the manifest asks, so a file refused while loading is never hashed: a
    /// 64 MiB catalog over a limit fails in a second instead of after hashing it.
    public var sha256: String { SHA256.hash(Array(text.utf8)) }

    /// Reads a file. Throws `ConfigFileError` when it is missing, unreadable, too large or not
    /// UTF-8.
    public init(path: String, bytesMax: Int) throws {
        let name = (path as NSString).lastPathComponent
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ConfigFileError(message: "\(path): cannot open the file; check the path")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: bytesMax + 1) ?? Data()
        } catch {
            throw ConfigFileError(message: "\(path): cannot read the file: \(error)")
        }
        guard data.count <= bytesMax else {
            throw ConfigFileError(message: "\(path): larger than \(bytesMax) bytes")
        }
        let bytes = [UInt8](data)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigFileError(message: "\(path): not UTF-8 text")
        }
        self.name = name
        self.text = text
        self.sizeBytes = bytes.count
    }
}

/// A configuration file that could not be read at all (exit code 1).
public struct ConfigFileError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
