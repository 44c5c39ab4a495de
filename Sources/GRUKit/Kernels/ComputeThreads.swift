import CGRUKernels
import Foundation

/// Threads the fast GRU kernels may use: the calling thread plus `count − 1` workers.
///
/// Workers wait for work by spinning briefly (about 100 µs) and then sleeping, so an idle
/// `ComputeThreads` costs nothing, and steps that follow each other closely (a GRU's time
/// steps, a training loop's batches) pay no wake-up. Give one to a ``GRU``, ``GRULayer`` or
/// ``GRUModel`` through its `threads` property. Results are the same bit for bit whatever the
/// thread count. One `ComputeThreads` runs one job at a time; concurrent callers wait their turn.
public final class ComputeThreads: @unchecked Sendable {  // the team is used under `lock` only
    /// The number of threads, counting the caller.
    public let count: Int
    private let team: OpaquePointer?
    private let lock = NSLock()

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
    }

    /// Runs `body` with the team, one caller at a time.
    func withTeam<R>(_ body: (OpaquePointer?) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(team)
    }
}

/// Runs `body` with the team of `threads`, or with none (the caller's thread alone).
func withTeam<R>(_ threads: ComputeThreads?, _ body: (OpaquePointer?) throws -> R) rethrows -> R {
    guard let threads else { return try body(nil) }
    return try threads.withTeam(body)
}
