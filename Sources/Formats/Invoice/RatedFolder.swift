import Foundation
import Pricing

/// `rate`'s output folder as `invoice` reads it: every file checked against the SHA-256 its
/// `manifest.json` records, and the catalog and customers files against the ones it was rated
/// with, so an edited, cut or swapped file is refused before anything is billed from it.
public struct RatedFolder {
    /// The folder as given on the command line, for messages.
    public let path: String
    /// The period `rate` ran for (`options.period` of its manifest).
    public let period: YearMonth
    /// `rated.ndjson`: its bytes (already checked against the manifest) and its manifest entry.
    public let rated: ConfigFile
    /// The exact bytes of `rated.ndjson`.
    public let ratedBytes: [UInt8]
    /// The exact bytes of `included-credits.ndjson`.
    public let includedCreditsBytes: [UInt8]
    /// What the manifest records, kept for `verify`.
    let recorded: RecordedDigests
    /// The SHA-256 of the folder's `manifest.json`: what an invoice run's `builds_on` records.
    public let manifestSHA256: String

    /// The SHA-256 values a rate manifest records, each 64 lowercase hex digits.
    struct RecordedDigests {
        let catalog: String
        let customers: String
        let outputs: [String: String]
    }

    /// The files of the folder `invoice` reads besides the manifest.
    static let ratedName = "rated.ndjson"
    static let includedCreditsName = "included-credits.ndjson"

    /// Reads `manifest.json` and the files `invoice` needs, checking that the manifest is a
    /// complete `rate` manifest (a missing or malformed hash is refused, never skipped) and
    /// that every file's bytes have the SHA-256 it records.
    ///
    /// Throws `RatedFolderError` (exit code 3) naming the file and what to do.
    public static func read(
        path: String, manifestBytesMax: Int
    ) throws(RatedFolderError)
        -> RatedFolder
    {
        let manifestPath = file(path, "manifest.json")
        let manifestBytes = try readBytes(manifestPath, bytesMax: manifestBytesMax)
        let (period, recorded) = try parseManifest(manifestBytes, path: manifestPath)
        let ratedBytes = try readBytes(file(path, ratedName), bytesMax: Int.max / 2)
        let creditsBytes = try readBytes(file(path, includedCreditsName), bytesMax: Int.max / 2)
        var problems: [String] = []
        /// The SHA-256 of `bytes`, noting a problem when it is not the recorded one.
        func checked(_ name: String, _ bytes: [UInt8]) -> String {
            let actual = SHA256.hash(bytes)
            let expected = recorded.outputs[name]!
            if actual != expected {
                problems.append(
                    "\(file(path, name)): SHA-256 \(actual) differs from \(expected) recorded in "
                        + "\(manifestPath): the file or the manifest changed after rate wrote "
                        + "them; re-run rate to rebuild \(path)")
            }
            return actual
        }
        let ratedDigest = checked(ratedName, ratedBytes)
        _ = checked(includedCreditsName, creditsBytes)
        if !problems.isEmpty { throw RatedFolderError(problems) }
        // The digest just checked, not a second pass over a file that can be gigabytes.
        return RatedFolder(
            path: path, period: period,
            rated: ConfigFile(name: ratedName, bytes: ratedBytes, sha256: ratedDigest),
            ratedBytes: ratedBytes, includedCreditsBytes: creditsBytes, recorded: recorded,
            manifestSHA256: SHA256.hash(manifestBytes))
    }

    /// Checks that `catalog` and `customers` are the very files the folder was rated with: a
    /// different catalog prices differently, so its invoices would not match the rated lines.
    /// The paths are the ones given on the command line, for the message.
    public func verify(
        catalog: ConfigFile, catalogPath: String, customers: ConfigFile, customersPath: String
    ) throws(RatedFolderError) {
        var problems: [String] = []
        let manifestPath = RatedFolder.file(path, "manifest.json")
        for (role, given, givenPath, expected) in [
            ("catalog", catalog, catalogPath, recorded.catalog),
            ("customers", customers, customersPath, recorded.customers),
        ] where given.sha256 != expected {
            problems.append(
                "--\(role) \(givenPath) (SHA-256 \(given.sha256)) is not the \(role) file "
                    + "\(path) was rated with (\(manifestPath) records \(expected)); re-run rate "
                    + "with this \(role) file, or invoice with the one it was rated with")
        }
        if !problems.isEmpty { throw RatedFolderError(problems) }
    }

    /// The path of `name` inside `folder`, as messages show it.
    public static func file(_ folder: String, _ name: String) -> String {
        (folder as NSString).appendingPathComponent(name)
    }

    /// The exact bytes of a file of the folder; hashing these bytes is what the check relies on.
    static func readBytes(_ path: String, bytesMax: Int) throws(RatedFolderError) -> [UInt8] {
        do {
            return try ConfigFile.readBytes(path: path, bytesMax: bytesMax)
        } catch {
            throw RatedFolderError([
                "\(error); --rated must name a complete rate output folder (re-run rate)"
            ])
        }
    }

    /// The period and recorded digests of a rate manifest, decoded by the one manifest codec;
    /// every field `invoice` relies on must be present and well-formed.
    static func parseManifest(
        _ bytes: [UInt8], path: String
    ) throws(RatedFolderError)
        -> (YearMonth, RecordedDigests)
    {
        let hint = "re-run rate to rebuild the folder"
        func broken(_ field: String, _ expected: String) -> RatedFolderError {
            RatedFolderError(["\(path): \(field): \(expected); \(hint)"])
        }
        let manifest: Manifest
        do {
            manifest = try Manifest.decode(bytes)
        } catch  where error.field.isEmpty {
            throw RatedFolderError(["\(path): \(error.problem); \(hint)"])
        } catch {
            throw broken(error.field, error.problem)
        }
        guard manifest.stage == "rate" else {
            throw broken("stage", "expected \"rate\": --rated must name rate's output folder")
        }
        guard let periodText = manifest.options.first(where: { $0.0 == "period" })?.1,
            let period = YearMonth(periodText)
        else {
            throw broken("options.period", "missing or not a period YYYY-MM")
        }
        let notDigest = "missing or not a SHA-256 (64 lowercase hex digits)"
        func digest(_ role: String) throws(RatedFolderError) -> String {
            guard let file = manifest.configuration.first(where: { $0.0 == role })?.1 else {
                throw broken("\(role).sha256", notDigest)
            }
            return file.sha256
        }
        var outputs: [String: String] = [:]
        for name in [ratedName, includedCreditsName] {
            guard let recorded = manifest.outputs.first(where: { $0.0 == name })?.1 else {
                throw broken("outputs.\(name)", notDigest)
            }
            outputs[name] = recorded
        }
        return (
            period,
            RecordedDigests(
                catalog: try digest("catalog"), customers: try digest("customers"),
                outputs: outputs)
        )
    }
}

/// A rated folder that is incomplete, corrupt, or not the one the given configuration rated
/// (exit code 3): every problem found, each naming its file and what to do.
public struct RatedFolderError: Error, CustomStringConvertible {
    public let problems: [String]

    public init(_ problems: [String]) {
        self.problems = problems
    }

    public var description: String { problems.joined(separator: "\n") }
}

extension InvoiceInputReader {
    /// Reads a grants or wallets file whole, as bytes: the readers check UTF-8 line by line so
    /// a bad byte is reported with its line. Throws `ConfigFileError` when the file is missing,
    /// unreadable or over `bytesMax`.
    public static func readFile(path: String, bytesMax: Int) throws -> (ConfigFile, [UInt8]) {
        let bytes = try ConfigFile.readBytes(path: path, bytesMax: bytesMax)
        return (ConfigFile(name: (path as NSString).lastPathComponent, bytes: bytes), bytes)
    }
}
