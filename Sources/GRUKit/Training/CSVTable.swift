import Foundation

/// A CSV file read strictly: a header row of column names, then rows of as many fields.
///
/// Fields are separated by commas; a field in double quotes may hold commas and `""` for a
/// quote; spaces around fields are trimmed; blank lines are skipped; `\n`, `\r\n` and `\r`
/// line ends are accepted. Every error names the file and the line.
///
/// The file is memory-mapped and parsed in one pass over its UTF-8 bytes, line by line: it is
/// never copied whole, and no line longer than ``maximumLineLength`` bytes is read.
public struct CSVTable: Sendable {
    /// The longest line accepted, in bytes (16 MiB): a longer one is refused as soon as the
    /// parser has read that far, so a file of one endless line cannot exhaust memory.
    public static let maximumLineLength = 1 << 24

    /// How errors name the file.
    public let file: String
    /// The column names, from the first non-blank line.
    public let header: [String]
    /// The data rows' fields.
    public let rows: [[String]]
    /// The line number (from 1) of each row, for errors.
    public let lines: [Int]

    /// Reads and parses a CSV file (memory-mapped, not copied).
    ///
    /// - Throws: ``DatasetError/csv(file:line:problem:)`` for an unreadable file, a line that is
    ///   not UTF-8 or is longer than ``maximumLineLength``, no header, a repeated column name or
    ///   a row with another number of fields.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw DatasetError.csv(file: url.path, line: nil, problem: "cannot read it (\(systemReason(for: error)))")
        }
        try self.init(data: data, file: url.path)
    }

    /// Parses the bytes of a CSV file; `file` names it in errors.
    ///
    /// - Throws: the errors of ``init(contentsOf:)``.
    public init(data: Data, file: String) throws {
        let (header, rows, lines) = try data.withUnsafeBytes { try Self.parse($0, file: file) }
        (self.file, self.header, self.rows, self.lines) = (file, header, rows, lines)
    }

    /// Parses CSV text; `file` names it in errors.
    public init(text: String, file: String) throws {
        var text = text
        let (header, rows, lines) = try text.withUTF8 { try Self.parse(UnsafeRawBufferPointer($0), file: file) }
        (self.file, self.header, self.rows, self.lines) = (file, header, rows, lines)
    }

    /// The named columns as numbers: one row of `names.count` values per data row.
    ///
    /// - Throws: ``DatasetError/csv(file:line:problem:)`` naming a missing column, or the line
    ///   and column of an empty, non-numeric or non-finite cell.
    public func numbers(columns names: [String]) throws -> [[Double]] {
        let indices = try names.map { name in
            guard let j = header.firstIndex(of: name) else {
                throw DatasetError.csv(file: file, line: nil, problem: "no column '\(name)' (the columns are \(Self.list(header)))")
            }
            return j
        }
        return try rows.enumerated().map { r, fields in
            try zip(names, indices).map { name, j in
                let cell = fields[j]
                guard let value = Double(cell), value.isFinite else {
                    throw DatasetError.csv(file: file, line: lines[r], problem: "column '\(name)': " + (cell.isEmpty ? "empty cell, expected a number" : "'\(Self.shortened(cell))' is not a finite number"))
                }
                return value
            }
        }
    }

    /// Column names for a message: all of them, or the first ten and how many more.
    static func list(_ names: [String]) -> String {
        let shown = names.prefix(10).map(shortened).joined(separator: ", ")
        return names.count > 10 ? shown + ", … (\(names.count) columns)" : shown
    }

    /// A cell for a message: itself, or its first 40 characters and an ellipsis.
    static func shortened(_ s: String) -> String { s.count > 40 ? s.prefix(40) + "…" : s }

    /// The header, the rows and their line numbers, from UTF-8 bytes.
    private static func parse(_ bytes: UnsafeRawBufferPointer, file: String) throws -> (header: [String], rows: [[String]], lines: [Int]) {
        var header: [String]?
        var rows: [[String]] = [], lines: [Int] = []
        var start = 0, number = 0
        while start <= bytes.count {
            number += 1
            var end = start
            while end < bytes.count, bytes[end] != 0x0A, bytes[end] != 0x0D {
                end += 1
                if end - start > maximumLineLength {
                    throw DatasetError.csv(file: file, line: number, problem: "the line is longer than \(maximumLineLength) bytes; GRUKit reads lines of at most 16 MiB")
                }
            }
            let line = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            // The next line starts after "\n", "\r\n" or "\r" (or past the end).
            start = end + (end + 1 < bytes.count && bytes[end] == 0x0D && bytes[end + 1] == 0x0A ? 2 : 1)
            guard let text = String(validating: line, as: UTF8.self) else {
                throw DatasetError.csv(file: file, line: number, problem: "not UTF-8 text")
            }
            if text.unicodeScalars.allSatisfy(\.properties.isWhitespace) { continue }
            let (fields, count) = try Self.fields(of: line, file: file, line: number, keeping: header?.count ?? Int.max)
            if let header {
                guard count == header.count else {
                    throw DatasetError.csv(file: file, line: number, problem: "\(count) field(s), but the header has \(header.count) (\(list(header)))")
                }
                rows.append(fields)
                lines.append(number)
            } else {
                var seen = Set<String>()
                if let repeated = fields.first(where: { !seen.insert($0).inserted }) {
                    throw DatasetError.csv(file: file, line: number, problem: "the header names column '\(shortened(repeated))' twice")
                }
                header = fields
            }
        }
        guard let header else { throw DatasetError.csv(file: file, line: nil, problem: "empty: expected a header row of column names") }
        return (header, rows, lines)
    }

    /// The first `limit` fields of one line of valid UTF-8 (no line breaks) and how many it
    /// has: the commas and quotes that delimit fields are ASCII bytes, which never occur
    /// inside a multi-byte character.
    private static func fields(of line: UnsafeRawBufferPointer, file: String, line number: Int, keeping limit: Int) throws -> (fields: [String], count: Int) {
        let quote: UInt8 = 0x22, comma: UInt8 = 0x2C
        func text(_ range: Range<Int>) -> String { String(decoding: UnsafeRawBufferPointer(rebasing: line[range]), as: UTF8.self) }
        func blank(_ range: Range<Int>) -> Bool { text(range).allSatisfy(\.isWhitespace) }
        var fields: [String] = [], count = 0
        var fieldStart = 0, k = 0
        var quoted: [UInt8]?           // a quoted field's content, once its opening quote is read
        var closed = false, tailStart = 0  // whether its closing quote is read, and where the rest starts
        var plain = false                  // whether the field has a non-blank character before any quote
        func finish(at end: Int) throws {
            count += 1
            if let content = quoted {
                guard closed else { throw DatasetError.csv(file: file, line: number, problem: "a quoted field is not closed") }
                guard blank(tailStart..<end) else {
                    throw DatasetError.csv(file: file, line: number, problem: "text after a closing quote in field \(count)")
                }
                if count <= limit { fields.append(String(decoding: content, as: UTF8.self)) }
            } else if count <= limit {
                fields.append(text(fieldStart..<end).trimmingCharacters(in: .whitespaces))
            }
        }
        while k < line.count {
            let c = line[k]
            if quoted != nil, !closed {
                if c == quote {
                    if k + 1 < line.count, line[k + 1] == quote { quoted!.append(quote); k += 1 } else { (closed, tailStart) = (true, k + 1) }
                } else {
                    quoted!.append(c)
                }
            } else if c == comma {
                try finish(at: k)
                (fieldStart, quoted, closed, plain) = (k + 1, nil, false, false)
            } else if c == quote, quoted == nil, !plain {
                if blank(fieldStart..<k) { quoted = [] } else { plain = true }
            }
            k += 1
        }
        try finish(at: line.count)
        return (fields, count)
    }
}
