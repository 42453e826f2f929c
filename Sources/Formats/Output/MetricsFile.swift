import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One metric of a Prometheus text-exposition file: its name, help, type and samples.
public struct Metric: Sendable {
    public let name: String
    public let help: String
    /// `gauge` for every Ratebook metric: each file describes one run, replacing the last.
    public let type: String
    /// Label pairs and the value's text (a decimal, written exactly as computed).
    public let samples: [(labels: [(String, String)], value: String)]

    public init(
        name: String, help: String, type: String = "gauge",
        samples: [(labels: [(String, String)], value: String)]
    ) {
        self.name = name
        self.help = help
        self.type = type
        self.samples = samples
    }

    /// A metric with one unlabelled sample.
    public init(name: String, help: String, value: String) {
        self.init(name: name, help: help, samples: [([], value)])
    }
}

/// `--metrics-file PATH`: the run's figures in the Prometheus text exposition format, written
/// atomically (node_exporter's textfile-collector convention: the file appears whole or not
/// at all, by a rename in its own folder; the temporary name does not end in `.prom`, so the
/// collector never reads it half written).
public enum MetricsFile {
    /// The exposition text: per metric `# HELP`, `# TYPE`, then its samples; metrics in the
    /// given order, a final line end.
    public static func text(_ metrics: [Metric]) -> String {
        var out = ""
        for metric in metrics {
            out += "# HELP \(metric.name) \(escape(metric.help, quotes: false))\n"
            out += "# TYPE \(metric.name) \(metric.type)\n"
            for sample in metric.samples {
                out += metric.name
                if !sample.labels.isEmpty {
                    out +=
                        "{"
                        + sample.labels.map { "\($0)=\"\(escape($1, quotes: true))\"" }
                        .joined(separator: ",") + "}"
                }
                out += " \(sample.value)\n"
            }
        }
        return out
    }

    /// Backslash and line feed escaped (and double quotes, in label values), as the format
    /// requires.
    static func escape(_ text: String, quotes: Bool) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\"" where quotes: out += "\\\""
            default: out.append(character)
            }
        }
        return out
    }

    /// Writes `metrics` to `path` atomically: a temporary file in the same folder, synced, then
    /// renamed over `path`. Throws `OutputError.io` naming the path and the failed step.
    public static func write(_ metrics: [Metric], to path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary =
            (folder.isEmpty ? "" : folder + "/") + ".\(name).tmp-\(getpid())"
        let bytes = Array(text(metrics).utf8)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw OutputError.io(path: temporary, errno: errno, operation: "create")
        }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes {
                Glibc.write(descriptor, $0.baseAddress! + written, bytes.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                let failure = errno
                close(descriptor)
                unlink(temporary)
                throw OutputError.io(path: temporary, errno: failure, operation: "write")
            }
            written += result
        }
        if fsync(descriptor) != 0 {
            let failure = errno
            close(descriptor)
            unlink(temporary)
            throw OutputError.io(path: temporary, errno: failure, operation: "fsync")
        }
        close(descriptor)
        if rename(temporary, path) != 0 {
            let failure = errno
            unlink(temporary)
            throw OutputError.io(path: path, errno: failure, operation: "rename metrics file to")
        }
    }
}
