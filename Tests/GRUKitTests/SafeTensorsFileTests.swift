import Foundation
import GRUKit
import Testing

/// Reading and writing real files: errors name the path, writes are atomic.
@Suite struct SafeTensorsFileTests {
    /// A fresh empty directory, removed after `body`.
    static func withTemporaryDirectory(_ body: (URL) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("grukit-safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory)
    }

    static func contents(of directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    static func writer(_ value: Float, count: Int) throws -> SafeTensorsWriter {
        var writer = SafeTensorsWriter(metadata: ["value": "\(value)"])
        try writer.add("x", Tensor<Float>(shape: [count], repeating: value))
        return writer
    }

    @Test func writtenFileReadsBackAndMatchesSerialized() throws {
        try Self.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("model.safetensors")
            let writer = try Self.writer(1.5, count: 5)
            try writer.write(to: url)
            #expect(try Data(contentsOf: url) == writer.serialized())
            let st = try SafeTensorsFile(contentsOf: url)
            #expect(try st.tensor("x", as: Float.self).scalars == Array(repeating: 1.5, count: 5))
            #expect(st.metadata == ["value": "1.5"])
            #expect(try Self.contents(of: directory) == ["model.safetensors"])
        }
    }

    /// Writing over an existing file replaces it whole, larger or smaller, and leaves no
    /// temporary files behind.
    @Test func writingOverAnExistingFileReplacesIt() throws {
        try Self.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("model.safetensors")
            for (value, count) in [(1, 1000), (2, 3), (3, 0), (4, 50)] as [(Float, Int)] {
                try Self.writer(value, count: count).write(to: url)
                let st = try SafeTensorsFile(contentsOf: url)
                #expect(try st.tensor("x", as: Float.self).scalars == Array(repeating: value, count: count))
                #expect(try Self.contents(of: directory) == ["model.safetensors"])
            }
        }
    }

    /// A file that is open (memory-mapped) while it is replaced keeps reading the old contents.
    @Test func replacingAFileDoesNotDisturbAnOpenReader() throws {
        try Self.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("model.safetensors")
            try Self.writer(1, count: 4).write(to: url)
            let old = try SafeTensorsFile(contentsOf: url)
            try Self.writer(2, count: 4).write(to: url)
            #expect(try old.tensor("x", as: Float.self).scalars == [1, 1, 1, 1])
            #expect(try SafeTensorsFile(contentsOf: url).tensor("x", as: Float.self).scalars == [2, 2, 2, 2])
        }
    }

    @Test func failedWriteNamesThePathAndLeavesNothing() throws {
        try Self.withTemporaryDirectory { directory in
            let missing = directory.appendingPathComponent("no such folder").appendingPathComponent("model.safetensors")
            expectSafeTensorsError(.cannotWrite(
                file: missing.path,
                reason: "cannot create a temporary file in \(missing.deletingLastPathComponent().path): No such file or directory"),
                mentions: [missing.path, "unchanged"]) { try Self.writer(1, count: 2).write(to: missing) }
            #expect(try Self.contents(of: directory).isEmpty)

            // The target is a non-empty directory: the rename fails, the temporary file goes.
            let occupied = directory.appendingPathComponent("taken.safetensors")
            try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: false)
            try Data([1]).write(to: occupied.appendingPathComponent("keep"))
            do {
                try Self.writer(1, count: 2).write(to: occupied)
                Issue.record("writing over a directory should fail")
            } catch let error as SafeTensorsError {
                guard case let .cannotWrite(file, reason) = error else { throw error }
                #expect(file == occupied.path && reason.contains("cannot rename"), "\(error)")
            }
            #expect(try Self.contents(of: directory) == ["taken.safetensors"])
            #expect(try Self.contents(of: occupied) == ["keep"])
        }
    }

    #if os(Linux)
    /// The resident memory of this process, from /proc.
    static func residentBytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        return try #require(Int(line.split(separator: " ").dropFirst().first ?? "")) * 1024
    }

    /// A 3 GiB (sparse) file opens by mapping: only the header and what is converted is read.
    @Test func largeFilesAreMappedNotLoaded() throws {
        try Self.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("large.safetensors")
            let size = 3 << 30
            var header = Array(("{" + safeTensorsEntry("big", "U8", shape: [size], offsets: (0, size)) + ","
                + safeTensorsEntry("tail", "F32", shape: [1], offsets: (size, size + 4)) + "}").utf8)
            header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
            let prefix = rawSafeTensors(bytes: header)
            #expect(FileManager.default.createFile(atPath: url.path, contents: prefix))
            let handle = try FileHandle(forWritingTo: url)
            try handle.truncate(atOffset: UInt64(prefix.count + size))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data([0, 0, 0x20, 0x41]))  // 10.0 as little-endian F32
            try handle.close()

            let before = try Self.residentBytes()
            let st = try SafeTensorsFile(contentsOf: url)
            #expect(st.info("big")?.dataOffsets == 0..<size)
            #expect(try st.tensor("tail", as: Float.self).scalars == [10])
            let growth = try Self.residentBytes() - before
            #expect(growth < 512 << 20, "opening a 3 GiB file grew resident memory by \(growth >> 20) MiB")
        }
    }
    #endif

    @Test func readErrorsNameThePath() throws {
        try Self.withTemporaryDirectory { directory in
            let missing = directory.appendingPathComponent("absent.safetensors")
            expectSafeTensorsError(.cannotRead(file: missing.path, reason: "No such file or directory"), mentions: [missing.path]) {
                _ = try SafeTensorsFile(contentsOf: missing)
            }
            expectSafeTensorsError(.cannotRead(file: directory.path, reason: "Is a directory")) {
                _ = try SafeTensorsFile(contentsOf: directory)
            }
            let empty = directory.appendingPathComponent("empty.safetensors")
            try Data().write(to: empty)
            expectSafeTensorsError(.tooShort(file: empty.path, byteCount: 0), mentions: [empty.path, "empty"]) {
                _ = try SafeTensorsFile(contentsOf: empty)
            }
            let truncated = directory.appendingPathComponent("truncated.safetensors")
            try Self.writer(1, count: 4).serialized().dropLast(1).write(to: truncated)
            expectSafeTensorsError(.offsetsOutOfRange(file: truncated.path, key: "x", end: 16, dataSize: 15),
                                   mentions: [truncated.path, "\"x\"", "truncated"]) {
                _ = try SafeTensorsFile(contentsOf: truncated)
            }
        }
    }

    /// A writer killed between creating its temporary file and renaming it leaves
    /// `.NAME.PID-RANDOM.tmp`; the next successful write removes those whose process is gone
    /// and keeps a live process's (this one's) and every other file.
    @Test func abandonedTemporaryFilesAreRemovedByTheNextWrite() throws {
        try Self.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("m.safetensors")
            var writer = SafeTensorsWriter()
            try writer.add("w", try Tensor<Float>(shape: [2], scalars: [1, 2]))
            try writer.write(to: url)
            // Linux PIDs stay below 2^22, so process 2147483646 does not exist.
            let abandoned = [".m.safetensors.2147483646-k3x9.tmp", ".m.safetensors.2147483645-0.tmp"]
            let kept = [".m.safetensors.\(getpid())-live.tmp", ".other.safetensors.2147483646-k3x9.tmp", ".m.safetensors.notes.tmp", "m.safetensors.2147483646-k3x9.tmp"]
            for name in abandoned + kept {
                try Data([1, 2, 3]).write(to: directory.appendingPathComponent(name))
            }
            try writer.write(to: url)
            let left = Set(try FileManager.default.contentsOfDirectory(atPath: directory.path))
            #expect(left == Set(kept + ["m.safetensors"]))
            #expect(try SafeTensorsFile(contentsOf: url).tensor("w", as: Float.self).scalars == [1, 2])
        }
    }
}
