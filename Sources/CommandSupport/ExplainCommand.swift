import ArgumentParser
import Foundation
import Pipeline

/// `rate explain --customer C [--charge K] RUN`: where a customer's quantities came from.
public struct ExplainCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "rate explain",
        abstract: "Say where a customer's billed quantities came from, and how they were priced.",
        discussion: """
            Prints the customer's usage and rated lines of the run (quantity, tier rows, exact \
            and rounded amounts), then reads the run's inputs again (each checked against the \
            SHA-256 the manifest records) and lists, input by input, the customer's events \
            counted per meter with their quantity sums, then the duplicates (with the first \
            copy's location), the lines a resolution superseded or replaced (runs with \
            --resolutions), the events outside the period, and the rejects (reason and \
            location). With --catalog (the run's own, checked), each charge's rule too: meter, \
            aggregation, filter, grouping, free units, divide and round, line minimum and \
            maximum. Reads only; writes nothing.

            Example:
              rate explain --customer cus_1 --charge api --catalog catalog.yaml out/rate

            Exit codes: 0 explained, 1 usage error, 3 the run or an input cannot be read or is \
            not the one the run read.
            """)

    @Option(help: "The customer id. Example: --customer cus_1")
    var customer: String

    @Option(help: "Only this charge key. Example: --charge api")
    var charge: String?

    @Option(help: "The folder rate ran in, which the inputs' names are relative to (default: .).")
    var inputsRoot: String = "."

    @Option(help: "The catalog the run was rated with, for each charge's rule.")
    var catalog: String?

    @Argument(help: "rate's output folder. Example: out/rate")
    var folder: String

    public init() {}

    public func run() throws {
        do {
            let report = try Explain.run(
                Explain.Request(
                    folder: folder, customer: customer, charge: charge, inputsRoot: inputsRoot,
                    catalogPath: catalog))
            FileHandle.standardOutput.write(Data(report.text().utf8))
        } catch {
            FileHandle.standardError.write(Data("rate explain: \(error)\n".utf8))
            throw ExitCode(3)
        }
    }
}
