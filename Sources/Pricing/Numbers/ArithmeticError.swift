/// An exact computation that cannot be carried out within the fixed-width representation.
///
/// Overflow is an operating error (a quantity or price too large for the book), never a trap.
public enum ArithmeticError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The result does not fit in 128 bits.
    case overflow(operation: String)
    /// Division by zero.
    case divisionByZero

    public var description: String {
        switch self {
        case .overflow(let operation):
            return "arithmetic overflow in \(operation): the value exceeds 38 significant digits"
        case .divisionByZero:
            return "division by zero"
        }
    }
}
