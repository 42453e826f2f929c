import CYaml
import Yams

/// The size of a YAML document before any tree is built: libyaml's event parser (the C library
/// Yams itself wraps) counts nodes as they stream past, aliases expanded.
///
/// Yams builds a tree of Swift values about 30 times slower than libyaml reads events, and
/// holds all of it in memory: a 22 MB catalog of 700,000 meters took 33 s and 774 MB before
/// the node budget could refuse it. Counting events first refuses such a file in about a
/// second, with constant memory besides one number per anchor.
enum YAMLNodeCount {
    /// What counting found.
    enum Outcome: Equatable {
        /// The first document has this many nodes (aliases expanded, keys included).
        case within(Int)
        /// Counting passed `nodesMax` at this 1-based line; `aliases` tells whether an alias
        /// came before (only then can an alias key explain the size).
        case over(line: Int, aliases: Bool)
        /// The nodes aliases add (each alias counts as the nodes it repeats, less the one it
        /// is) passed `aliasNodesMax` at this 1-based line.
        case aliasesOver(line: Int)
        /// libyaml refused the text; composing it reports the syntax error with its place.
        case unreadable
    }

    /// Counts the nodes of the first document of `text`, stopping as soon as the count passes
    /// `nodesMax`, or the nodes added by aliases pass `aliasNodesMax`. An alias counts as the
    /// whole node it names, as `NodeReader` walks it. O(min(events, nodesMax)) time.
    static func count(_ text: String, nodesMax: Int, aliasNodesMax: Int = .max) -> Outcome {
        var bytes = Array(text.utf8)
        // libyaml reads `size` bytes; an empty buffer still needs a valid pointer.
        if bytes.isEmpty { bytes = [0x0A] }
        return bytes.withUnsafeBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { return .unreadable }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var counter = Counter(nodesMax: nodesMax)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return .unreadable }
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1
                switch event.type {
                case YAML_SCALAR_EVENT:
                    counter.leaf(size: 1, anchor: event.data.scalar.anchor)
                case YAML_ALIAS_EVENT:
                    counter.alias(event.data.alias.anchor)
                case YAML_SEQUENCE_START_EVENT:
                    counter.open(anchor: event.data.sequence_start.anchor)
                case YAML_MAPPING_START_EVENT:
                    counter.open(anchor: event.data.mapping_start.anchor)
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    counter.close()
                case YAML_DOCUMENT_END_EVENT, YAML_STREAM_END_EVENT:
                    return .within(counter.nodes)
                default:
                    break
                }
                if counter.nodes > nodesMax {
                    return .over(line: line, aliases: counter.aliases)
                }
                if counter.aliasNodes > aliasNodesMax { return .aliasesOver(line: line) }
            }
        }
    }

    /// Running totals: nodes so far, the open collections and the size of each anchor.
    private struct Counter {
        let nodesMax: Int
        var nodes = 0
        /// For each open collection: the node count when it opened, and its anchor.
        var open: [(start: Int, anchor: [UInt8]?)] = []
        var anchorSizes: [[UInt8]: Int] = [:]
        var aliases = false
        /// Nodes added by aliases beyond the one node each alias is in the text.
        var aliasNodes = 0

        init(nodesMax: Int) {
            self.nodesMax = nodesMax
        }

        mutating func leaf(size: Int, anchor: UnsafeMutablePointer<yaml_char_t>?) {
            nodes += size
            if let name = Counter.name(anchor) { anchorSizes[name] = size }
        }

        /// An alias repeats its anchor's node; an unknown anchor is left for Yams to report.
        mutating func alias(_ anchor: UnsafeMutablePointer<yaml_char_t>?) {
            // Sizes are capped by the budget, so the sum cannot overflow before it stops.
            aliases = true
            let size = Counter.name(anchor).flatMap { anchorSizes[$0] } ?? 1
            nodes += size
            aliasNodes += size - 1
        }

        mutating func open(anchor: UnsafeMutablePointer<yaml_char_t>?) {
            open.append((nodes, Counter.name(anchor)))
            nodes += 1
        }

        mutating func close() {
            guard let (start, anchor) = open.popLast() else { return }
            if let anchor { anchorSizes[anchor] = nodes - start }
        }

        static func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> [UInt8]? {
            guard let pointer else { return nil }
            var bytes: [UInt8] = []
            var index = 0
            while pointer[index] != 0 {
                bytes.append(pointer[index])
                index += 1
            }
            return bytes
        }
    }
}

/// The error for a file with more YAML nodes than `nodesMax` (aliases expanded), or nil. An
/// alias used as a key is reported first when aliases made the file large.
func nodeLimitError(_ text: String, file: String, nodesMax: Int) -> ConfigError? {
    guard case .over(let line, let aliases) = YAMLNodeCount.count(text, nodesMax: nodesMax)
    else { return nil }
    if aliases, let error = aliasKeyError(text, file: file) { return error }
    return ConfigError(
        file: file, line: line, column: nil, path: "",
        message: nodeLimitMessage(nodesMax))
}

/// For a customers file: the error when its aliases add more than `aliasNodesMax` nodes (an
/// alias key reported first), else the file's node count with aliases expanded, the budget for
/// reading its tree. The file's own nodes are not limited here: the file-size cap bounds them.
func aliasLimitCheck(_ text: String, file: String, aliasNodesMax: Int)
    -> Result<Int, ConfigError>
{
    switch YAMLNodeCount.count(text, nodesMax: .max, aliasNodesMax: aliasNodesMax) {
    case .within(let nodes):
        return .success(nodes)
    case .unreadable, .over:
        // Composing reports the syntax error with its place; no budget is spent before.
        return .success(.max)
    case .aliasesOver(let line):
        if let error = aliasKeyError(text, file: file) { return .failure(error) }
        return .failure(
            ConfigError(
                file: file, line: line, column: nil, path: "",
                message: aliasNodeLimitMessage(aliasNodesMax)))
    }
}

/// The message for a customers file whose aliases add more nodes than the limit.
func aliasNodeLimitMessage(_ aliasNodesMax: Int) -> String {
    "aliases add more than \(aliasNodesMax) YAML nodes; the limit is \(aliasNodesMax) nodes "
        + "added by aliases: use fewer aliases or write the repeated parts out"
}

/// The one message for a file over the node limit, whether counted from events or the tree.
func nodeLimitMessage(_ nodesMax: Int) -> String {
    "has more than \(nodesMax) YAML nodes (aliases expanded); the limit is \(nodesMax) nodes: "
        + "remove unused entries or split the file"
}

/// A first, fast reading of a YAML document into Yams nodes straight from libyaml's events,
/// without places (no `Mark`, one shared tag per kind) and counting nodes as it goes.
///
/// Yams' own composer makes an event object, a tag and a mark per node and groups every
/// mapping's keys in a dictionary of nodes to find repeated ones: 100,000 customers took
/// seconds. The customers loader reads this tree when the events reading
/// (`YAMLCustomerEvents`) gave up, e.g. on aliases; anything unusual (a syntax error, a
/// repeated key, a key that is not a scalar, an unknown alias, several documents) gives `nil`,
/// and any error found while reading the tree sends the loader back to Yams for its places, so
/// every message stays exactly as Yams locates it. Aliases share the anchored node, as in Yams.
enum YAMLQuickComposer {
    /// What a quick reading found.
    enum Outcome {
        /// The document's root (nil for an empty stream) and its node count, aliases expanded.
        case tree(Node?, nodes: Int)
        /// Over `nodesMax` or `aliasNodesMax`; the line where it passed, and whether an alias
        /// came before.
        case overLimit(line: Int, aliases: Bool)
        /// Something only Yams reports well: compose with Yams.
        case unusual
    }

    private struct Frame {
        let isMapping: Bool
        let anchor: [UInt8]?
        let start: Int
        var items: [Node] = []
        var pairs: [(Node, Node)] = []
        var key: Node?
        var keys: Set<String> = []
    }

    /// Reads `text`, giving up once its nodes pass `nodesMax` or the nodes its aliases add (as
    /// `YAMLNodeCount` counts them) pass `aliasNodesMax`.
    static func compose(_ text: String, nodesMax: Int, aliasNodesMax: Int = .max) -> Outcome {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { bytes = [0x0A] }
        return bytes.withUnsafeBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { return .unusual }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var nodes = 0
            var aliasNodes = 0
            var aliases = false
            var documents = 0
            var stack: [Frame] = []
            var anchors: [[UInt8]: (node: Node, size: Int)] = [:]
            var root: Node?
            /// Adds a finished node to its parent, in place; false when the tree is unusual.
            func attach(_ node: Node) -> Bool {
                let top = stack.count - 1
                guard top >= 0 else {
                    root = node
                    return true
                }
                guard stack[top].isMapping else {
                    stack[top].items.append(node)
                    return true
                }
                guard let key = stack[top].key else {
                    guard case .scalar(let scalar) = node else { return false }
                    // Most mappings have a few keys: a linear search until there are many.
                    if stack[top].pairs.count < 16 {
                        guard !stack[top].pairs.contains(where: { $0.0.string == scalar.string })
                        else { return false }
                    } else {
                        if stack[top].keys.isEmpty {
                            stack[top].keys = Set(stack[top].pairs.map { $0.0.string ?? "" })
                        }
                        guard stack[top].keys.insert(scalar.string).inserted else { return false }
                    }
                    stack[top].key = node
                    return true
                }
                stack[top].pairs.append((key, node))
                stack[top].key = nil
                return true
            }
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return .unusual }
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_DOCUMENT_START_EVENT:
                    documents += 1
                    if documents > 1 { return .unusual }
                case YAML_SCALAR_EVENT:
                    nodes += 1
                    let scalar = event.data.scalar
                    let value = String(
                        decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length),
                        as: UTF8.self)
                    let style: Node.Scalar.Style
                    switch scalar.style {
                    case YAML_PLAIN_SCALAR_STYLE: style = .plain
                    case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
                    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
                    case YAML_LITERAL_SCALAR_STYLE: style = .literal
                    default: style = .folded
                    }
                    let node = Node.scalar(.init(value, JSONNodeParser.sharedTag(.str), style))
                    if let name = anchorName(scalar.anchor) { anchors[name] = (node, 1) }
                    guard attach(node) else { return .unusual }
                case YAML_ALIAS_EVENT:
                    aliases = true
                    // An alias as a key is refused by the loader's own check (see
                    // `aliasKeyError`); let that path say so.
                    if let parent = stack.last, parent.isMapping, parent.key == nil {
                        return .unusual
                    }
                    guard let name = anchorName(event.data.alias.anchor),
                        let (node, size) = anchors[name]
                    else { return .unusual }
                    nodes += size
                    aliasNodes += size - 1
                    guard attach(node) else { return .unusual }
                case YAML_SEQUENCE_START_EVENT:
                    stack.append(
                        Frame(
                            isMapping: false,
                            anchor: anchorName(event.data.sequence_start.anchor), start: nodes))
                    nodes += 1
                case YAML_MAPPING_START_EVENT:
                    stack.append(
                        Frame(
                            isMapping: true,
                            anchor: anchorName(event.data.mapping_start.anchor), start: nodes))
                    nodes += 1
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    guard let frame = stack.popLast() else { return .unusual }
                    let node: Node =
                        frame.isMapping
                        ? .mapping(.init(frame.pairs, JSONNodeParser.sharedTag(.map)))
                        : .sequence(.init(frame.items, JSONNodeParser.sharedTag(.seq)))
                    if let name = frame.anchor { anchors[name] = (node, nodes - frame.start) }
                    guard attach(node) else { return .unusual }
                case YAML_STREAM_END_EVENT:
                    return .tree(root, nodes: nodes)
                default:
                    break
                }
                if nodes > nodesMax || aliasNodes > aliasNodesMax {
                    return .overLimit(line: Int(event.start_mark.line) + 1, aliases: aliases)
                }
            }
        }
    }

    private static func anchorName(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> [UInt8]? {
        guard let pointer else { return nil }
        var bytes: [UInt8] = []
        var index = 0
        while pointer[index] != 0 {
            bytes.append(pointer[index])
            index += 1
        }
        return bytes
    }
}
