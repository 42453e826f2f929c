/// A run folder, or an input it names, that `diff` or `explain` cannot read or trust: the
/// folder or file and what is wrong (exit 3).
public struct RunReadError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
