/// Formats reads and writes Ratebook's files; it never decides a price.
public enum FormatsVersion {
    /// The tool version printed in manifests.
    public static let tool = "ratebook 0.1.0"
}
