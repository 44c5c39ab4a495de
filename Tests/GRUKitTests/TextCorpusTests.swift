import Foundation
import GRUKit
import Testing

/// UTF-8 decoding, the vocabulary, and windows of characters with next-character targets.
@Suite struct TextCorpusTests {
    @Test func vocabularyIsTheSortedDistinctScalars() throws {
        let corpus = try TextCorpus(text: "banana bread\n", name: "t")
        #expect(corpus.vocabulary.characters == ["\n", " ", "a", "b", "d", "e", "n", "r"])
        #expect(corpus.classes == [3, 2, 6, 2, 6, 2, 1, 3, 7, 5, 2, 4, 0])
        #expect(corpus.vocabulary.decode(corpus.classes) == "banana bread\n")
    }

    /// Characters are Unicode scalars compared by code point: canonically equivalent forms
    /// (U+212B ANGSTROM SIGN and U+00C5, "é" and "e" + U+0301) stay apart.
    @Test func charactersAreScalarsNotGraphemes() throws {
        let text = "\u{212B}\u{00C5}\u{00E9}e\u{0301}🙂"
        let corpus = try TextCorpus(bytes: Array(text.utf8), name: "t")
        #expect(corpus.count == 6)
        #expect(corpus.vocabulary.characters.map(\.value) == [0x65, 0xC5, 0xE9, 0x301, 0x212B, 0x1F642])
        #expect(corpus.vocabulary.decode(corpus.classes).unicodeScalars.elementsEqual(text.unicodeScalars))
        #expect(try CharacterVocabulary(strings: corpus.vocabulary.strings) == corpus.vocabulary)
    }

    @Test func emptyFilesAreRejected() throws {
        #expect(throws: TextError.empty(file: "empty.txt")) { try TextCorpus(bytes: [UInt8](), name: "empty.txt") }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("grukit-empty-\(UInt32.random(in: 0...UInt32.max)).txt")
        try Data().write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: TextError.empty(file: url.path)) { try TextCorpus(contentsOf: url) }
        #expect("\(TextError.empty(file: "e.txt"))" == "e.txt: the file is empty; a character model needs text to learn from")
    }

    @Test func missingFilesAreNamed() {
        #expect(throws: TextError.unreadable(file: "/nonexistent/t.txt", reason: "No such file or directory")) {
            try TextCorpus(contentsOf: URL(fileURLWithPath: "/nonexistent/t.txt"))
        }
    }

    /// Every kind of malformed UTF-8, with the byte offset and line of its first byte.
    @Test(arguments: [
        ([0x61, 0x0A, 0x62, 0x80, 0x63], 3, 2, [0x80]),                  // a lone continuation byte
        ([0x61, 0xC3, 0x28], 1, 1, [0xC3]),                              // a lead byte without its continuation
        ([0x0A, 0x0A, 0x78, 0xE2, 0x82], 3, 3, [0xE2, 0x82]),            // truncated at the end of the file
        ([0xC0, 0xAF], 0, 1, [0xC0]),                                    // an overlong "/"
        ([0x41, 0xED, 0xA0, 0x80], 1, 1, [0xED]),                        // a UTF-16 surrogate (U+D800)
        ([0xF4, 0x90, 0x80, 0x80], 0, 1, [0xF4]),                        // above U+10FFFF
        ([0x7A, 0xFF], 1, 1, [0xFF]),                                    // never a UTF-8 byte
        ([0xC3, 0xA9, 0x0A, 0xE9, 0x74, 0xE9], 3, 2, [0xE9]),            // Latin-1 "été" after valid "é\n"
    ] as [([UInt8], Int, Int, [UInt8])])
    func invalidUTF8NamesTheByteOffset(bytes: [UInt8], offset: Int, line: Int, bad: [UInt8]) {
        #expect(throws: TextError.notUTF8(file: "bad.txt", byteOffset: offset, line: line, bytes: bad)) {
            try TextCorpus(bytes: bytes, name: "bad.txt")
        }
    }

    @Test func notUTF8MessageIsReadable() {
        let e = TextError.notUTF8(file: "latin1.txt", byteOffset: 1234, line: 56, bytes: [0xE9, 0x74])
        #expect("\(e)" == "latin1.txt: not UTF-8: the bytes E9 74 at byte offset 1234 (line 56) are not a valid UTF-8 sequence")
    }

    @Test func unknownCharactersAreNamed() throws {
        let v = try TextCorpus(text: "abc\n").vocabulary
        #expect(throws: TextError.unknownCharacter(source: "--prompt", character: "é", position: 2, vocabularySize: 4)) {
            try v.encode("abé".unicodeScalars, source: "--prompt")
        }
        let tab = TextError.unknownCharacter(source: "--prompt", character: "\t", position: 0, vocabularySize: 4)
        #expect("\(tab)" == "--prompt: the character '\\t' (U+0009) at position 0 is not in the model's vocabulary of 4 characters")
        #expect(throws: GRUKitError.self) { try CharacterVocabulary(characters: ["a", "b", "a"]) }
        #expect(throws: GRUKitError.self) { try CharacterVocabulary(strings: ["a", "bc"]) }
        #expect(throws: GRUKitError.self) { try CharacterVocabulary(characters: []) }
    }

    @Test func windowsPredictTheNextCharacter() throws {
        let classes = Array(0..<11)
        let windows = try TextWindows(classes: classes, length: 3, name: "t")
        #expect(windows.count == 3 && windows.sampleCount == 3 && windows.characterCount == 9)  // ⌊(11 − 1) / 3⌋
        let batch = try windows.batch([2, 0])
        #expect(batch.inputs == [6, 7, 8, 0, 1, 2])
        #expect(batch.targets == [7, 8, 9, 1, 2, 3])
        #expect(batch.sampleCount == 2 && batch.steps == 3)
        // A part serves its own windows as samples 0 ..< count.
        let tail = windows.windows(1..<3)
        #expect(tail.count == 2 && tail.range == 1..<3)
        #expect(try tail.batch([1]).inputs == [6, 7, 8] && tail.batch([1]).targets == [7, 8, 9])
        #expect(throws: GRUKitError.self) { try tail.batch([2]) }
        #expect(throws: GRUKitError.self) { try windows.batch([-1]) }
        #expect(throws: TextError.tooShort(file: "t", characters: 3, needed: 4, purpose: "a window of 3 characters and its next character")) {
            try TextWindows(classes: [0, 1, 2], length: 3, name: "t")
        }
    }

    /// The last windows are held out, as a time series' are: their targets never overlap the
    /// training windows' targets.
    @Test func trainingSplitNeedsAWindowOnEachSide() throws {
        let corpus = try TextCorpus(text: String(repeating: "ab", count: 30), name: "short.txt")  // 60 characters, 5 windows of 10
        let windows = try TextWindows(corpus: corpus, length: 10)
        #expect(windows.count == 5)
        let (training, validation) = try windows.split(validationFraction: 0.2)
        #expect(training.range == 0..<4 && validation?.range == 4..<5)
        let tenth = try windows.split(validationFraction: 0.1)  // round(0.5) = 1 window, at least one
        #expect(tenth.training.count == 4 && tenth.validation?.count == 1)
        let none = try windows.split(validationFraction: 0)
        #expect(none.training.count == 5 && none.validation == nil)
        // One window cannot be split; the message says how many characters would do.
        let one = try TextWindows(corpus: TextCorpus(text: String(repeating: "ab", count: 10), name: "tiny.txt"), length: 10)
        #expect(throws: TextError.tooShort(
            file: "tiny.txt", characters: 20, needed: 21,
            purpose: "a split into 1 window(s) of 10 characters to train on and 1 to validate on (validation fraction 0.1)")) {
            try one.split(validationFraction: 0.1)
        }
        // 0.8 of 5 windows is 4, leaving 1 to train on; 0.9 would leave none: 6 windows (61 characters) are needed.
        #expect(try windows.split(validationFraction: 0.8).training.count == 1)
        #expect(throws: TextError.tooShort(
            file: "short.txt", characters: 60, needed: 61,
            purpose: "a split into 1 window(s) of 10 characters to train on and 5 to validate on (validation fraction 0.9)")) {
            try windows.split(validationFraction: 0.9)
        }
        #expect(throws: GRUKitError.invalidValue(option: "validation fraction", value: "1.0", expected: "a number in [0, 1)")) {
            try windows.split(validationFraction: 1)
        }
    }
}
