import ArgumentParser
import Foundation
import GRUKit

/// `gru demo char-lm`: a preset of `gru train --text` that writes its files into one folder,
/// then prints samples of the trained model's text.
struct CharLMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "char-lm",
        abstract: "Train a character-level language model on a UTF-8 text and generate samples.",
        discussion: """
            A preset of gru train --text with settings that suit a text of about 100 KB: embedding (V × 32) → GRU \
            (1 × 256) → head, Adam at 2e-3 with gradients clipped to norm 5, batches of 32 windows of 100 characters, the \
            last 10% of the windows held out. Each epoch prints the training and validation loss (nats per character; a \
            model that knows only the vocabulary scores ln V). It writes model.safetensors (for gru generate), \
            model.best.safetensors, checkpoint.safetensors (for --resume), metrics.jsonl and loss.svg into --output, \
            and then prints a sample at each temperature.
            """)

    @Option(help: ArgumentHelp("The UTF-8 text to learn.", valueName: "file")) var text: String
    @Option(help: ArgumentHelp("Where to write the model, checkpoint, metrics and loss curve.", valueName: "directory"))
    var output = "char-lm-run"
    @Option(help: "E, the width of the learned character vectors.") var embeddingSize = 32
    @Flag(help: "Feed one-hot vectors (width V) instead of learned embeddings.") var oneHot = false
    @Option(help: "H, the GRU's state width.") var hiddenSize = 256
    @Option(help: "L, the number of stacked GRU layers.") var layers = 1
    @Option(help: ArgumentHelp("Dropout between GRU layers in training, in [0, 1).", valueName: "p")) var dropout = 0.0
    @Option(help: "T, the characters per training window.") var sequenceLength = 100
    @Option(help: "N, the windows per batch.") var batchSize = 32
    @Option(help: "How many epochs (passes over the training windows).") var epochs = 18
    @Option(help: "Adam's learning rate.") var lr = 0.002
    @Option(help: "The largest global norm of the gradients.") var clipNorm = 5.0
    @Option(help: ArgumentHelp("The share of the windows, at the text's end, held out to measure the loss on, in [0, 1).", valueName: "fraction"))
    var validationSplit = 0.1
    @Option(help: "How many characters each sample has.") var sampleLength = 300
    @Option(help: ArgumentHelp("The temperatures of the samples, comma-separated.", valueName: "list"))
    var temperatures = "0.5,1.0"
    @Option(help: "Draw samples only among the k most likely characters.") var topK: Int?
    @Option(help: "The samples' prompt. Default: a newline, when the text has one.") var prompt: String?
    @Option(help: ArgumentHelp("auto (a bar on a terminal, lines otherwise), bar, lines or none.", valueName: "style")) var progress = ProgressStyle.auto
    @Option(help: "Threads for the GRU kernels (results are the same for any count).") var threads = 1
    @Option(help: "The seed of the weights, the window order and the samples.") var seed: UInt64 = 1
    @Flag(help: "Continue the run whose checkpoint is in --output (the same options; --epochs may be more).") var resume = false

    func validate() throws {
        guard sampleLength >= 1 else { throw ValidationError("--sample-length must be at least 1 (got \(sampleLength))") }
        _ = try temperatureList()
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1 (got \(topK))") }
        if prompt == "" { throw ValidationError("--prompt must hold at least one character") }
        _ = try trainCommand()
    }

    private func temperatureList() throws -> [Double] {
        try temperatures.split(separator: ",", omittingEmptySubsequences: false).map { item in
            guard let t = Double(item.trimmingCharacters(in: .whitespaces)), t.isFinite, t >= 0 else {
                throw ValidationError("--temperatures: '\(item)' is not a temperature (a finite number ≥ 0)")
            }
            return t
        }
    }

    private var folder: URL { URL(fileURLWithPath: output) }

    /// The `gru train --text` this demo runs; its checks of the shared options are the demo's.
    private func trainCommand() throws -> TrainCommand {
        func file(_ name: String) -> String { folder.appendingPathComponent(name).path }
        // "--name=value", so that a negative value is not read as an option.
        var arguments = ["--text=\(text)", "--save=\(file("model.safetensors"))", "--checkpoint=\(file("checkpoint.safetensors"))",
                         "--metrics=\(file("metrics.jsonl"))", "--plot=\(file("loss.svg"))",
                         "--embedding-size=\(embeddingSize)", "--hidden-size=\(hiddenSize)", "--layers=\(layers)",
                         "--dropout=\(dropout)", "--sequence-length=\(sequenceLength)", "--batch-size=\(batchSize)",
                         "--epochs=\(epochs)", "--optimizer=adam", "--lr=\(lr)", "--clip-norm=\(clipNorm)",
                         "--validation-split=\(validationSplit)", "--seed=\(seed)", "--threads=\(threads)",
                         "--progress=\(progress.rawValue)"]
        if oneHot { arguments.append("--one-hot") }
        if resume { arguments.append("--resume=\(file("checkpoint.safetensors"))") }
        do {
            return try TrainCommand.parse(arguments)
        } catch {
            throw ValidationError(TrainCommand.message(for: error))
        }
    }

    func run() throws {
        // Everything that can be wrong with the input is checked before training starts.
        var job = try trainCommand().textJob()
        let vocabulary = job.trainer.model.vocabulary
        let v = vocabulary.count
        if let topK, topK > v { throw CommandError("--top-k must be at most \(v), the number of distinct characters in \(text) (got \(topK))") }
        guard let start = prompt ?? job.trainer.model.defaultPrompt else {
            throw CommandError("--prompt is needed: \(text) has no newline to start the samples from")
        }
        _ = try vocabulary.encode(start.unicodeScalars, source: "--prompt")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw CommandError("\(output): cannot create the output directory (\(error.localizedDescription))")
        }
        var model = try job.run()
        model.threads = nil
        for t in try temperatureList() {
            let sample = try model.generate(
                prompt: start, length: sampleLength, sampling: SamplingOptions(temperature: t, topK: topK), seed: seed, source: "--prompt")
            print("--- sample at temperature \(t)\(topK.map { ", top-k \($0)" } ?? ""), seed \(seed) ---")
            print((prompt ?? "") + sample)
        }
    }
}
