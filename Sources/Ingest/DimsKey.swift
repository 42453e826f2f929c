import Pricing

/// The canonical bytes of an event's `dims`: its pairs sorted by key (bytewise), each written as
/// a 4-byte little-endian length and the key's bytes, then the same for the value. Two events'
/// dims are the same set exactly when their keys are the same bytes, so they are interned from
/// these bytes without a `String` per event.
public struct DimsKeyBuilder {
    private var bytes: [UInt8] = []

    /// An empty builder; its buffer is reused line after line.
    public init() {
        bytes.reserveCapacity(256)
    }

    /// Starts a new key.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// Appends one pair; pairs must come sorted by key bytes.
    public mutating func append(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        appendLength(key.count)
        bytes.append(contentsOf: key)
        appendLength(value.count)
        bytes.append(contentsOf: value)
    }

    /// Replaces the key with `dims`' (from the slow parser), sorted by key bytes.
    public mutating func set(_ dims: [Dimension]) {
        reset()
        let sorted = dims.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        for dimension in sorted {
            appendLength(dimension.key.utf8.count)
            bytes.append(contentsOf: dimension.key.utf8)
            appendLength(dimension.value.utf8.count)
            bytes.append(contentsOf: dimension.value.utf8)
        }
    }

    /// Calls `body` with the key's bytes.
    public func withBytes<Result>(
        _ body: (UnsafeRawBufferPointer) throws -> Result
    ) rethrows
        -> Result
    {
        try bytes.withUnsafeBytes(body)
    }

    private mutating func appendLength(_ count: Int) {
        let value = UInt32(truncatingIfNeeded: count)
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
    }

    /// The dimensions a key holds, in key order.
    public static func dimensions(_ key: UnsafeRawBufferPointer) -> [Dimension] {
        var result: [Dimension] = []
        var index = 0
        func take() -> String {
            let count =
                Int(key[index]) | Int(key[index + 1]) << 8 | Int(key[index + 2]) << 16
                | Int(key[index + 3]) << 24
            index += 4
            defer { index += count }
            return String(
                decoding: UnsafeRawBufferPointer(rebasing: key[index..<index + count]),
                as: UTF8.self)
        }
        while index < key.count {
            let name = take()
            let value = take()
            result.append(Dimension(key: name, value: value))
        }
        return result
    }
}
