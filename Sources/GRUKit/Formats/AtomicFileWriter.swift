#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces files atomically with POSIX calls: the new contents go to a temporary file in the
/// target's directory (so the rename stays on one file system), are flushed to disk, and the
/// temporary file is renamed over the target. Readers see the old file or the new one, never
/// a mix; a failure or a killed process leaves the old file as it was.
///
/// The temporary file is `.NAME.PID-RANDOM.tmp` beside `NAME`. A process killed while writing
/// leaves its temporary file behind; the next successful write of the same file removes every
/// such file whose process is gone, so killed runs do not pile them up.
enum AtomicFileWriter {
    /// Writes `chunks`, one after another, as the new contents of the file at `url`.
    ///
    /// - Throws: ``SafeTensorsError/cannotWrite(file:reason:)`` naming `url`'s path and the
    ///   step that failed; the temporary file is removed.
    static func replaceFile(at url: URL, with chunks: [[UInt8]]) throws {
        let target = url.path
        let directory = url.deletingLastPathComponent().path
        let suffix = "\(getpid())-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(suffix).tmp").path
        func failure(_ step: String, _ code: Int32) -> SafeTensorsError {
            .cannotWrite(file: target, reason: "\(step): \(systemMessage(code))")
        }

        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw failure("cannot create a temporary file in \(directory)", errno) }
        var isOpen = true
        do {
            for chunk in chunks {
                if let code = writeAll(chunk, to: descriptor) { throw failure("cannot write \(temporary)", code) }
            }
            guard fsync(descriptor) == 0 else { throw failure("cannot flush \(temporary)", errno) }
            isOpen = false
            guard close(descriptor) == 0 else { throw failure("cannot close \(temporary)", errno) }
            guard rename(temporary, target) == 0 else { throw failure("cannot rename \(temporary) to it", errno) }
        } catch {
            if isOpen { close(descriptor) }
            unlink(temporary)
            throw error
        }
        // Make the rename itself durable; the file is already complete, so errors are ignored.
        let directoryDescriptor = open(directory, O_RDONLY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
        removeAbandonedTemporaries(of: url)
    }

    /// Removes the temporary files that killed writers of `url` left beside it: those named
    /// `.NAME.PID-RANDOM.tmp` whose process no longer exists. A live writer's file (another
    /// process writing the same file, or this one) is kept; errors are ignored.
    static func removeAbandonedTemporaries(of url: URL) {
        let folder = url.deletingLastPathComponent()
        let prefix = ".\(url.lastPathComponent).", suffix = ".tmp"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(suffix) && name.count > prefix.count + suffix.count {
            let middle = name.dropFirst(prefix.count).dropLast(suffix.count)
            guard let dash = middle.firstIndex(of: "-"), let pid = Int32(middle[..<dash]), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) == -1 && errno == ESRCH { unlink(folder.appendingPathComponent(name).path) }
        }
    }

    /// Writes every byte, retrying short writes and interruptions; returns `errno` on failure.
    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Int32? {
        bytes.withUnsafeBytes { raw -> Int32? in
            guard let base = raw.baseAddress else { return nil }
            var written = 0
            while written < raw.count {
                let result = write(descriptor, base + written, raw.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += result
            }
            return nil
        }
    }
}

/// The system's description of an `errno` value, such as "No such file or directory".
func systemMessage(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// The system's description of why Foundation could not read or write a file.
func systemReason(for error: any Error) -> String {
    if let error = error as? CocoaError, let posix = error.underlying as? POSIXError {
        return systemMessage(posix.code.rawValue)
    }
    return "\(error)"
}
