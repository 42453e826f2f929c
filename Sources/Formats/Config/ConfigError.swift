/// One problem in a catalog or customers file, located by file, line and YAML path.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    public let file: String
    /// 1-based line, when known.
    public let line: Int?
    /// 1-based column, when known.
    public let column: Int?
    /// The YAML path (`plans.pro.charges[2].tiers[1].up_to`), empty for the whole file.
    public let path: String
    public let message: String

    public init(file: String, line: Int?, column: Int?, path: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    /// `catalog.yaml:12:7: plans.pro.currency: unknown currency "USX"; expected …`.
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        if let column { text += ":\(column)" }
        text += ": "
        if !path.isEmpty { text += path + ": " }
        return text + message
    }
}

/// Every problem found in a configuration file, reported together (exit code 2).
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public let errors: [ConfigError]

    public init(_ errors: [ConfigError]) {
        self.errors = errors
    }

    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}
