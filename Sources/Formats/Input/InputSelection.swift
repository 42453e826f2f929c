import Foundation

/// One input to read: a regular file, or standard input.
public struct InputFile: Hashable, Sendable {
    /// The name used in rejects and manifests (§11): the argument's last path component, plus
    /// the path inside it for files found in a directory; `-` for standard input.
    public let displayName: String
    /// Where to open the file, as given on the command line (never written to outputs);
    /// nil means standard input.
    public let path: String?

    /// Creates an input with a display name and a path (nil for standard input).
    public init(displayName: String, path: String?) {
        self.displayName = displayName
        self.path = path
    }
}

/// The inputs of a run, sorted by display name, and what directory walking left out.
public struct InputSelection: Sendable {
    /// Inputs sorted by display name, comparing UTF-8 bytes.
    public let files: [InputFile]
    /// Display names of directory entries that were not read, sorted bytewise: files and folders
    /// whose names start with `.` (a skipped folder is listed once, not its contents), plus
    /// symbolic links to directories and entries that are not regular files (sockets, FIFOs,
    /// devices, dangling links).
    public let skipped: [String]

    /// Creates a selection; `selectInputs` is the usual way to get one.
    public init(files: [InputFile], skipped: [String]) {
        self.files = files
        self.skipped = skipped
    }
}

/// Why the command-line input arguments cannot be used; a usage error.
public enum InputSelectionError: Error, CustomStringConvertible, Equatable {
    /// The argument names nothing (or a dangling symbolic link).
    case missing(argument: String)
    /// The argument exists but is neither a regular file nor a directory.
    case notRegularFile(argument: String)
    /// A directory named by (or found under) the argument could not be listed.
    case unreadableDirectory(argument: String, path: String, reason: String)
    /// Two inputs would get the same display name, so rejects could not tell them apart.
    case duplicateDisplayName(displayName: String, firstArgument: String, secondArgument: String)
    /// A file or folder under a directory argument has a name that is not UTF-8; it cannot be
    /// named in outputs, and skipping it would lose its events. `name` shows the bytes that are
    /// not UTF-8 as `\xNN` (backslashes doubled), like raw lines in rejects.
    case nameNotUTF8(argument: String, name: String)
    /// An archive member's display name (`x.tar!a`) equals another input's (a file named
    /// `x.tar!a`, or a member of another archive); found once the archive is read.
    case memberDisplayName(displayName: String, archive: String)

    /// A one-line message naming the argument and what to do.
    public var description: String {
        switch self {
        case .missing(let argument):
            return "input \(quoted(argument)): no such file or directory"
        case .notRegularFile(let argument):
            return "input \(quoted(argument)): not a regular file or directory; "
                + "pass files, directories or - for standard input"
        case .unreadableDirectory(let argument, let path, let reason):
            return "input \(quoted(argument)): cannot list directory \(quoted(path)): \(reason)"
        case .duplicateDisplayName(let name, let first, let second):
            if first == second {
                return "input \(quoted(first)) is given twice (display name \(quoted(name))); "
                    + "give each input once"
            }
            return "inputs \(quoted(first)) and \(quoted(second)) both have the display name "
                + "\(quoted(name)); rename one or pass their parent directories instead"
        case .nameNotUTF8(let argument, let name):
            return "input \(quoted(argument)): the name \(quoted(name)) is not valid UTF-8 "
                + "(bytes shown as \\xNN), so it cannot be named in the outputs and is not read; "
                + "rename it to UTF-8 (e.g. with convmv) and run again"
        case .memberDisplayName(let name, let archive):
            return "archive \(quoted(archive)) holds a member whose display name \(quoted(name)) "
                + "is also another input's; rename that input (a \"!\" in a file name reads as "
                + "an archive member) or pass the inputs in separate runs"
        }
    }
}

/// Quotes a name for a message, so spaces and empty names stay visible.
private func quoted(_ text: String) -> String {
    "\"\(text)\""
}

/// Expands command-line input arguments into the sorted list of inputs to read.
///
/// - An argument `-` is standard input, display name `-`.
/// - A file argument is read whatever its name (also a name starting with `.`: it was asked
///   for); its display name is its last path component.
/// - A directory argument is walked recursively; entries whose names start with `.` are skipped
///   and listed, and every other regular file is an input named
///   `<last component of the argument>/<path inside>`.
///
/// Symbolic links: an argument is followed wherever it points (the user named it). Inside a
/// directory, a link to a regular file is read under the link's own name, like any file there;
/// a link to a directory is not followed (that would allow cycles and reading outside the
/// tree given) and is listed in `skipped`, as are dangling links and non-regular entries.
///
/// Complexity: O(n log n) in the number of files, plus one `stat` per directory entry.
///
/// Names inside a directory are read as bytes: one that is not UTF-8 cannot be named in the
/// outputs, so it fails the selection (a hidden one is skipped and listed with `\xNN` escapes).
///
/// - Throws: `InputSelectionError` for a missing argument, an argument that is neither a regular
///   file nor a directory, an unlistable directory, a name under a directory that is not UTF-8,
///   or two inputs with the same display name.
public func selectInputs(_ arguments: [String]) throws -> InputSelection {
    var found: [(file: InputFile, argument: String)] = []
    var skipped: [String] = []
    for argument in arguments {
        if argument == "-" {
            found.append((InputFile(displayName: "-", path: nil), argument))
            continue
        }
        switch fileKind(atPath: argument) {
        case .missing:
            throw InputSelectionError.missing(argument: argument)
        case .other:
            throw InputSelectionError.notRegularFile(argument: argument)
        case .regularFile:
            let name = displayRoot(of: argument)
            found.append((InputFile(displayName: name, path: argument), argument))
        case .directory:
            try walkDirectory(
                path: argument, displayName: displayRoot(of: argument), argument: argument,
                found: &found, skipped: &skipped)
        }
    }
    found.sort { $0.file.displayName.utf8.lexicographicallyPrecedes($1.file.displayName.utf8) }
    // Bytewise, like the sort: String `==` would equate differently normalized names.
    for (earlier, later) in zip(found, found.dropFirst())
    where earlier.file.displayName.utf8.elementsEqual(later.file.displayName.utf8) {
        throw InputSelectionError.duplicateDisplayName(
            displayName: later.file.displayName, firstArgument: earlier.argument,
            secondArgument: later.argument)
    }
    skipped.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    return InputSelection(files: found.map(\.file), skipped: skipped)
}

/// What a path names, after following symbolic links.
private enum FileKind {
    case missing
    case regularFile
    case directory
    case other
}

/// Classifies `path` with `stat`, which follows symbolic links.
private func fileKind(atPath path: String) -> FileKind {
    var status = stat()
    guard stat(path, &status) == 0 else { return .missing }
    switch status.st_mode & S_IFMT {
    case S_IFREG: return .regularFile
    case S_IFDIR: return .directory
    default: return .other
    }
}

/// Whether `path` itself is a symbolic link (`lstat`, not following it).
private func isSymbolicLink(atPath path: String) -> Bool {
    var status = stat()
    guard lstat(path, &status) == 0 else { return false }
    return status.st_mode & S_IFMT == S_IFLNK
}

/// The display name of an argument: its last path component as given.
///
/// Trailing slashes are ignored (`events/` is `events`). For `.`, `..` or `/`, which name no
/// folder, the last component of the resolved path is used instead (`rate .` inside `events`
/// gives `events/…`).
private func displayRoot(of argument: String) -> String {
    var trimmed = Substring(argument)
    while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    let last = trimmed.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init)
    if let last, last != ".", last != ".." { return last }
    if let resolved = realpath(argument, nil) {
        defer { free(resolved) }
        let resolvedText = String(cString: resolved)
        if let component = resolvedText.split(separator: "/").last { return String(component) }
    }
    return "/"
}

/// Appends every regular file under `path` to `found`, recursively, and every entry left out to
/// `skipped`.
private func walkDirectory(
    path: String, displayName: String, argument: String,
    found: inout [(file: InputFile, argument: String)], skipped: inout [String]
) throws {
    let rawNames: [[UInt8]]
    do {
        rawNames = try directoryEntryNames(atPath: path)
    } catch {
        throw InputSelectionError.unreadableDirectory(
            argument: argument, path: path, reason: error.reason)
    }
    for rawName in rawNames {
        guard let name = String(validating: rawName, as: UTF8.self) else {
            let shown = displayName + "/" + RejectRecord.rawText(rawName).0
            // A hidden entry is skipped whatever its name; any other would be an event file
            // (or folder of them) that nobody reads.
            if rawName.first == UInt8(ascii: ".") {
                skipped.append(shown)
                continue
            }
            throw InputSelectionError.nameNotUTF8(argument: argument, name: shown)
        }
        let childPath = path.hasSuffix("/") ? path + name : path + "/" + name
        let childDisplayName = displayName + "/" + name
        if name.hasPrefix(".") {
            skipped.append(childDisplayName)
            continue
        }
        switch fileKind(atPath: childPath) {
        case .regularFile:
            found.append((InputFile(displayName: childDisplayName, path: childPath), argument))
        case .directory:
            if isSymbolicLink(atPath: childPath) {
                skipped.append(childDisplayName)
            } else {
                try walkDirectory(
                    path: childPath, displayName: childDisplayName, argument: argument,
                    found: &found, skipped: &skipped)
            }
        case .missing, .other:
            skipped.append(childDisplayName)
        }
    }
}

/// Why a directory could not be listed: the `strerror` text.
private struct DirectoryListingError: Error {
    /// The C library's description of `errno`.
    let reason: String
}

/// The names in directory `path` as the bytes the file system stores (without `.` and `..`),
/// sorted by bytes.
///
/// Not `FileManager.contentsOfDirectory`, which turns a name that is not UTF-8 into a lossy
/// string that names no file, so the file was silently skipped.
private func directoryEntryNames(atPath path: String) throws(DirectoryListingError) -> [[UInt8]] {
    guard let directory = opendir(path) else {
        throw DirectoryListingError(reason: String(cString: strerror(errno)))
    }
    defer { closedir(directory) }
    var names: [[UInt8]] = []
    while true {
        errno = 0
        guard let entry = readdir(directory) else {
            if errno != 0 { throw DirectoryListingError(reason: String(cString: strerror(errno))) }
            // readdir's order depends on the file system; the walk (and so which of two bad
            // entries is reported) must not.
            return names.sorted { $0.lexicographicallyPrecedes($1) }
        }
        let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
            Array(bytes.prefix(while: { $0 != 0 }))
        }
        if name == [0x2E] || name == [0x2E, 0x2E] { continue }
        names.append(name)
    }
}

/// Throws when an archive member's display name (`x.tar!a`) equals another input's display name
/// or another archive's member's (SPEC §11: two inputs with the same display name are a usage
/// error). Member names are known only once archives are read, so this runs after reading and
/// before anything is written. Compared as UTF-8 bytes, like the sort.
///
/// - Parameter summaries: every input's summary, in reading order (which makes the member
///   reported deterministic).
public func checkMemberDisplayNames(_ summaries: [InputSummary]) throws(InputSelectionError) {
    var names = Set(summaries.map { Array($0.displayName.utf8) })
    for summary in summaries {
        for member in summary.members where !names.insert(Array(member.utf8)).inserted {
            throw InputSelectionError.memberDisplayName(
                displayName: member, archive: summary.displayName)
        }
    }
}
