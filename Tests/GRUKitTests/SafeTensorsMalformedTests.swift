import Foundation
import GRUKit
import Testing

/// Malformed framing and JSON: each gets its own error, naming the file; nothing traps and
/// nothing is allocated from a lying length.
@Suite struct SafeTensorsMalformedTests {
    let file = "test.safetensors"

    @Test func emptyFile() {
        expectSafeTensorsError(.tooShort(file: file, byteCount: 0), mentions: [file, "empty"]) {
            try parseSafeTensors(Data())
        }
    }

    @Test func fileShorterThanTheLengthField() {
        for count in 1..<8 {
            expectSafeTensorsError(.tooShort(file: file, byteCount: count), mentions: [file, "\(count) byte"]) {
                try parseSafeTensors(Data(repeating: 0, count: count))
            }
        }
    }

    @Test func headerLengthPastTheEnd() {
        let header = "{}"
        for (length, data) in [(3, [UInt8]()), (100, []), (11, [0, 0, 0, 0]), (UInt64(SafeTensorsFile.maximumHeaderLength), [])] {
            let bytes = rawSafeTensors(header, data: data, length: UInt64(length))
            expectSafeTensorsError(.headerPastEnd(file: file, headerLength: UInt64(length), fileSize: bytes.count),
                                   mentions: [file, "\(length) bytes", "truncated"]) { try parseSafeTensors(bytes) }
        }
    }

    /// A header length of 2^62 (or any above the 100 MB limit) is refused before allocating.
    @Test func absurdHeaderLengthIsRefusedWithoutAllocating() {
        for length: UInt64 in [1 << 62, .max, 1 << 63, UInt64(SafeTensorsFile.maximumHeaderLength) + 1] {
            let bytes = rawSafeTensors("{}", length: length)
            expectSafeTensorsError(.headerTooLarge(file: file, headerLength: length), mentions: [file, "\(length)"]) {
                try parseSafeTensors(bytes)
            }
        }
    }

    @Test func headerNotUTF8() {
        let cases: [([UInt8], Int)] = [
            (Array("{\"w".utf8) + [0xFF] + Array("\":1}".utf8), 3),  // invalid byte
            (Array("{\"".utf8) + [0xC0, 0xAF] + Array("\":1}".utf8), 2),  // overlong '/'
            (Array("{\"".utf8) + [0xED, 0xA0, 0x80] + Array("\":1}".utf8), 2),  // UTF-16 surrogate
            (Array("{\"".utf8) + [0xF4, 0x90, 0x80, 0x80] + Array("\":1}".utf8), 2),  // past U+10FFFF
            (Array("{} ".utf8) + [0xE2, 0x82], 3),  // truncated sequence at the end
        ]
        for (header, offset) in cases {
            expectSafeTensorsError(.headerNotUTF8(file: file, byteOffset: offset), mentions: [file, "UTF-8"]) {
                try parseSafeTensors(rawSafeTensors(bytes: header))
            }
        }
    }

    /// Invalid JSON of many kinds, each reported with the byte offset in the header.
    @Test func badJSON() {
        let cases: [(header: String, offset: Int, problem: String)] = [
            ("", 0, "unexpected end of the header, expected a value"),
            ("   ", 3, "unexpected end of the header, expected a value"),
            ("{", 1, "expected a string key"),
            ("{\"w\"}", 4, "unexpected '}', expected ':'"),
            ("{\"w\" 1}", 5, "unexpected '1', expected ':'"),
            ("{,}", 1, "expected a string key"),
            ("{\"__metadata__\":{},}", 19, "expected a string key"),
            ("{\"__metadata__\":{\"a\":\"b\",}}", 25, "expected a string key"),
            ("{\"__metadata__\":{} \"x\"}", 19, "unexpected '\"', expected ',' or '}'"),
            ("{'w':1}", 1, "expected a string key"),
            ("{} x", 3, "unexpected 'x' after the end of the header object"),
            ("{}}", 2, "unexpected '}' after the end of the header object"),
            ("{}\u{0}", 2, "unexpected byte 0x00 after the end of the header object"),
            ("/* c */{}", 0, "unexpected '/', expected a value"),
            ("\u{FEFF}{}", 0, "unexpected byte 0xEF, expected a value"),
            ("{\"w\":{\"dtype\":\"F32\",\"shape\":[01]}}", 29, "a number must not have leading zeros"),
            ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.]}}", 31, "expected a digit after '.'"),
            ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1e]}}", 31, "expected a digit after the exponent"),
            ("{\"w\":{\"dtype\":\"F32\",\"shape\":[-]}}", 30, "expected a digit"),
            ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1,]}}", 31, "unexpected ']', expected a value"),
            ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1 2]}}", 31, "unexpected '2', expected ',' or ']'"),
            ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]", 31, "unexpected end of the header, expected ',' or '}'"),
            ("{\"w\":tru}", 8, "invalid literal, expected true"),
            ("{\"w\":nul}", 8, "invalid literal, expected null"),
            ("{\"w\":{\"dtype\":\"F32", 14, "unterminated string"),
            ("{\"w\":{\"dtype\":\"F\t32\"}}", 16, "control character byte 0x09 in a string must be escaped"),
            ("{\"w\":{\"dtype\":\"F\\x32\"}}", 16, "invalid escape: 'x' after a backslash"),
            ("{\"w\\u12\":1}", 7, "expected four hex digits after \\u"),
            ("{\"w\\ud800\":1}", 3, "lone surrogate in \\u escape"),
            ("{\"w\\udc00\":1}", 3, "lone surrogate in \\u escape"),
            ("{\"w\\ud800\\u0041\":1}", 3, "lone surrogate in \\u escape"),
        ]
        for (header, offset, problem) in cases {
            expectSafeTensorsError(.invalidJSON(file: file, byteOffset: offset, problem: problem),
                                   mentions: [file, "not valid JSON", "byte \(offset)"]) {
                try parseSafeTensors(rawSafeTensors(header))
            }
        }
    }

    @Test func headerNotAnObject() {
        let cases = [("[]", "an array"), ("\"x\"", "the string \"x\""), ("1.5", "the number 1.5"), ("null", "null"),
                     (" true", "true"), ("false", "false")]
        for (header, found) in cases {
            expectSafeTensorsError(.headerNotObject(file: file, found: found), mentions: [file, found]) {
                try parseSafeTensors(rawSafeTensors(header))
            }
        }
    }

    /// What the JSON allows that the reference writer never produces still reads: whitespace
    /// anywhere, escaped names, `__metadata__: null`, no tensors at all.
    @Test func lenientWhereJSONIs() throws {
        let escaped = try parseSafeTensors(rawSafeTensors(
            " \t\r\n{ \"\\u00e9\\ud83d\\ude00\\n\\\"\" : { \"dtype\" : \"F32\" , \"shape\" : [ ] ,"
                + " \"data_offsets\" : [ 0 , 4 ] } , \"__metadata__\" : null }\n ", data: [0, 0, 0x80, 0x3F]))
        #expect(escaped.names == ["é😀\n\""])
        #expect(try escaped.tensor("é😀\n\"", as: Float.self).scalars == [1])
        #expect(escaped.metadata.isEmpty)
        let none = try parseSafeTensors(rawSafeTensors("{}"))
        #expect(none.names.isEmpty && none.metadata.isEmpty)
        let metadataOnly = try parseSafeTensors(rawSafeTensors("{\"__metadata__\":{\"a\":\"\\u0041\\/\"}}      "))
        #expect(metadataOnly.metadata == ["a": "A/"])
    }
}
