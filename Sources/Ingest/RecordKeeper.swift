import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where admitted events are kept until the end of reading: the interned dims, the partitions
/// (by a hash of customer and id) and the switch to spilling past the memory budget. Touched by
/// one thread at a time: the intake thread, or the keeping thread of a `RecordKeeper` until
/// its `finish`.
final class RecordStore {
    let partitions: [EventPartition]
    /// The same partitions, unretained, for the per-event append (`partitions` keeps them
    /// alive): indexing the array retained and released the partition once per event.
    private let partitionRefs: [Unmanaged<EventPartition>]
    /// `IngestLimits.recordBudget` and `chunkRecords`, computed once (divisions per event
    /// otherwise).
    private let recordBudget: Int
    private let chunkRecords: Int
    private let spillFolder: String
    /// Customer number → the hash of its id, the seed of its events' partition hash.
    private let customerHashes: [UInt64]
    let dims = DimsTable()
    /// Bytes of records and ids held in memory before spilling starts.
    private var heldBytes = 0
    /// Whether records now go to spill files.
    private(set) var isSpilling = false

    init(limits: IngestLimits, customerHashes: [UInt64]) {
        partitions = (0..<limits.partitionCount).map { _ in EventPartition() }
        partitionRefs = partitions.map { Unmanaged.passUnretained($0) }
        recordBudget = limits.recordBudget
        chunkRecords = limits.chunkRecords
        spillFolder = limits.spillFolder
        self.customerHashes = customerHashes
    }

    /// Keeps one admitted event: `record` with its dims still to intern from `dimsBytes`, and
    /// its amount bytes (`StoredAmount`; empty unless its meter carries amounts). Throws only
    /// when a spill file cannot be written.
    func keep(
        _ record: EventRecord, id: UnsafeRawBufferPointer, amount: UnsafeRawBufferPointer,
        dims dimsBytes: UnsafeRawBufferPointer
    ) throws {
        var record = record
        record.dims = dims.intern(dimsBytes)
        let number = UsageIngest.partition(
            customerHash: customerHashes[Int(record.customer)], id: id,
            count: partitionRefs.count)
        let full = partitionRefs[number]._withUnsafeGuaranteedRef { partition in
            partition.append(record, id: id, amount: amount)
            return partition.recordCount >= chunkRecords
        }
        if isSpilling {
            // Each partition keeps a small chunk in memory between writes.
            if full { try partitions[number].spill(folder: spillFolder) }
        } else {
            heldBytes += MemoryLayout<EventRecord>.stride + id.count + amount.count
            if heldBytes > recordBudget { try startSpilling() }
        }
    }

    private func startSpilling() throws {
        isSpilling = true
        for partition in partitions {
            try partition.spill(folder: spillFolder)
            partition.shrink()
        }
        heldBytes = 0
        // The buffers just freed sit in this thread's malloc arena; when this is the keeping
        // thread, no later allocation of the run comes from that arena, so without a trim the
        // run's peak RSS kept them (20M events at the default limit: 531 instead of 371 MiB).
        _ = RecordStore.trimMalloc?(0)
    }

    /// glibc's `malloc_trim` (not in Swift's Glibc module), looked up once; nil elsewhere.
    private static let trimMalloc: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
            guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "malloc_trim")
            else { return nil }
            return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
            return nil
        #endif
    }()
}

/// Keeps admitted events on a thread of its own (`IngestLimits.intakeThreads` 2): the intake
/// thread scans and admits, then hands each admitted event over — its record, id and dims key
/// bytes, copied into reused blocks passed through a bounded queue — and this thread interns
/// the dims, partitions, appends and spills (`RecordStore.keep`) in exactly the order handed
/// over, so every number and byte is what one thread makes.
///
/// A failure to write a spill file stops the keeping (later blocks are recycled unread) and is
/// thrown to the intake thread at its next block hand-over, or by `finish`.
final class RecordKeeper: @unchecked Sendable {
    /// Hand-over entries, one after another, each 8-byte aligned: the record (its `dims` field
    /// holding the dims key's byte count, its `idOffset` the amount's), the id bytes, the
    /// amount bytes, then the dims key bytes.
    private final class Block {
        var base: UnsafeMutableRawPointer
        var capacity: Int
        var count = 0

        init(capacity: Int) {
            self.capacity = capacity
            base = .allocate(byteCount: capacity, alignment: 16)
        }

        deinit { base.deallocate() }

        /// Makes an empty block hold at least `bytes` (one entry bigger than a block: a line
        /// holds at most `lineBytesMax` bytes of dims).
        func reserve(_ bytes: Int) {
            precondition(count == 0, "reserve on a block in use")
            guard bytes > capacity else { return }
            base.deallocate()
            base = .allocate(byteCount: bytes, alignment: 16)
            capacity = bytes
        }
    }

    private static let recordBytes = MemoryLayout<EventRecord>.stride
    private let store: RecordStore
    private let condition = NSCondition()
    /// Blocks handed over and not yet kept, oldest first.
    private var full: [Block] = []
    /// Empty blocks for the intake thread.
    private var free: [Block]
    /// The block the intake thread fills.
    private var current: Block
    /// Set by `finish` (or `stop`): no more blocks come.
    private var ended = false
    /// The first failure of the keeping thread.
    private var failure: (any Error)?
    private let done = DispatchSemaphore(value: 0)
    private var joined = false

    /// Starts the keeping thread over `store`, with `blockCount` blocks of `blockBytes`.
    init(store: RecordStore, blockBytes: Int = 1 << 20, blockCount: Int = 4) {
        precondition(blockCount >= 2, "one block filled while another is kept")
        self.store = store
        free = (1..<blockCount).map { _ in Block(capacity: blockBytes) }
        current = Block(capacity: blockBytes)
        let thread = Thread { [self] in
            run()
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// On the intake thread: hands one admitted event over (see `RecordStore.keep`). Throws
    /// the keeping thread's failure, if any, when a full block is handed over.
    func keep(
        _ record: EventRecord, id: UnsafeRawBufferPointer, amount: UnsafeRawBufferPointer,
        dims: UnsafeRawBufferPointer
    ) throws {
        let payload = id.count + amount.count
        let size = RecordKeeper.recordBytes + (payload + dims.count + 7) & ~7
        if current.count + size > current.capacity {
            if current.count > 0 { try handOver() }
            current.reserve(size)
        }
        var record = record
        record.dims = Int32(truncatingIfNeeded: dims.count)
        record.idOffset = Int64(amount.count)
        let at = current.base + current.count
        at.storeBytes(of: record, as: EventRecord.self)
        if let source = id.baseAddress, id.count > 0 {
            (at + RecordKeeper.recordBytes).copyMemory(from: source, byteCount: id.count)
        }
        if let source = amount.baseAddress, amount.count > 0 {
            (at + RecordKeeper.recordBytes + id.count).copyMemory(
                from: source, byteCount: amount.count)
        }
        if let source = dims.baseAddress, dims.count > 0 {
            (at + RecordKeeper.recordBytes + payload).copyMemory(
                from: source, byteCount: dims.count)
        }
        current.count += size
    }

    /// Hands the current block over and takes an empty one (waiting for one if need be).
    private func handOver() throws {
        condition.lock()
        full.append(current)
        condition.broadcast()
        while free.isEmpty { condition.wait() }
        current = free.removeLast()
        let failed = failure
        condition.unlock()
        if let failed { throw failed }
    }

    /// Hands the last block over, waits until every event is kept, and throws the keeping
    /// thread's failure if any. The store is the caller's alone afterwards.
    func finish() throws {
        condition.lock()
        if current.count > 0 {
            full.append(current)
            current = Block(capacity: 1)
        }
        ended = true
        condition.broadcast()
        condition.unlock()
        join()
        if let failure { throw failure }
    }

    /// Ends the keeping thread without waiting for the events in its queue to be kept (a run
    /// that failed elsewhere).
    func stop() {
        condition.lock()
        full.removeAll()
        ended = true
        condition.broadcast()
        condition.unlock()
        join()
    }

    private func join() {
        if !joined {
            done.wait()
            joined = true
        }
    }

    /// The keeping thread: keeps every handed-over block in order until the intake ends.
    private func run() {
        while true {
            condition.lock()
            while full.isEmpty && !ended { condition.wait() }
            if full.isEmpty {
                condition.unlock()
                return
            }
            let block = full.removeFirst()
            let failed = failure != nil
            condition.unlock()
            if !failed {
                do {
                    try keepAll(block)
                } catch {
                    condition.lock()
                    failure = error
                    condition.unlock()
                }
            }
            block.count = 0
            condition.lock()
            free.append(block)
            condition.broadcast()
            condition.unlock()
        }
    }

    private func keepAll(_ block: Block) throws {
        var offset = 0
        while offset < block.count {
            let at = block.base + offset
            let record = at.load(as: EventRecord.self)
            let idCount = Int(record.idLength)
            let amountCount = Int(record.idOffset)
            let dimsCount = Int(record.dims)
            let id = UnsafeRawBufferPointer(start: at + RecordKeeper.recordBytes, count: idCount)
            let amount = UnsafeRawBufferPointer(
                start: at + RecordKeeper.recordBytes + idCount, count: amountCount)
            let dims = UnsafeRawBufferPointer(
                start: at + RecordKeeper.recordBytes + idCount + amountCount, count: dimsCount)
            try store.keep(record, id: id, amount: amount, dims: dims)
            offset += RecordKeeper.recordBytes + (idCount + amountCount + dimsCount + 7) & ~7
        }
    }
}
