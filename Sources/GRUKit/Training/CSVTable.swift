import Foundation

/// A CSV file read strictly: a header row of column names, then rows of as many fields.
///
/// Fields are separated by commas; a field in double quotes may hold commas and `""` for a
/// quote; spaces around fields are trimmed; blank lines are skipped; `\r\n` line ends are
/// accepted. Every error names the file and the line.
public struct CSVTable: Sendable {
    /// How errors name the file.
    public let file: String
    /// The column names, from the first non-blank line.
    public let header: [String]
    /// The data rows' fields.
    public let rows: [[String]]
    /// The line number (from 1) of each row, for errors.
    public let lines: [Int]

    /// Reads and parses a CSV file.
    ///
    /// - Throws: ``DatasetError/csv(file:line:problem:)`` for an unreadable or non-UTF-8 file,
    ///   no header, a repeated column name or a row with another number of fields.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DatasetError.csv(file: url.path, line: nil, problem: "cannot read it (\(systemReason(for: error)))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DatasetError.csv(file: url.path, line: nil, problem: "not UTF-8 text")
        }
        try self.init(text: text, file: url.path)
    }

    /// Parses CSV text; `file` names it in errors.
    public init(text: String, file: String) throws {
        self.file = file
        var header: [String]?
        var rows: [[String]] = [], lines: [Int] = []
        // "\r\n" is one Character in Swift, so lines are split on it as well as on "\n" and "\r".
        let lineBreaks: Set<Character> = ["\n", "\r\n", "\r"]
        for (number, content) in text.split(omittingEmptySubsequences: false, whereSeparator: lineBreaks.contains).enumerated() {
            if content.allSatisfy(\.isWhitespace) { continue }
            let fields = try Self.fields(of: content, file: file, line: number + 1)
            if let header {
                guard fields.count == header.count else {
                    throw DatasetError.csv(file: file, line: number + 1,
                                           problem: "\(fields.count) field(s), but the header has \(header.count) (\(header.joined(separator: ", ")))")
                }
                rows.append(fields)
                lines.append(number + 1)
            } else {
                if let repeated = fields.enumerated().first(where: { fields[..<$0.offset].contains($0.element) }) {
                    throw DatasetError.csv(file: file, line: number + 1, problem: "the header names column '\(repeated.element)' twice")
                }
                header = fields
            }
        }
        guard let header else { throw DatasetError.csv(file: file, line: nil, problem: "empty: expected a header row of column names") }
        self.header = header
        self.rows = rows
        self.lines = lines
    }

    /// The named columns as numbers: one row of `names.count` values per data row.
    ///
    /// - Throws: ``DatasetError/csv(file:line:problem:)`` naming a missing column, or the line
    ///   and column of an empty, non-numeric or non-finite cell.
    public func numbers(columns names: [String]) throws -> [[Double]] {
        let indices = try names.map { name in
            guard let j = header.firstIndex(of: name) else {
                throw DatasetError.csv(file: file, line: nil, problem: "no column '\(name)' (the columns are \(header.joined(separator: ", ")))")
            }
            return j
        }
        return try rows.enumerated().map { r, fields in
            try zip(names, indices).map { name, j in
                let cell = fields[j]
                guard let value = Double(cell), value.isFinite else {
                    throw DatasetError.csv(file: file, line: lines[r], problem: "column '\(name)': " + (cell.isEmpty ? "empty cell, expected a number" : "'\(cell)' is not a finite number"))
                }
                return value
            }
        }
    }

    /// The fields of one line.
    private static func fields(of line: Substring, file: String, line number: Int) throws -> [String] {
        var fields: [String] = []
        var current = "", quoted = false, wasQuoted = false
        var characters = line.makeIterator()
        while let c = characters.next() {
            if quoted {
                if c == "\"" {
                    var lookahead = characters
                    if lookahead.next() == "\"" { current.append("\""); characters = lookahead } else { quoted = false }
                } else {
                    current.append(c)
                }
            } else if c == "\"" && current.allSatisfy(\.isWhitespace) && !wasQuoted {
                quoted = true
                wasQuoted = true
                current = ""
            } else if c == "," {
                fields.append(wasQuoted ? current : current.trimmingCharacters(in: .whitespaces))
                (current, wasQuoted) = ("", false)
            } else if wasQuoted && !c.isWhitespace {
                throw DatasetError.csv(file: file, line: number, problem: "text after a closing quote in field \(fields.count + 1)")
            } else if !wasQuoted {
                current.append(c)
            }
        }
        guard !quoted else { throw DatasetError.csv(file: file, line: number, problem: "a quoted field is not closed") }
        fields.append(wasQuoted ? current : current.trimmingCharacters(in: .whitespaces))
        return fields
    }
}
