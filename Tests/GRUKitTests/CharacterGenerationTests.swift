import GRUKit
import Testing

/// Generation with a carried state: the stream agrees with the whole-sequence forward pass,
/// greedy decoding takes its argmax, seeds fix the text, and bad prompts are named.
@Suite struct CharacterGenerationTests {
    let vocabulary = try! TextCorpus(text: "the quick brown fox\n").vocabulary

    func model<S: GRUScalar>(_: S.Type, _ input: CharacterModelInput = .embedding(size: 5), layers: Int = 2) throws -> CharacterLanguageModel<S> {
        var g = SeededGenerator(seed: 8)
        return try CharacterLanguageModel(
            vocabulary: vocabulary, architecture: CharacterModelConfiguration(input: input, hiddenSize: 6, layerCount: layers), using: &g)
    }

    @Test(arguments: [CharacterModelInput.embedding(size: 5), .oneHot])
    func streamMatchesTheSequence(input: CharacterModelInput) throws {
        let m = try model(Double.self, input)
        let text = try vocabulary.encode("the fox\nbrown quick".unicodeScalars, source: "test")
        let whole = try m.logits(text, batch: 1, steps: text.count)  // (1, T, V)
        var stream = try CharacterStream(m)
        let v = vocabulary.count
        for (t, c) in text.enumerated() {
            let step = try stream.feed(c)
            let expected = Array(whole.scalars[(t * v)..<((t + 1) * v)])
            let difference = zip(step, expected).map { abs($0 - $1) }.max()!
            #expect(difference <= 1e-12, "step \(t): \(difference)")
        }
        #expect(stream.state.shape == [2, 1, 6])
    }

    @Test func greedyGenerationTakesTheArgmaxOfTheSequenceLogits() throws {
        let m = try model(Double.self)
        let prompt = "the "
        let generated = try m.generate(prompt: prompt, length: 30, sampling: .greedy, seed: 1)
        #expect(generated.unicodeScalars.count == 30)
        let all = try vocabulary.encode((prompt + generated).unicodeScalars, source: "test")
        let logits = try m.logits(Array(all.dropLast()), batch: 1, steps: all.count - 1)
        let v = vocabulary.count
        for t in (prompt.unicodeScalars.count - 1)..<(all.count - 1) {
            let row = Array(logits.scalars[(t * v)..<((t + 1) * v)])
            #expect(all[t + 1] == row.indices.max { row[$0] < row[$1] }!, "position \(t + 1)")
        }
    }

    @Test func theSameSeedGivesTheSameText() throws {
        let m = try model(Float.self)
        let options = SamplingOptions(temperature: 1.2, topK: 6)
        let a = try m.generate(prompt: "fox", length: 80, sampling: options, seed: 17)
        #expect(try m.generate(prompt: "fox", length: 80, sampling: options, seed: 17) == a)
        #expect(try m.generate(prompt: "fox", length: 80, sampling: options, seed: 18) != a)
        #expect(try m.generate(prompt: "fox", length: 0, sampling: options, seed: 17) == "")
    }

    @Test func badPromptsAndOptionsAreNamed() throws {
        let m = try model(Float.self)
        #expect(throws: TextError.unknownCharacter(source: "--prompt", character: "Q", position: 4, vocabularySize: vocabulary.count)) {
            try m.generate(prompt: "the Quick", length: 5, seed: 1, source: "--prompt")
        }
        #expect(throws: GRUKitError.invalidValue(option: "prompt", value: "\"\"", expected: "at least one character to start from")) {
            try m.generate(prompt: "", length: 5, seed: 1)
        }
        #expect(throws: GRUKitError.invalidSize(option: "length", value: -1, expected: "≥ 0")) {
            try m.generate(prompt: "the", length: -1, seed: 1)
        }
        #expect(throws: GRUKitError.invalidSize(option: "top-k", value: 99, expected: "1 to \(vocabulary.count), the size of the model's vocabulary")) {
            try m.generate(prompt: "the", length: 5, sampling: SamplingOptions(topK: 99), seed: 1)
        }
        #expect(m.defaultPrompt == "\n")
    }
}
