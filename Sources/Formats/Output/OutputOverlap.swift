#if canImport(Glibc)
    import Glibc
#endif

/// Refuses an output folder that is, contains, or is inside one of the run's inputs.
///
/// Replacing an output folder removes everything in it. An output equal to or containing an
/// input (the events folder, `--rated`, the catalog) would delete that input; an output inside
/// an input folder would be read as input by the next run. Paths are compared as real paths:
/// symlinks and `..` resolved, the output's missing tail (it may not exist yet) appended to
/// its nearest existing ancestor.
public enum OutputOverlap {
    /// How an output folder and an input overlap.
    public enum Relation: String, Sendable {
        case same = "is"
        case containsInput = "contains"
        case insideInput = "is inside"
    }

    /// One input the output folder overlaps: the option that named it and both paths.
    public struct Conflict: Equatable, Sendable, CustomStringConvertible {
        public let output: String
        public let input: String
        /// The option or argument that named the input (`--rated`, `input`).
        public let label: String
        public let relation: Relation

        /// One line naming both paths and what to do.
        public var description: String {
            "--output '\(output)' \(relation.rawValue) \(label) '\(input)'; replacing the output "
                + "folder would delete or re-read that input. Choose an output folder that "
                + "neither is nor holds an input and is not inside an input folder."
        }
    }

    /// The first input (in the order given) that `output` is, contains or is inside; `nil`
    /// when none. `inputs` pairs a label with a path; `-` (standard input) is skipped.
    public static func firstConflict(
        output: String, inputs: [(label: String, path: String)]
    )
        -> Conflict?
    {
        let outputReal = realPath(output)
        for (label, path) in inputs where path != "-" && !path.isEmpty {
            let inputReal = realPath(path)
            let relation: Relation
            if outputReal == inputReal {
                relation = .same
            } else if isInside(inputReal, outputReal) {
                relation = .containsInput
            } else if isInside(outputReal, inputReal) {
                relation = .insideInput
            } else {
                continue
            }
            return Conflict(output: output, input: path, label: label, relation: relation)
        }
        return nil
    }

    /// Whether `path` lies strictly below `folder` (both absolute and normalized).
    static func isInside(_ path: String, _ folder: String) -> Bool {
        if folder == "/" { return path != "/" }
        return path.hasPrefix(folder + "/")
    }

    /// The absolute path with symlinks and `.`/`..` resolved. A missing tail is appended,
    /// normalized lexically, to the real path of its nearest existing ancestor.
    static func realPath(_ path: String) -> String {
        var absolute = path
        if !absolute.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let cwd = getcwd(&buffer, buffer.count).map { String(cString: $0) } ?? "."
            absolute = cwd + "/" + path
        }
        var existing = absolute.split(separator: "/").map(String.init)
        var missing: [String] = []
        while true {
            let candidate = "/" + existing.joined(separator: "/")
            if let resolved = realpath(candidate, nil) {
                defer { free(resolved) }
                var components = String(cString: resolved).split(separator: "/").map(String.init)
                for component in missing.reversed() {
                    switch component {
                    case ".": continue
                    case "..": if !components.isEmpty { components.removeLast() }
                    default: components.append(component)
                    }
                }
                return "/" + components.joined(separator: "/")
            }
            guard let last = existing.popLast() else { return absolute }
            missing.append(last)
        }
    }
}
