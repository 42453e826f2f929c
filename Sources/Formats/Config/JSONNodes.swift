import Yams

/// Reads one NDJSON line as a Yams `Node` tree directly, so `customers.ndjson` is checked by the
/// same `CustomerBuilder` as YAML without a YAML parser per line.
///
/// Composing each line with Yams cost about 0.1 ms a line (a libyaml parser, a resolver and a
/// tag per node): 100,000 customers took seconds. This is strict JSON (RFC 8259, repeated keys
/// refused, 64 levels at most), on the event scanner's validated string and number primitives.
/// Yams' `Mark` cannot be made outside Yams, so when locating, each node gets its own `Tag`
/// object and the parser keeps the byte offset of each tag; `NodeReader` asks for a node's
/// column through `columnOfNode`. Numbers keep their text, as Yams did; strings are
/// double-quoted scalars and `true`, `false`, `null` and numbers plain ones, so `NodeReader`
/// reads both forms alike.
struct JSONNodeParser {
    let bytes: UnsafeRawBufferPointer
    var index = 0
    /// Whether each node gets its own tag, with its offset in `offsets`. Off, nodes share one
    /// tag per kind and nothing is recorded: the loader reads a line that way first and again
    /// with places only when it has something to report.
    let locating: Bool
    /// The byte offset where each node starts, by its tag's identity (when `locating`).
    var offsets: [ObjectIdentifier: Int] = [:]
    /// Nodes (keys included, as `NodeReader.treeWithinBudget` counts) one line may hold. The
    /// parse stops as soon as it is passed, so a 64 MiB line of millions of keys is refused
    /// before its tree is built, not after.
    let nodesMax: Int
    /// Nodes counted so far.
    private var nodes = 0
    /// Whether the parse stopped at `nodesMax` (the error is then the node-limit message,
    /// not a JSON syntax error).
    private(set) var overNodeLimit = false
    /// Shared by every tag: `Constructor.default` builds a new dictionary on each use, which
    /// was a quarter of the loading time when every tag took its own.
    nonisolated(unsafe) private static let constructor = Constructor.default
    /// The shared tags. Their names are never `implicit`, so Yams never rewrites them.
    nonisolated(unsafe) private static let shared: [Tag] = [Tag.Name.str, .map, .seq].map {
        Tag($0, .basic, JSONNodeParser.constructor)
    }

    /// The shared tag of a kind (`.str`, `.map` or `.seq`), for trees read without places.
    static func sharedTag(_ name: Tag.Name) -> Tag {
        shared[name == .str ? 0 : name == .map ? 1 : 2]
    }

    init(_ bytes: UnsafeRawBufferPointer, locating: Bool, nodesMax: Int) {
        self.bytes = bytes
        self.locating = locating
        self.nodesMax = nodesMax
    }

    /// Parses the whole line as one JSON value.
    mutating func document() throws(JSONParseError) -> Node {
        skipWhitespace()
        let node = try value(depth: 0)
        skipWhitespace()
        guard index == bytes.count else { throw failure("unexpected text after the value") }
        return node
    }

    /// The 1-based column (in Unicode scalars, as Yams counts) of a byte offset.
    func column(ofOffset offset: Int) -> Int {
        var column = 1
        for position in 0..<min(offset, bytes.count) where bytes[position] & 0xC0 != 0x80 {
            column += 1
        }
        return column
    }

    /// A node's 1-based column, when this parser made it.
    func column(of node: Node) -> Int? {
        let tag: Tag
        switch node {
        case .scalar(let scalar): tag = scalar.tag
        case .mapping(let mapping): tag = mapping.tag
        case .sequence(let sequence): tag = sequence.tag
        case .alias: return nil
        }
        return offsets[ObjectIdentifier(tag)].map { column(ofOffset: $0) }
    }

    func failure(_ message: String) -> JSONParseError {
        JSONParseError(offset: index, message: message)
    }

    /// Counts the node starting at `index`, failing there once `nodesMax` is passed.
    mutating func countNode() throws(JSONParseError) {
        nodes += 1
        guard nodes <= nodesMax else {
            overNodeLimit = true
            throw failure(nodeLimitMessage(nodesMax))
        }
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { return }
            index += 1
        }
    }

    /// The tag of a node starting at `offset`: a fresh one recording the offset when
    /// `locating`, else the shared one of its kind (`.str`, `.map` or `.seq`).
    mutating func tag(_ name: Tag.Name, at offset: Int) -> Tag {
        guard locating else {
            return JSONNodeParser.sharedTag(name)
        }
        let tag = Tag(name, .basic, JSONNodeParser.constructor)
        offsets[ObjectIdentifier(tag)] = offset
        return tag
    }

    mutating func value(depth: Int) throws(JSONParseError) -> Node {
        guard depth < EventLineParser.depthMax else { throw failure("nested too deeply") }
        guard index < bytes.count else { throw failure("unexpected end") }
        try countNode()
        let start = index
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var pairs: [(Node, Node)] = []
            // A customer's objects have a few keys: a linear search beats hashing them. Past
            // 16 keys a set takes over, so a line of millions of keys is not quadratic.
            var keys: [String] = []
            var keySet: Set<String> = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
            } else {
                while true {
                    skipWhitespace()
                    let keyStart = index
                    if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                        try countNode()
                    }
                    let key = try string()
                    let repeated: Bool
                    if keys.count < 16 {
                        repeated = keys.contains(key)
                        if !repeated { keys.append(key) }
                    } else {
                        if keySet.isEmpty { keySet = Set(keys) }
                        repeated = !keySet.insert(key).inserted
                    }
                    guard !repeated else {
                        index = keyStart
                        throw failure("repeated key \"\(key)\"")
                    }
                    skipWhitespace()
                    try expect(UInt8(ascii: ":"))
                    skipWhitespace()
                    let keyNode = Node.scalar(.init(key, JSONNodeParser.shared[0], .doubleQuoted))
                    pairs.append((keyNode, try value(depth: depth + 1)))
                    skipWhitespace()
                    if index < bytes.count, bytes[index] == UInt8(ascii: ",") {
                        index += 1
                        continue
                    }
                    try expect(UInt8(ascii: "}"))
                    break
                }
            }
            return .mapping(.init(pairs, tag(.map, at: start), .flow))
        case UInt8(ascii: "["):
            index += 1
            var items: [Node] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
            } else {
                while true {
                    skipWhitespace()
                    items.append(try value(depth: depth + 1))
                    skipWhitespace()
                    if index < bytes.count, bytes[index] == UInt8(ascii: ",") {
                        index += 1
                        continue
                    }
                    try expect(UInt8(ascii: "]"))
                    break
                }
            }
            return .sequence(.init(items, tag(.seq, at: start), .flow))
        case UInt8(ascii: "\""):
            let text = try string()
            return .scalar(.init(text, tag(.str, at: start), .doubleQuoted))
        default:
            var scanner = JSONScanner(bytes)
            scanner.index = index
            let text: String
            do {
                switch bytes[index] {
                case UInt8(ascii: "t"):
                    try scanner.literal("true")
                    text = "true"
                case UInt8(ascii: "f"):
                    try scanner.literal("false")
                    text = "false"
                case UInt8(ascii: "n"):
                    try scanner.literal("null")
                    text = "null"
                default:
                    text = String(decoding: try scanner.number(), as: UTF8.self)
                }
            } catch {
                throw failure("invalid value")
            }
            index = scanner.index
            return .scalar(.init(text, tag(.str, at: start), .plain))
        }
    }

    mutating func string() throws(JSONParseError) -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
            throw failure("expected a string")
        }
        let (text, end) = try JSONScanner.decodedString(bytes, at: index)
        index = end
        return text
    }

    mutating func expect(_ byte: UInt8) throws(JSONParseError) {
        guard index < bytes.count, bytes[index] == byte else {
            throw failure("expected '\(Character(Unicode.Scalar(byte)))'")
        }
        index += 1
    }
}
