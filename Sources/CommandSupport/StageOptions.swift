import ArgumentParser
import Pricing

/// The options every stage takes: the catalog, the customers, the period and the output folder.
public struct StageOptions: ParsableArguments {
    @Option(help: "The catalog YAML (meters, plans, prices). Example: --catalog catalog.yaml")
    public var catalog: String

    @Option(help: "Customers, as YAML or NDJSON. Example: --customers customers.yaml")
    public var customers: String

    @Option(help: "The billed month, YYYY-MM. Example: --period 2026-10")
    public var period: String

    @Option(
        help: """
            The output folder, created or replaced whole; never an input, nor holding or \
            inside one. Example: --output out/run
            """)
    public var output: String

    public init() {}

    public func validate() throws {
        guard let month else {
            throw ValidationError(
                "--period must be a month YYYY-MM, such as 2026-10; got \(period)")
        }
        guard month.isBillable else {
            throw ValidationError(
                "--period must be from \(YearMonth.billable.lowerBound) to "
                    + "\(YearMonth.billable.upperBound) (a period ends in the next month); "
                    + "got \(period)")
        }
    }

    /// The period as a month, once `validate()` has passed.
    public var month: YearMonth? { YearMonth(period) }
}
