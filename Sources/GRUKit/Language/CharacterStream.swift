/// A character language model run one character at a time, carrying the GRU's state: feed a
/// character, get the logits of the next one.
///
/// Feeding a text character by character gives the logits that
/// ``CharacterLanguageModel/logits(_:batch:steps:)`` gives for the whole text at once.
public struct CharacterStream<Scalar: GRUScalar>: Sendable {
    /// The model being run.
    public let model: CharacterLanguageModel<Scalar>
    private var stream: GRUStream<Scalar>

    /// Starts from a zero state.
    public init(_ model: CharacterLanguageModel<Scalar>) throws {
        self.model = model
        var gru = model.gru
        gru.threads = nil  // one character at a time: too little work to share
        stream = try GRUStream(gru, batchSize: 1)
    }

    /// (L, 1, H): every layer's state after the characters fed so far.
    public var state: Tensor<Scalar> { stream.state }

    /// Feeds one character.
    ///
    /// - Parameter character: its class, in `0 ..< V`.
    /// - Returns: the V logits of the character that follows.
    public mutating func feed(_ character: Int) throws -> [Scalar] {
        let x = try model.gruInput([character], batch: 1, steps: 1)
        let top = try stream.step(Tensor(unchecked: [1, x.count], scalars: x.scalars))
        return try model.head(top).scalars
    }
}

extension CharacterLanguageModel {
    /// The prompt to start from when none is given: a newline, when the vocabulary has one
    /// (most texts are made of lines, so "after a newline" is the start of a line).
    public var defaultPrompt: String? {
        vocabulary.index(of: "\n") == nil ? nil : "\n"
    }

    /// Text generated after a prompt, one character at a time: the prompt is fed through the
    /// model from a zero state, then each drawn character is fed back in.
    ///
    /// - Parameters:
    ///   - prompt: at least one character, all in the vocabulary.
    ///   - length: how many characters to generate, ≥ 0.
    ///   - sampling: temperature and top-k.
    ///   - seed: the seed of every draw; the same seed gives the same text.
    ///   - source: how an error names the prompt (such as `--prompt`).
    /// - Returns: the generated characters, without the prompt.
    /// - Throws: ``TextError/unknownCharacter(source:character:position:vocabularySize:)`` for a
    ///   prompt character outside the vocabulary; ``GRUKitError`` for an option out of range.
    public func generate(
        prompt: String, length: Int, sampling: SamplingOptions = SamplingOptions(), seed: UInt64, source: String = "prompt"
    ) throws -> String {
        guard length >= 0 else { throw GRUKitError.invalidSize(option: "length", value: length, expected: "≥ 0") }
        try sampling.validate(vocabularySize: vocabulary.count)
        let classes = try vocabulary.encode(prompt.unicodeScalars, source: source)
        guard !classes.isEmpty else {
            throw GRUKitError.invalidValue(option: source, value: "\"\"", expected: "at least one character to start from")
        }
        var stream = try CharacterStream(self)
        var logits: [Scalar] = []
        for c in classes { logits = try stream.feed(c) }
        var generator = SeededGenerator(seed: seed)
        var generated: [Int] = []
        for i in 0..<length {
            let next = CharacterSampling.draw(from: logits, options: sampling, using: &generator)
            generated.append(next)
            if i < length - 1 { logits = try stream.feed(next) }
        }
        return vocabulary.decode(generated)
    }
}
