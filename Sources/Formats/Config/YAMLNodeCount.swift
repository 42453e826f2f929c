import CYaml

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
        /// libyaml refused the text; composing it reports the syntax error with its place.
        case unreadable
    }

    /// Counts the nodes of the first document of `text`, stopping as soon as the count passes
    /// `nodesMax`. An alias counts as the whole node it names, as `NodeReader` walks it.
    /// O(min(events, nodesMax)) time.
    static func count(_ text: String, nodesMax: Int) -> Outcome {
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
            nodes += Counter.name(anchor).flatMap { anchorSizes[$0] } ?? 1
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

/// The one message for a file over the node limit, whether counted from events or the tree.
func nodeLimitMessage(_ nodesMax: Int) -> String {
    "has more than \(nodesMax) YAML nodes (aliases expanded); the limit is \(nodesMax) nodes: "
        + "remove unused entries or split the file"
}
