import ArgumentParser

/// What the tool subcommands need to know of the stage they belong to.
public protocol StageTool {
    /// `rate` or `invoice`.
    static var name: String { get }
    /// The example folder arguments of `verify --help`.
    static var verifyExample: String { get }
    /// What `diff` compares line by line, for its `--help`.
    static var diffCompares: String { get }
}

/// `rate`'s tools.
public enum RateTool: StageTool {
    public static let name = "rate"
    public static let verifyExample = "out/rate"
    public static let diffCompares = "the quantities and amounts of rated lines that moved"
}

/// `invoice`'s tools.
public enum InvoiceTool: StageTool {
    public static let name = "invoice"
    public static let verifyExample = "--builds-on out/rate out/invoice"
    public static let diffCompares =
        "the quantities and amounts that moved and every invoice figure (subtotal, discounts, "
        + "tax, total, credits applied, amount due)"
}

/// `<stage> verify DIR`: whether an output folder is exactly what its run wrote.
public struct VerifyCommand<Stage: StageTool>: ParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "\(Stage.name) verify",
            abstract:
                "Check that an output folder of \(Stage.name) is exactly what its run wrote.",
            discussion: VerifyArguments.discussion(
                stage: Stage.name, example: Stage.verifyExample))
    }

    @OptionGroup var arguments: VerifyArguments

    public init() {}

    public func run() throws {
        try arguments.run(stage: Stage.name)
    }
}

/// `<stage> diff RUN_A RUN_B`: what changed between two runs, and why.
public struct DiffCommand<Stage: StageTool>: ParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "\(Stage.name) diff",
            abstract: "Say what changed between two \(Stage.name) runs, customer by customer, "
                + "and why.",
            discussion: DiffArguments.discussion(stage: Stage.name, what: Stage.diffCompares))
    }

    @OptionGroup var arguments: DiffArguments

    public init() {}

    public func run() throws {
        try arguments.run(stage: Stage.name)
    }
}

/// The subcommands of a stage's executable, by the first argument.
public func stageTools<Stage: StageTool>(_ stage: Stage.Type) -> [String: any ParsableCommand.Type]
{
    ["verify": VerifyCommand<Stage>.self, "diff": DiffCommand<Stage>.self]
}
