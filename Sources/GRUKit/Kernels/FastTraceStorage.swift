import CGRUKernels

/// The memory a fast forward pass keeps for its backward pass: the states entering each step
/// (T, N, H), the gates r, z, n (T, N, 3H) and the reset factor's operand (T, N, H), in one
/// 64-byte aligned allocation.
///
/// A training loop makes and drops one trace per layer and step; at config B's sizes that is
/// 33 MB, which the allocator hands back to the system on release and maps again, as fresh
/// pages to fault in, on the next forward pass. So ``ComputeThreads`` keeps the storages it
/// made and reuses one as soon as no trace refers to it any more (the pool is then its only
/// owner). The forward pass writes a storage before any trace refers to it; afterwards it is
/// only read.
final class FastTraceStorage: @unchecked Sendable {  // written by one forward pass before it is shared
    /// Floats the storage holds.
    let capacity: Int
    private let base: UnsafeMutablePointer<Float>
    /// Uninitialised storage of `capacity` floats.
    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity * MemoryLayout<Float>.size, alignment: 64)
            .bindMemory(to: Float.self, capacity: self.capacity)
    }

    deinit {
        base.deallocate()
    }

    /// Floats a trace of T·N rows of H units needs, each part rounded up to 64 bytes.
    static func floats(rows: Int, hidden: Int) -> Int {
        rounded(rows * hidden) * 2 + rounded(rows * 3 * hidden)
    }

    private static func rounded(_ n: Int) -> Int { (n + 15) & ~15 }

    /// The parts of a trace of T·N = `rows` rows of H = `hidden` units, as the C kernels take
    /// them: previous states (T, N, H), gates r, z, n (T, N, 3H), and W_hn h + b_hn (reset
    /// after) or r ⊙ h (reset before) (T, N, H).
    func parts(rows: Int, hidden: Int) -> gru_trace {
        precondition(Self.floats(rows: rows, hidden: hidden) <= capacity, "trace storage too small")
        let gates = base + Self.rounded(rows * hidden)
        return gru_trace(previous: base, gates: gates, candidate: gates + Self.rounded(rows * 3 * hidden))
    }
}

extension ComputeThreads {
    /// A trace storage of at least `floats` floats: a kept one that no trace refers to any
    /// more, or a new one (kept for later, up to ``keptTraceStorages``).
    func traceStorage(floats: Int) -> FastTraceStorage {
        withKeptTraceStorages { kept in
            if let k = kept.indices.first(where: { isKnownUniquelyReferenced(&kept[$0]) && kept[$0].capacity >= floats }) {
                return kept[k]
            }
            let storage = FastTraceStorage(capacity: floats)
            if kept.count < ComputeThreads.keptTraceStorages {
                kept.append(storage)
            } else if let k = kept.indices.first(where: { isKnownUniquelyReferenced(&kept[$0]) }) {
                kept[k] = storage  // too small: give its memory back
            }
            return storage
        }
    }
}

/// A trace storage of at least `floats` floats: from `threads`' kept ones, or a new one.
func traceStorage(_ threads: ComputeThreads?, floats: Int) -> FastTraceStorage {
    threads?.traceStorage(floats: floats) ?? FastTraceStorage(capacity: floats)
}
