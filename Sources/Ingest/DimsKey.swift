import Pricing

/// The canonical bytes of an event's `dims`: its pairs sorted by key (bytewise), each written as
/// a 4-byte little-endian length and the key's bytes, then the same for the value. Two events'
/// dims are the same set exactly when their keys are the same bytes, so they are interned from
/// these bytes without a `String` per event.
public struct DimsKeyBuilder {
    /// The buffer, reused line after line (a class so appends need no uniqueness check).
    private final class Buffer {
        var base: UnsafeMutableRawPointer
        var capacity: Int
        var count = 0

        init(capacity: Int) {
            self.capacity = capacity
            base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        }

        deinit { base.deallocate() }

        func reserve(_ extra: Int) {
            guard count + extra > capacity else { return }
            var grown = capacity * 2
            while grown < count + extra { grown *= 2 }
            let bigger = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 8)
            bigger.copyMemory(from: base, byteCount: count)
            base.deallocate()
            base = bigger
            capacity = grown
        }

        func append(_ bytes: UnsafeRawBufferPointer) {
            reserve(4 + bytes.count)
            base.storeBytes(
                of: UInt32(truncatingIfNeeded: bytes.count).littleEndian, toByteOffset: count,
                as: UInt32.self)
            if let source = bytes.baseAddress {
                (base + count + 4).copyMemory(from: source, byteCount: bytes.count)
            }
            count += 4 + bytes.count
        }
    }

    private let buffer = Buffer(capacity: 256)

    /// An empty builder; its buffer is reused line after line.
    public init() {}

    /// Starts a new key.
    public func reset() {
        buffer.count = 0
    }

    /// Appends one pair; pairs must come sorted by key bytes.
    public func append(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        buffer.append(key)
        buffer.append(value)
    }

    /// Replaces the key with `dims`' (from the slow parser), sorted by key bytes.
    public func set(_ dims: [Dimension]) {
        reset()
        let sorted = dims.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        for dimension in sorted {
            var key = dimension.key
            var value = dimension.value
            key.withUTF8 { key in
                value.withUTF8 { value in
                    append(key: UnsafeRawBufferPointer(key), value: UnsafeRawBufferPointer(value))
                }
            }
        }
    }

    /// Calls `body` with the key's bytes.
    public func withBytes<Result>(
        _ body: (UnsafeRawBufferPointer) throws -> Result
    ) rethrows
        -> Result
    {
        try body(UnsafeRawBufferPointer(start: buffer.base, count: buffer.count))
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
