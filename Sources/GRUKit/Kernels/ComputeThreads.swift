import CGRUKernels
import Foundation

/// Threads the fast GRU kernels may use: the calling thread plus `count − 1` workers.
///
/// Workers wait for work by spinning briefly (about 100 µs) and then sleeping, so an idle
/// `ComputeThreads` costs nothing, and steps that follow each other closely (a GRU's time
/// steps, a training loop's batches) pay no wake-up. Give one to a ``GRU``, ``GRULayer`` or
/// ``GRUModel`` through its `threads` property. Results are the same bit for bit whatever the
/// thread count. One `ComputeThreads` runs one job at a time; concurrent callers wait their turn.
///
/// It also keeps the kernels' scratch memory from one call to the next (as much as the largest
/// call needed, until it is released), and the memory of the traces that training's forward
/// passes keep for the backward pass (reused once the trace is dropped), so repeated calls do
/// not map and fault in fresh pages; `ComputeThreads(1)` is worth giving for that alone.
public final class ComputeThreads: @unchecked Sendable {  // the team and scratch are used under `lock` only
    /// The number of threads, counting the caller.
    public let count: Int
    private let team: OpaquePointer?
    private let lock = NSLock()
    /// Scratch parts kept between calls: 64-byte aligned, `capacity` floats each.
    private var scratch: [(pointer: UnsafeMutablePointer<Float>, capacity: Int)] = []
    /// Trace storages made for forward passes, reused once no trace refers to them.
    private var keptTraces: [FastTraceStorage] = []
    /// How many trace storages are kept (a two-layer bidirectional stack holds four at once).
    static let keptTraceStorages = 8

    /// Starts `count − 1` worker threads.
    ///
    /// - Parameter count: 1 or more (1 starts none).
    /// - Throws: ``GRUKitError/invalidSize(option:value:expected:)`` for a count below 1, or
    ///   ``GRUKitError/incompatible(_:)`` when the system refuses to start a thread.
    public init(_ count: Int) throws {
        guard count >= 1 else { throw GRUKitError.invalidSize(option: "threads", value: count, expected: "≥ 1") }
        guard let team = gru_team_create(Int32(clamping: count)) else {
            throw GRUKitError.incompatible("threads: could not start \(count - 1) worker thread(s)")
        }
        self.count = count
        self.team = team
    }

    deinit {
        gru_team_destroy(team)
        for part in scratch { part.pointer.deallocate() }
    }

    /// Runs `body` with the team, one caller at a time.
    func withTeam<R>(_ body: (OpaquePointer?) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(team)
    }

    /// Runs `body` with the team and scratch parts of at least `counts[k]` floats (64-byte
    /// aligned, contents undefined), one caller at a time.
    func withTeam<R>(scratch counts: [Int], _ body: (OpaquePointer?, [UnsafeMutablePointer<Float>]) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        for (k, count) in counts.enumerated() { keepScratch(k, floats: count) }
        return try body(team, scratch.prefix(counts.count).map(\.pointer))
    }

    /// ``withTeam(scratch:_:)`` with one part (and no arrays made per call).
    func withTeam<R>(scratchFloats count: Int, _ body: (OpaquePointer?, UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        keepScratch(0, floats: count)
        return try body(team, scratch[0].pointer)
    }

    /// Makes scratch part k (k ≤ the parts kept) at least `count` floats (and 16).
    private func keepScratch(_ k: Int, floats count: Int) {
        let needed = max(count, 16)
        if k == scratch.count {
            scratch.append((allocateFloats(needed), needed))
        } else if scratch[k].capacity < needed {
            scratch[k].pointer.deallocate()
            scratch[k] = (allocateFloats(needed), needed)
        }
    }
}

extension ComputeThreads {
    /// Runs `body` on the kept trace storages, one caller at a time.
    func withKeptTraceStorages<R>(_ body: (inout [FastTraceStorage]) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&keptTraces)
    }
}

/// `count` floats of 64-byte aligned memory.
private func allocateFloats(_ count: Int) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.size, alignment: 64)
        .bindMemory(to: Float.self, capacity: count)
}

/// Runs `body` with the team of `threads`, or with none (the caller's thread alone).
func withTeam<R>(_ threads: ComputeThreads?, _ body: (OpaquePointer?) throws -> R) rethrows -> R {
    guard let threads else { return try body(nil) }
    return try threads.withTeam(body)
}

/// Runs `body` with the team of `threads` (or none) and scratch parts of `counts[k]` floats:
/// kept by `threads` between calls, or allocated for this call alone without threads. Each
/// part is its own allocation.
func withTeam<R>(
    _ threads: ComputeThreads?, scratch counts: [Int], _ body: (OpaquePointer?, [UnsafeMutablePointer<Float>]) throws -> R
) rethrows -> R {
    if let threads { return try threads.withTeam(scratch: counts, body) }
    let pointers = counts.map { allocateFloats(max($0, 16)) }
    defer { for p in pointers { p.deallocate() } }
    return try body(nil, pointers)
}

/// ``withTeam(_:scratch:_:)`` with one part.
func withTeam<R>(
    _ threads: ComputeThreads?, scratchFloats count: Int, _ body: (OpaquePointer?, UnsafeMutablePointer<Float>) throws -> R
) rethrows -> R {
    if let threads { return try threads.withTeam(scratchFloats: count, body) }
    let pointer = allocateFloats(max(count, 16))
    defer { pointer.deallocate() }
    return try body(nil, pointer)
}
