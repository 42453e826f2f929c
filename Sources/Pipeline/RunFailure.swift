import Formats
import Pricing

/// How an error that ends a run after its output folder was locked is reported: the exit
/// status (SPEC §10), the message, and whether the new folder is abandoned. One mapping for
/// both stages, so the same failure reads and exits the same in `rate` and `invoice`.
struct RunFailure {
    let status: ExitStatus
    let message: String
    /// False only when the new output is already in place (a failure after the commit).
    let abandon: Bool

    /// `doing` names the stage's work in an arithmetic error (`rating`, `invoicing`).
    init(_ error: any Error, doing: String) {
        let written = "; nothing was written"
        switch error {
        case let error as OutputError where error.newOutputIsInPlace:
            (status, message, abandon) = (.inputError, "\(error)", false)
        case let violation as InvariantViolation:
            (status, message, abandon) = (.invariantViolated, "\(violation)", true)
        case let error as InputSelectionError:
            // Found only after reading (a member named like another input): a usage error.
            (status, message, abandon) = (.usage, "\(error)" + written, true)
        case let errors as ConfigErrors:
            // A resolutions file refused (SPEC §13.4): every problem listed, exit 2.
            (status, message, abandon) = (
                .invalidConfiguration, "invalid resolutions; nothing was written:\n\(errors)",
                true
            )
        case let error as UBLMissingData:
            // `--ubl always` and data an e-invoice needs: configuration to complete (exit 2).
            (status, message, abandon) = (.invalidConfiguration, "\(error)" + written, true)
        case let error as IssuedBasisError:
            (status, message, abandon) = (.invalidConfiguration, "\(error)" + written, true)
        case let error as AmountOverflow:
            // The catalog's prices cannot bill this usage exactly: a configuration problem
            // (exit 2), not a corrupt input (3). See docs/DECISIONS.md, "Overflow".
            (status, message, abandon) = (.invalidConfiguration, "\(error)" + written, true)
        case let error as ArithmeticError:
            (status, message, abandon) = (
                .invalidConfiguration, "while \(doing): \(error)" + written, true
            )
        default:
            (status, message, abandon) = (.inputError, "\(error)" + written, true)
        }
    }
}
