import Pricing
import Yams

/// Walks a composed YAML tree, reading typed values and collecting every error with its path.
///
/// Aliases are allowed, but every node visited counts against `nodeBudget`, so an alias bomb
/// (a few anchors expanding to billions of nodes) stops with an error instead of exhausting
/// memory.
final class NodeReader {
    let file: String
    private(set) var errors: [ConfigError] = []
    private var nodesLeft: Int
    private let nodesMax: Int
    private var budgetExceeded = false

    init(file: String, nodeBudget: Int) {
        self.file = file
        self.nodesLeft = nodeBudget
        self.nodesMax = nodeBudget
    }

    /// The column of a node that carries no Yams mark (one read from JSON), when known.
    var columnOfNode: ((Node) -> Int?)?

    func fail(_ node: Node?, _ path: String, _ message: String) {
        let column = node.flatMap { columnOfNode?($0) } ?? node?.mark?.column
        errors.append(
            ConfigError(
                file: file, line: node?.mark?.line, column: column, path: path,
                message: message))
    }

    /// Counts one visited node; false once the budget is spent (reported once).
    private func spend(_ node: Node, _ path: String) -> Bool {
        nodesLeft -= 1
        if nodesLeft >= 0 { return true }
        if !budgetExceeded {
            budgetExceeded = true
            fail(node, path, nodeLimitMessage(nodesMax))
        }
        return false
    }

    /// Counts every node of the tree, aliases expanded and keys included, stopping once
    /// `nodesMax` is passed; false (with the budget error recorded) when the tree is larger.
    ///
    /// The schema walk alone reads only a bounded depth, so an alias bomb placed where it is
    /// not read, or read one level deep, never spent the budget: the loader then reported
    /// hundreds of shallow errors, and any later step materializing the tree would expand it.
    /// Counting the whole tree first makes the limit hold for the file itself. Iterative, so a
    /// deep tree cannot exhaust the stack; O(min(nodes, nodesMax)) time.
    func treeWithinBudget(_ root: Node, nodesMax: Int) -> Bool {
        var left = nodesMax
        var pending = [root]
        while let node = pending.popLast() {
            left -= 1
            if left < 0 {
                fail(root, "", nodeLimitMessage(nodesMax))
                return false
            }
            switch node {
            case .scalar, .alias: break
            case .sequence(let sequence): pending.append(contentsOf: sequence)
            case .mapping(let mapping):
                for (key, value) in mapping {
                    pending.append(key)
                    pending.append(value)
                }
            }
        }
        return true
    }

    /// A mapping's entries in document order, checking every key is a known string.
    func mapping(_ node: Node, _ path: String, allowed: Set<String>?) -> [(String, Node)]? {
        guard spend(node, path) else { return nil }
        guard case .mapping(let mapping) = node else {
            fail(node, path, "expected a mapping (key: value), found \(kind(node))")
            return nil
        }
        var entries: [(String, Node)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                fail(keyNode, path, "expected a string key, found \(kind(keyNode))")
                continue
            }
            let key = scalar.string
            if let allowed, !allowed.contains(key) {
                fail(
                    keyNode, join(path, key),
                    "unknown key; expected one of: \(allowed.sorted().joined(separator: ", "))")
                continue
            }
            entries.append((key, value))
        }
        return entries
    }

    /// The items of a sequence.
    func sequence(_ node: Node, _ path: String) -> [Node]? {
        guard spend(node, path) else { return nil }
        guard case .sequence(let sequence) = node else {
            fail(node, path, "expected a list, found \(kind(node))")
            return nil
        }
        return Array(sequence)
    }

    /// Whether the node is YAML null (`null`, `~` or empty, unquoted).
    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return scalar.string == "null" || scalar.string == "~" || scalar.string.isEmpty
            || scalar.string == "Null" || scalar.string == "NULL"
    }

    /// A non-empty string scalar (quoted or plain; plain `null` is refused).
    func string(_ node: Node, _ path: String) -> String? {
        guard spend(node, path) else { return nil }
        guard case .scalar(let scalar) = node, !isNull(node) else {
            fail(node, path, "expected a string, found \(kind(node))")
            return nil
        }
        guard !scalar.string.isEmpty else {
            fail(node, path, "expected a non-empty string")
            return nil
        }
        return scalar.string
    }

    /// An exact decimal, written as a YAML number or string, read from its text.
    func decimal(_ node: Node, _ path: String, allowNegative: Bool = false) -> Rational? {
        guard let text = string(node, path) else { return nil }
        switch DecimalText.rational(text) {
        case .success(let value):
            if value.isNegative && !allowNegative {
                fail(node, path, "expected a number >= 0, found \(text)")
                return nil
            }
            return value
        case .failure(.tooPrecise):
            fail(node, path, "number has too many digits: \(text)")
            return nil
        case .failure(.syntax):
            fail(node, path, "expected a decimal number such as \"12.50\", found \"\(text)\"")
            return nil
        }
    }

    /// A decimal with at most `fractionDigits` digits after the point.
    func decimal(_ node: Node, _ path: String, fractionDigitsMax: Int) -> Rational? {
        guard let value = decimal(node, path) else { return nil }
        if let scale = value.terminatingScale, scale <= fractionDigitsMax { return value }
        fail(node, path, "at most \(fractionDigitsMax) fractional digits are allowed")
        return nil
    }

    /// A whole number in `range`.
    func integer(_ node: Node, _ path: String, in range: ClosedRange<Int>) -> Int? {
        guard let text = string(node, path) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            fail(
                node, path,
                "expected a whole number from \(range.lowerBound) to \(range.upperBound), "
                    + "found \"\(text)\"")
            return nil
        }
        return value
    }

    /// `true` or `false`, nothing else.
    func bool(_ node: Node, _ path: String) -> Bool? {
        guard let text = string(node, path) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default:
            fail(node, path, "expected true or false, found \"\(text)\"")
            return nil
        }
    }

    /// A `YYYY-MM-DD` date.
    func date(_ node: Node, _ path: String) -> CivilDate? {
        guard let text = string(node, path) else { return nil }
        guard let date = CivilDate(iso: text) else {
            fail(node, path, "expected a date YYYY-MM-DD, found \"\(text)\"")
            return nil
        }
        return date
    }

    /// A list of strings, or a single string taken as a list of one.
    func strings(_ node: Node, _ path: String) -> [String]? {
        if case .scalar = node, let single = string(node, path) { return [single] }
        guard let items = sequence(node, path) else { return nil }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            if let value = string(item, "\(path)[\(index)]") { result.append(value) }
        }
        return result
    }

    func kind(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return isNull(node) ? "null" : "\"\(scalar.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

/// `parent.key`, or `key` at the top.
func join(_ path: String, _ key: String) -> String {
    path.isEmpty ? key : path + "." + key
}

/// Composes YAML text, turning syntax errors into a located `ConfigError`. With `nodesMax`, a
/// file of more nodes (aliases expanded) is refused from libyaml's events before Yams builds a
/// tree: in about a second instead of after minutes and gigabytes.
func composeYAML(_ text: String, file: String, nodesMax: Int? = nil) -> Result<Node?, ConfigError>
{
    // Counting first: a huge file without aliases is refused before the key scan below reads
    // it line by line.
    if let nodesMax, let error = nodeLimitError(text, file: file, nodesMax: nodesMax) {
        return .failure(error)
    }
    if let error = aliasKeyError(text, file: file) { return .failure(error) }
    do {
        // The basic resolver: Ratebook reads every scalar's text itself, and the default one
        // resolves each key's tag with regular expressions while Yams checks for repeated
        // keys (most of the time composing took). UTF-8 stated, or Yams reads the whole
        // environment on every call to choose an encoding.
        return .success(try Yams.compose(yaml: text, .basic, .default, .utf8))
    } catch let error as YamlError {
        return .failure(yamlSyntaxError(error, file: file))
    } catch {
        return .failure(
            ConfigError(
                file: file, line: nil, column: nil, path: "", message: "\(error)"))
    }
}

/// Yams hashes mapping keys while composing, expanding an alias key whole before any node
/// budget can apply: a few nested anchors used as a key would spin for minutes.
func aliasKeyError(_ text: String, file: String) -> ConfigError? {
    guard let (line, column) = aliasKeyLocation(text) else { return nil }
    return ConfigError(
        file: file, line: line, column: column, path: "",
        message: "an alias (*name) cannot be a mapping key; write the key out")
}

func yamlSyntaxError(_ error: YamlError, file: String) -> ConfigError {
    switch error {
    case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
        return ConfigError(
            file: file, line: mark.line, column: mark.column, path: "",
            message: "YAML syntax error: \(problem)")
    case .composer(_, let problem, let mark, _):
        return ConfigError(
            file: file, line: mark.line, column: mark.column, path: "",
            message: "YAML error: \(problem)")
    case .duplicatedKeysInMapping(let duplicates, let context):
        return ConfigError(
            file: file, line: context.mark.line, column: context.mark.column, path: "",
            message: "duplicated key in a mapping: "
                + duplicates.map { "\"\($0)\"" }.joined(separator: ", "))
    default:
        return ConfigError(
            file: file, line: nil, column: nil, path: "", message: "YAML error: \(error)")
    }
}

/// The 1-based line and column of the first alias written in key position (`? *a` or `*a:`),
/// or nil. Quoted scalars and comments are skipped; a block scalar holding such text is
/// refused too, which costs nothing for Ratebook's files and keeps the scan simple.
func aliasKeyLocation(_ text: String) -> (Int, Int)? {
    for (lineIndex, line) in text.split(separator: "\n", omittingEmptySubsequences: false)
        .enumerated()
    {
        let bytes = Array(line.utf8)
        var index = 0
        var quote: UInt8?
        var previous: UInt8 = 0x20
        while index < bytes.count {
            let byte = bytes[index]
            if let open = quote {
                if byte == open { quote = nil }
                previous = byte
                index += 1
                continue
            }
            if byte == UInt8(ascii: "#") && (previous == 0x20 || previous == 0x09) { break }
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: "*") && isTokenBoundary(previous) {
                // The alias name runs to white space or a flow indicator.
                var end = index + 1
                while end < bytes.count, !endsAliasName(bytes[end]) { end += 1 }
                var after = end
                while after < bytes.count, bytes[after] == 0x20 || bytes[after] == 0x09 {
                    after += 1
                }
                var before = index - 1
                while before >= 0, bytes[before] == 0x20 || bytes[before] == 0x09 { before -= 1 }
                let keyedAfter =
                    after < bytes.count && bytes[after] == UInt8(ascii: ":")
                    && (after + 1 == bytes.count || isTokenBoundary(bytes[after + 1]))
                let keyedBefore = before >= 0 && bytes[before] == UInt8(ascii: "?")
                if keyedAfter || keyedBefore {
                    return (
                        lineIndex + 1, String(decoding: bytes[..<index], as: UTF8.self).count + 1
                    )
                }
            }
            previous = byte
            index += 1
        }
    }
    return nil
}

private func isTokenBoundary(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
        || byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: ",")
        || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":")
}

/// An alias name runs to white space, a flow indicator or a colon (`-` belongs to the name).
private func endsAliasName(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
        || byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: ",")
        || byte == UInt8(ascii: ":")
}
