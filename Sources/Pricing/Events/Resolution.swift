/// A human decision about one event key (`rate --resolutions`, SPEC §13.4): which copy of
/// (`customer`, `id`) to bill, none, or a corrected event instead of every copy.
public struct Resolution: Sendable {
    /// What to do with the key's copies.
    public enum Action: Sendable {
        /// Bill the copy read at `line` of `file` (and archive `member`), named exactly as
        /// `rejects.ndjson` names it; the other copies are superseded.
        case keep(file: String, member: String?, line: Int64)
        /// Bill no copy: every copy is superseded.
        case drop
        /// Bill this event instead: the first copy by location is accepted with its content,
        /// every other copy is superseded.
        case replace(UsageEvent)

        /// The `action` value of the resolutions file.
        public var name: String {
            switch self {
            case .keep: "keep"
            case .drop: "drop"
            case .replace: "replace"
            }
        }
    }

    public let customer: String
    public let id: String
    public let action: Action
    /// Free text kept in the manifest, nil when the line has none.
    public let reason: String?
    /// The 1-based line of the resolutions file that holds it (for messages).
    public let line: Int

    /// A resolution as the resolutions file states it.
    public init(customer: String, id: String, action: Action, reason: String?, line: Int) {
        self.customer = customer
        self.id = id
        self.action = action
        self.reason = reason
        self.line = line
    }
}

/// What one resolution did to the copies of its key: the copies it superseded, in location
/// order (source, then line: the order `rate` reads them).
public struct ResolutionOutcome: Sendable {
    /// The resolution's index in the list given to `rate`.
    public let resolution: Int
    /// The copies set aside; the kept or replaced copy is not among them.
    public let superseded: [LineLocation]
    /// For a `keep` whose location holds no copy of the key: true, and nothing was applied
    /// (the run stops with exit 2 once every such keep is known).
    public let keepMissed: Bool

    /// An outcome as dedupe finds it.
    public init(resolution: Int, superseded: [LineLocation], keepMissed: Bool = false) {
        self.resolution = resolution
        self.superseded = superseded
        self.keepMissed = keepMissed
    }
}
