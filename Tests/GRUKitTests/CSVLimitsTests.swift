import Foundation
import GRUKit
import Testing

/// Hostile CSV files: a line of 10^9 characters, a row of endless fields, bytes that are not
/// UTF-8. Each is refused with the file and line named, without reading more than a line's
/// limit, and a large file is mapped rather than copied.
@Suite struct CSVLimitsTests {
    static func withFile(_ name: String, _ body: (URL) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grukit-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory.appendingPathComponent(name))
    }

    /// A header, then a line of 10^9 NUL characters (valid UTF-8, one field): the file is a
    /// sparse 1 GB hole, and the line is refused once 16 MiB of it are read.
    @Test func aBillionCharacterLineIsRefusedAtTheLimit() throws {
        try Self.withFile("long.csv") { url in
            try Data("a\n".utf8).write(to: url)
            let handle = try FileHandle(forWritingTo: url)
            try handle.truncate(atOffset: 2 + 1_000_000_000)
            try handle.close()
            let problem = "the line is longer than \(CSVTable.maximumLineLength) bytes; GRUKit reads lines of at most 16 MiB"
            #expect(throws: DatasetError.csv(file: url.path, line: 2, problem: problem)) { try CSVTable(contentsOf: url) }
        }
    }

    /// Lines up to the limit are read; one byte more is refused, in the header too.
    @Test func lineLimitIsExact() throws {
        let limit = CSVTable.maximumLineLength
        let longest = Data("x,".utf8) + Data(repeating: UInt8(ascii: "1"), count: limit - 2)
        let table = try CSVTable(data: Data("a,b\n".utf8) + longest + Data("\n".utf8), file: "l.csv")
        #expect(table.rows.count == 1 && table.rows[0][1].utf8.count == limit - 2)
        #expect(throws: DatasetError.csv(file: "l.csv", line: 1, problem: "the line is longer than \(limit) bytes; GRUKit reads lines of at most 16 MiB")) {
            try CSVTable(data: longest + Data("1".utf8), file: "l.csv")
        }
    }

    /// A row of a million fields under a two-column header names the count and keeps only the
    /// header's width; a header of many columns lists ten of them.
    @Test func rowsWithTooManyFields() throws {
        let wide = Data("a,b\n".utf8) + Data(String(repeating: "1,", count: 999_999).utf8) + Data("1\n".utf8)
        #expect(throws: DatasetError.csv(file: "w.csv", line: 2, problem: "1000000 field(s), but the header has 2 (a, b)")) {
            try CSVTable(data: wide, file: "w.csv")
        }
        let header = (0..<200_000).map { "c\($0)" }.joined(separator: ",")
        let problem = "1 field(s), but the header has 200000 (c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, … (200000 columns))"
        #expect(throws: DatasetError.csv(file: "h.csv", line: 2, problem: problem)) {
            try CSVTable(data: Data((header + "\n1\n").utf8), file: "h.csv")
        }
    }

    /// Bad UTF-8 is named by its line; a quote-only field and quotes inside a plain field parse
    /// in linear time.
    @Test func badBytesAndQuotes() throws {
        #expect(throws: DatasetError.csv(file: "b.csv", line: 3, problem: "not UTF-8 text")) {
            try CSVTable(data: Data("a\n1\n\u{FF}".utf8) + Data([0xFF, 0x0A]), file: "b.csv")
        }
        let quotes = String(repeating: "\"", count: 1_000_000)
        let table = try CSVTable(text: "a,b\nx\(quotes),\"\(String(repeating: "\"\"", count: 100_000))\"\n", file: "q.csv")
        #expect(table.rows[0][0].count == 1_000_001)
        #expect(table.rows[0][1] == String(repeating: "\"", count: 100_000))
    }
}
