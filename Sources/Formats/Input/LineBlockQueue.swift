import Foundation

// The hand-off between a decoding thread (the producer: read, hash, decompress, walk the
// archive, split lines) and the caller's thread (the consumer: `onSource`/`onLine`). Lines are
// copied into large blocks with a compact index, and blocks travel through a bounded queue:
// a fixed pool of blocks per decoding thread, reused, so memory stays bounded and steady state
// allocates nothing.

/// One entry of a `LineBlock`'s index: a line, or the start of a new source.
struct LineBlockEntry {
    /// Where the entry's bytes start in the block's data.
    var offset: UInt32
    /// The byte count, with `tooLongFlag` set for a line over `lineBytesMax`.
    var byteCountAndFlag: UInt32
    /// The line's 1-based number in its source; 0 marks a source change, whose bytes are the
    /// source's display name (UTF-8).
    var number: Int64

    /// Set in `byteCountAndFlag` for a too-long line (counts stay below 2^31: see
    /// `LineBlock.entryBytesMax`).
    static let tooLongFlag: UInt32 = 1 << 31
}

/// A block of whole lines (and source changes) in input order, filled by a decoding thread and
/// delivered by the caller's thread. Reused: `reset` empties it without freeing.
final class LineBlock {
    /// The most bytes one entry may hold; `InputReader.init` keeps `lineBytesMax` below it.
    static let entryBytesMax = Int(Int32.max)

    /// Line bytes, one entry after another.
    private(set) var data: UnsafeMutableRawPointer
    /// Bytes `data` can hold; grows (rarely) to fit one entry bigger than the block.
    private(set) var dataCapacity: Int
    /// Bytes of `data` in use.
    private(set) var dataCount = 0
    /// The index, `entriesCapacity` entries.
    let entries: UnsafeMutablePointer<LineBlockEntry>
    /// How many entries the index holds at most.
    let entriesCapacity: Int
    /// Entries in use.
    private(set) var entryCount = 0
    /// Entries in use that are source changes, not lines (counted by `LineBlockWriter`, off
    /// the per-line path).
    private(set) var sourceEntryCount = 0

    /// The lines the block holds (its entries less its source changes).
    var lineCount: Int { entryCount - sourceEntryCount }

    /// Creates an empty block of `dataBytes` bytes and `entriesMax` entries.
    init(dataBytes: Int, entriesMax: Int) {
        precondition(dataBytes > 0, "dataBytes must be positive")
        precondition(entriesMax > 0, "entriesMax must be positive")
        precondition(dataBytes <= Int(UInt32.max), "block data over 4 GiB")
        dataCapacity = dataBytes
        data = .allocate(byteCount: dataBytes, alignment: 16)
        entriesCapacity = entriesMax
        entries = .allocate(capacity: entriesMax)
    }

    deinit {
        data.deallocate()
        entries.deallocate()
    }

    /// Whether an entry of `byteCount` bytes fits after the ones held.
    func fits(_ byteCount: Int) -> Bool {
        entryCount < entriesCapacity && dataCount + byteCount <= dataCapacity
    }

    /// Makes room for one entry of `byteCount` bytes in an empty block (an entry never spans
    /// blocks, so a line longer than the block grows it; bounded by `lineBytesMax`).
    func reserve(_ byteCount: Int) {
        precondition(entryCount == 0, "reserve on a block in use")
        precondition(byteCount <= LineBlock.entryBytesMax, "entry over 2 GiB")
        guard byteCount > dataCapacity else { return }
        data.deallocate()
        data = .allocate(byteCount: byteCount, alignment: 16)
        dataCapacity = byteCount
    }

    /// Appends an entry; the caller checked `fits`.
    func append(_ bytes: UnsafeRawBufferPointer, number: Int64, isTooLong: Bool) {
        precondition(fits(bytes.count), "entry does not fit")
        if let source = bytes.baseAddress, bytes.count > 0 {
            (data + dataCount).copyMemory(from: source, byteCount: bytes.count)
        }
        let flag = isTooLong ? LineBlockEntry.tooLongFlag : 0
        entries[entryCount] = LineBlockEntry(
            offset: UInt32(dataCount), byteCountAndFlag: UInt32(bytes.count) | flag,
            number: number)
        dataCount += bytes.count
        entryCount += 1
    }

    /// Notes that the entry just appended is a source change.
    func countSourceEntry() {
        precondition(sourceEntryCount < entryCount, "more source changes than entries")
        sourceEntryCount += 1
    }

    /// Empties the block for reuse.
    func reset() {
        dataCount = 0
        entryCount = 0
        sourceEntryCount = 0
    }

    /// Delivers every entry in order, on the calling thread; the bytes are valid only during
    /// each callback.
    func deliver(
        onSource: (String) throws -> Void, onLine: (InputLine) throws -> Void
    ) throws {
        for index in 0..<entryCount {
            let entry = entries[index]
            let count = Int(entry.byteCountAndFlag & ~LineBlockEntry.tooLongFlag)
            let bytes = UnsafeRawBufferPointer(start: data + Int(entry.offset), count: count)
            if entry.number == 0 {
                try onSource(String(decoding: bytes, as: UTF8.self))
            } else {
                try onLine(
                    InputLine(
                        bytes: bytes, number: Int(entry.number),
                        isTooLong: entry.byteCountAndFlag & LineBlockEntry.tooLongFlag != 0))
            }
        }
    }
}

/// What a decoding thread hands the caller's thread, in order.
enum LineBlockItem {
    /// A block of lines of the current input.
    case block(LineBlock)
    /// The current input ended: its summary, or the error that ended it (after the lines read
    /// before the error, which came in earlier blocks).
    case inputEnd(Result<InputSummary, Error>)
}

/// The caller's thread stopped reading (a callback threw, or an earlier input failed); the
/// decoding thread unwinds with this and exits.
struct LineBlockQueueCancelled: Error {}

/// A bounded queue of `LineBlockItem`s from one decoding thread to the caller's thread, with
/// the pool of blocks that travel through it (one producer, one consumer).
///
/// Bounded twice: at most `blocks.count` blocks exist, and the producer starts a new input only
/// while fewer than `inputsAheadMax` ended inputs wait (inputs without lines carry no block).
final class LineBlockQueue {
    /// Guards every field below; signalled on every change.
    private let condition = NSCondition()
    /// Every block of the pool.
    private let blocks: [LineBlock]
    /// Blocks the producer may fill.
    private var free: [LineBlock]
    /// Items handed on and not yet taken, oldest first.
    private var items: [LineBlockItem] = []
    /// The index in `items` of the oldest item not taken.
    private var itemsHead = 0
    /// `.inputEnd` items handed on and not yet taken.
    private var inputEndsWaiting = 0
    /// How many ended inputs may wait before the producer pauses.
    private let inputsAheadMax: Int
    /// Whether the consumer stopped; the producer's waits then throw.
    private var isCancelled = false

    /// Creates a queue with `blockCount` blocks of `blockBytes` bytes and `entriesMax` entries.
    init(blockCount: Int, blockBytes: Int, entriesMax: Int) {
        precondition(blockCount >= 2, "a queue needs two blocks to overlap the threads")
        blocks = (0..<blockCount).map { _ in
            LineBlock(dataBytes: blockBytes, entriesMax: entriesMax)
        }
        free = blocks
        inputsAheadMax = blockCount
    }

    /// Empties the queue and returns every block to the pool, for the next read. Only while no
    /// thread uses the queue.
    func reset() {
        condition.lock()
        defer { condition.unlock() }
        for block in blocks { block.reset() }
        free = blocks
        items.removeAll(keepingCapacity: true)
        itemsHead = 0
        inputEndsWaiting = 0
        isCancelled = false
    }

    // MARK: Producer side

    /// Waits until another input may start (fewer than `inputsAheadMax` ended inputs wait).
    func waitToStartInput() throws {
        condition.lock()
        defer { condition.unlock() }
        while !isCancelled, inputEndsWaiting >= inputsAheadMax { condition.wait() }
        if isCancelled { throw LineBlockQueueCancelled() }
    }

    /// Takes an empty block, waiting while all are in use.
    func takeFreeBlock() throws -> LineBlock {
        condition.lock()
        defer { condition.unlock() }
        while !isCancelled, free.isEmpty { condition.wait() }
        if isCancelled { throw LineBlockQueueCancelled() }
        return free.removeLast()
    }

    /// Hands an item to the consumer. Never waits: blocks come from the pool, and input ends
    /// are bounded by `waitToStartInput`.
    func put(_ item: LineBlockItem) {
        condition.lock()
        defer { condition.unlock() }
        if case .inputEnd = item { inputEndsWaiting += 1 }
        items.append(item)
        condition.broadcast()
    }

    // MARK: Consumer side

    /// Takes the oldest item, waiting until there is one.
    func take() -> LineBlockItem {
        condition.lock()
        defer { condition.unlock() }
        while itemsHead == items.count { condition.wait() }
        let item = items[itemsHead]
        itemsHead += 1
        if itemsHead == items.count {
            items.removeAll(keepingCapacity: true)
            itemsHead = 0
        }
        if case .inputEnd = item {
            inputEndsWaiting -= 1
            condition.broadcast()
        }
        return item
    }

    /// Returns a delivered block to the pool.
    func recycle(_ block: LineBlock) {
        block.reset()
        condition.lock()
        defer { condition.unlock() }
        free.append(block)
        condition.broadcast()
    }

    /// Stops the producer: its current and later waits throw `LineBlockQueueCancelled`.
    func cancel() {
        condition.lock()
        defer { condition.unlock() }
        isCancelled = true
        condition.broadcast()
    }
}

/// The producer's end of a `LineBlockQueue`: fills blocks with the lines an `InputDecoder`
/// delivers and hands each on when full.
final class LineBlockWriter {
    /// The queue blocks go to.
    let queue: LineBlockQueue
    /// The block being filled, if any.
    private var current: LineBlock?

    /// Writes into `queue`'s blocks.
    init(queue: LineBlockQueue) {
        self.queue = queue
    }

    /// Appends a source change (its display name as the entry's bytes).
    func appendSource(_ name: String) throws {
        var name = name
        try name.withUTF8 { bytes in
            try append(UnsafeRawBufferPointer(bytes), number: 0, isTooLong: false)
        }
        // `append` left the block holding the entry as the current one.
        current?.countSourceEntry()
    }

    /// Appends a line, handing on the current block first when the line does not fit in it.
    func append(
        _ bytes: UnsafeRawBufferPointer, number: Int64, isTooLong: Bool
    ) throws {
        if let block = current, block.fits(bytes.count) {
            block.append(bytes, number: number, isTooLong: isTooLong)
            return
        }
        if let block = current, block.entryCount > 0 {
            current = nil
            queue.put(.block(block))
        }
        let block = try current ?? queue.takeFreeBlock()
        current = block
        block.reserve(bytes.count)
        block.append(bytes, number: number, isTooLong: isTooLong)
    }

    /// Forgets the current block, when the queue is reset for the next read (the queue takes
    /// every block back).
    func reset() {
        current = nil
    }

    /// Hands on the current block if it holds anything (at the end of an input, so that its
    /// end follows its lines). An empty block is kept for the next input.
    func flush() {
        guard let block = current, block.entryCount > 0 else { return }
        current = nil
        queue.put(.block(block))
    }
}
