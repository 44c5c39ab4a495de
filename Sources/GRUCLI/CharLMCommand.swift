import ArgumentParser
import Foundation
import GRUKit

/// `gru demo char-lm`: a character language model learns a text, then writes some.
struct CharLMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "char-lm",
        abstract: "Train a character-level language model on a UTF-8 text and generate samples.",
        discussion: """
            The last --validation-fraction of the text is held out; the rest is cut into windows \
            of --sequence-length characters, each predicting the next character at every step. \
            Adam with gradient clipping trains on shuffled batches of windows. Every \
            --evaluate-every steps it prints the training loss and the held-out loss (in nats per \
            character; a model that knows only the vocabulary scores ln V). At the end it writes \
            model.safetensors (for gru generate), metrics.csv and loss.svg into --output, and \
            prints a sample at each temperature.
            """)

    @Option(help: ArgumentHelp("The UTF-8 text to learn.", valueName: "file")) var text: String
    @Option(help: ArgumentHelp("Where to write model.safetensors, metrics.csv and loss.svg.", valueName: "directory"))
    var output = "char-lm-run"
    @Option(help: "E, the width of the learned character vectors.") var embeddingSize = 32
    @Flag(help: "Feed one-hot vectors (width V) instead of learned embeddings.") var oneHot = false
    @Option(help: "H, the GRU's state width.") var hiddenSize = 256
    @Option(help: "L, the number of stacked GRU layers.") var layers = 1
    @Option(help: "Dropout between GRU layers, in [0, 1).") var dropout = 0.0
    @Option(help: "T, the characters per training window.") var sequenceLength = 100
    @Option(help: "N, the windows per batch.") var batchSize = 32
    @Option(help: "How many Adam steps (batches).") var steps = 500
    @Option(help: "Adam's learning rate.") var learningRate = 0.002
    @Option(help: "The largest global norm of the gradients.") var clipNorm = 5.0
    @Option(help: "Print and record the losses every this many steps.") var evaluateEvery = 100
    @Option(help: "The share of the text, at its end, held out to measure the loss on, in [0, 1).")
    var validationFraction = 0.1
    @Option(help: "How many characters each sample has.") var sampleLength = 300
    @Option(help: ArgumentHelp("The temperatures of the samples, comma-separated.", valueName: "list"))
    var temperatures = "0.5,1.0"
    @Option(help: "Draw samples only among the k most likely characters.") var topK: Int?
    @Option(help: "The samples' prompt. Default: a newline, when the text has one.") var prompt: String?
    @Option(help: "Threads for the GRU kernels (results are the same for any count).") var threads = 1
    @Option(help: "The seed of the weights, the window order and the samples.") var seed: UInt64 = 1

    func validate() throws {
        for (name, value) in [("--embedding-size", embeddingSize), ("--hidden-size", hiddenSize), ("--layers", layers),
                              ("--sequence-length", sequenceLength), ("--batch-size", batchSize), ("--evaluate-every", evaluateEvery),
                              ("--sample-length", sampleLength), ("--threads", threads)] where value < 1 {
            throw ValidationError("\(name) must be at least 1 (got \(value))")
        }
        guard steps >= 0 else { throw ValidationError("--steps must be at least 0 (got \(steps))") }
        guard dropout.isFinite, (0..<1).contains(dropout) else { throw ValidationError("--dropout must be in [0, 1) (got \(dropout))") }
        guard learningRate.isFinite, learningRate > 0 else { throw ValidationError("--learning-rate must be a finite number > 0 (got \(learningRate))") }
        guard clipNorm.isFinite, clipNorm > 0 else { throw ValidationError("--clip-norm must be a finite number > 0 (got \(clipNorm))") }
        guard validationFraction.isFinite, (0..<1).contains(validationFraction) else {
            throw ValidationError("--validation-fraction must be in [0, 1) (got \(validationFraction))")
        }
        _ = try temperatureList()
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1 (got \(topK))") }
        if prompt == "" { throw ValidationError("--prompt must hold at least one character") }
    }

    private func temperatureList() throws -> [Double] {
        try temperatures.split(separator: ",", omittingEmptySubsequences: false).map { item in
            guard let t = Double(item.trimmingCharacters(in: .whitespaces)), t.isFinite, t >= 0 else {
                throw ValidationError("--temperatures: '\(item)' is not a temperature (a finite number ≥ 0)")
            }
            return t
        }
    }

    func run() throws {
        // Everything that can be wrong with the input is checked before training starts.
        let corpus = try TextCorpus(contentsOf: URL(fileURLWithPath: text))
        let v = corpus.vocabulary.count
        if let topK, topK > v { throw CommandError("--top-k must be at most \(v), the number of distinct characters in \(text) (got \(topK))") }
        let start = prompt ?? (corpus.vocabulary.index(of: "\n") == nil ? nil : "\n")
        guard let start else { throw CommandError("--prompt is needed: \(text) has no newline to start the samples from") }
        _ = try corpus.vocabulary.encode(start.unicodeScalars, source: "--prompt")
        var c = CharacterModelTraining.Configuration()
        (c.sequenceLength, c.batchSize, c.steps, c.evaluateEvery) = (sequenceLength, batchSize, steps, evaluateEvery)
        (c.optimizer, c.clipNorm, c.validationFraction, c.seed) = (OptimizerConfiguration(kind: .adam, learningRate: learningRate), clipNorm, validationFraction, seed)
        let training = try CharacterModelTraining(corpus: corpus, configuration: c)
        var architecture = CharacterModelConfiguration(input: oneHot ? .oneHot : .embedding(size: embeddingSize), hiddenSize: hiddenSize, layerCount: layers)
        architecture.dropout = dropout
        var generator = SeededGenerator(seed: seed)
        var model = try CharacterLanguageModel<Float>(vocabulary: corpus.vocabulary, architecture: architecture, using: &generator)
        model.threads = try ComputeThreads(threads)
        let folder = URL(fileURLWithPath: output)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw CommandError("\(output): cannot create the output directory (\(error.localizedDescription))")
        }

        let uniform = Foundation.log(Double(v))
        let held = training.validation.map { "\($0.classes.count) held out" } ?? "none held out"
        print("char-lm: \(text): \(corpus.count) characters, \(v) distinct (uniform baseline ln \(v) = \(String(format: "%.3f", uniform)) nats per character); "
              + "\(training.training.classes.count) for training (\(training.training.count) windows of \(sequenceLength)), \(held)")
        let inputName = oneHot ? "one-hot \(v)" : "embedding \(v)×\(embeddingSize)"
        print("model: \(inputName) → GRU \(layers)×\(hiddenSize) → head \(v); \(model.parameters.parameterCount) parameters; "
              + "Adam \(learningRate), clip \(clipNorm), batch \(batchSize), \(steps) steps, seed \(seed), \(threads) thread(s)")
        let records = try training.run(&model) { r in
            let train = r.trainingLoss.map { String(format: "%.4f", $0) } ?? "     -"
            let valid = r.validationLoss.map { String(format: "%.4f", $0) } ?? "     -"
            print("step \(pad("\(r.step)", 6, right: true))  epoch \(String(format: "%6.2f", r.epoch))  "
                  + "train \(train)  held-out \(valid)  \(String(format: "%7.1f", r.seconds)) s")
            fflush(nil)  // progress shows as it happens, also through a pipe (nil: every stream, without naming the global stdout)
        }

        let files = ["model.safetensors", "metrics.csv", "loss.svg"].map { folder.appendingPathComponent($0) }
        try model.save(to: files[0])
        try CharacterModelTraining.writeCSV(records, to: files[1])
        let name = URL(fileURLWithPath: text).lastPathComponent
        try CharacterModelTraining.lossCurve(
            records, vocabularySize: v, title: "\(name): GRU \(layers)×\(hiddenSize), \(inputName) input").write(to: files[2])
        print("wrote \(files.map(\.path).joined(separator: ", "))")
        model.threads = nil
        for t in try temperatureList() {
            let sample = try model.generate(
                prompt: start, length: sampleLength, sampling: SamplingOptions(temperature: t, topK: topK), seed: seed, source: "--prompt")
            print("--- sample at temperature \(t)\(topK.map { ", top-k \($0)" } ?? ""), seed \(seed) ---")
            print((prompt ?? "") + sample)
        }
    }
}
