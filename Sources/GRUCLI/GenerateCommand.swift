import ArgumentParser
import Foundation
import GRUKit

/// `gru generate`: text from a character language model, one character at a time.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text with a character language model.",
        discussion: """
            Feeds the prompt through the model from a zero state, then draws each next character \
            from the model's distribution (sharpened or flattened by the temperature, cut to the \
            k most likely characters by --top-k) and feeds it back in. Prints the prompt (when \
            one is given) followed by the generated text. The same seed gives the same text.
            """)

    @Option(help: ArgumentHelp("A character model file (from gru train --text or gru demo char-lm; its checkpoints are model files too).", valueName: "file"))
    var model: String
    @Option(help: "The text to continue; every character must be in the model's vocabulary. Default: a newline, when the vocabulary has one.")
    var prompt: String?
    @Option(help: "How many characters to generate.") var length = 200
    @Option(help: "τ ≥ 0: below 1 sharpens the distribution, above 1 flattens it, 0 always takes the most likely character.")
    var temperature = 1.0
    @Option(help: "Draw only among the k most likely characters (1 to the vocabulary's size).") var topK: Int?
    @Option(help: "The seed of every draw.") var seed: UInt64 = 1

    func validate() throws {
        guard length >= 1 else { throw ValidationError("--length must be at least 1 (got \(length))") }
        guard temperature.isFinite, temperature >= 0 else {
            throw ValidationError("--temperature must be a finite number ≥ 0 (got \(temperature))")
        }
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1 (got \(topK))") }
        if prompt == "" { throw ValidationError("--prompt must hold at least one character") }
    }

    func run() throws {
        let lm = try CharacterLanguageModel<Float>(contentsOf: URL(fileURLWithPath: model))
        if let topK, topK > lm.vocabulary.count {
            throw CommandError("--top-k must be at most \(lm.vocabulary.count), the size of \(model)'s vocabulary (got \(topK))")
        }
        guard let start = prompt ?? lm.defaultPrompt else {
            throw CommandError("--prompt is needed: \(model)'s vocabulary has no newline to start from")
        }
        let text = try lm.generate(
            prompt: start, length: length, sampling: SamplingOptions(temperature: temperature, topK: topK), seed: seed,
            source: "--prompt")
        print((prompt ?? "") + text)
    }
}
