import ArgumentParser
import Foundation
import GRUKit

extension OptimizerConfiguration.Kind: ExpressibleByArgument {}
extension Initialization: ExpressibleByArgument {}

/// Where `gru train`, `gru evaluate` and `gru predict` read examples from.
struct DataOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A safetensors dataset: input (N, T, I), target (N, O) or (N, T, O) (integers: class indices), optional lengths (N).", valueName: "file"))
    var data: String?

    @Option(help: ArgumentHelp("A CSV time series with a header row; windows of --window rows predict --target columns --horizon rows later.", valueName: "file"))
    var csv: String?

    @Option(help: ArgumentHelp("CSV: the comma-separated columns to predict.", valueName: "columns"))
    var target: String?

    @Option(help: ArgumentHelp("CSV: the comma-separated input columns (default: the target columns).", valueName: "columns"))
    var features: String?

    @Option(help: ArgumentHelp("CSV: rows per input sequence (T).", valueName: "rows"))
    var window = 24

    @Option(help: ArgumentHelp("CSV: how many rows after a window's last row its target lies.", valueName: "rows"))
    var horizon = 1

    @Flag(help: "CSV: feed raw values (default: each column normalised by the training rows' mean and standard deviation).")
    var noNormalize = false

    /// Exactly one source — `--data`, `--csv` or, where the command takes it, `--text` —
    /// with the CSV options only for a CSV.
    ///
    /// - Parameter text: the command's `--text` option: `.some(nil)` when it takes one that was
    ///   not given, `nil` when it takes none.
    func validateSource(requireTarget: Bool = true, text: String?? = nil) throws {
        let given = [data.map { _ in "--data" }, csv.map { _ in "--csv" }, text.flatMap { $0 }.map { _ in "--text" }].compactMap { $0 }
        switch given.count {
        case 0:
            throw ValidationError("give the data: --data FILE (safetensors)" + (text == nil ? " or --csv FILE" : ", --csv FILE or --text FILE (UTF-8)"))
        case 1: break
        case 2: throw ValidationError("give one of \(given.joined(separator: " and ")), not both")
        default: throw ValidationError("give only one of --data, --csv and --text")
        }
        if csv != nil {
            if requireTarget, target == nil { throw ValidationError("--csv needs --target COLUMNS (the columns to predict)") }
            guard window >= 1 else { throw ValidationError("--window must be at least 1 row, got \(window)") }
            guard horizon >= 0 else { throw ValidationError("--horizon must be 0 or more rows, got \(horizon)") }
        } else if target != nil || features != nil {
            throw ValidationError("--target and --features choose CSV columns; use them with --csv")
        }
    }

    static func columns(_ list: String?) -> [String]? {
        list.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    var specification: TimeSeriesSpecification? {
        guard csv != nil, let targets = Self.columns(target) else { return nil }
        return TimeSeriesSpecification(featureColumns: Self.columns(features) ?? targets, targetColumns: targets, window: window, horizon: horizon)
    }
}

/// A UTF-8 text for a character language model: what `gru train` learns from and `gru
/// evaluate` measures on.
struct TextOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A UTF-8 text, for a character language model: each character of a window predicts the next.", valueName: "file"))
    var text: String?

    @Option(help: ArgumentHelp("Text: T, the characters per window (default: the window the model was trained with; 100 for a new model).", valueName: "characters"))
    var sequenceLength: Int?

    /// Throws unless the text options are in range; `--sequence-length` only with `--text`.
    func validate() throws {
        if let sequenceLength {
            guard text != nil else { throw ValidationError("--sequence-length cuts a --text into windows; use --window for a CSV") }
            guard sequenceLength >= 1 else { throw ValidationError("--sequence-length must be at least 1 character, got \(sequenceLength)") }
        }
    }
}

/// The model `gru train` builds when it does not start from --init.
struct ModelOptions: ParsableArguments {
    @Option(name: .customLong("init"), help: ArgumentHelp("Start from these weights: a PyTorch module's state_dict with a torch.nn.GRU under 'gru.' (batch_first) and a torch.nn.Linear under 'head.', or a GRUKit model file. Sizes, layers and directions are inferred.", valueName: "file"))
    var initFile: String?

    @Option(help: "H, the GRU's state width (new models).") var hiddenSize = 32
    @Option(help: "L, the number of stacked GRU layers (new models).") var layers = 1
    @Flag(help: "Run the GRU in both directions (new models).") var bidirectional = false
    @Option(help: ArgumentHelp("Dropout between GRU layers in training, in [0, 1).", valueName: "p")) var dropout = 0.0
    @Option(help: ArgumentHelp("Initial weights of new models: pytorch (uniform ±1/√H) or xavier-orthogonal (Keras's).", valueName: "scheme"))
    var initScheme = Initialization.pytorch
    @Option(help: ArgumentHelp("Text: E, the width of the learned character vectors (new models).", valueName: "width")) var embeddingSize = 32
    @Flag(help: "Text: feed one-hot vectors (width V) instead of learned embeddings (new models).") var oneHot = false

    @Option(help: ArgumentHelp("The loss: mse, bce (sigmoid + binary cross-entropy) or cross-entropy (softmax; integer targets). Default: mse, or cross-entropy for integer targets and for a text.", valueName: "loss"))
    var loss: Loss?
}

/// The optimizer, its schedule and clipping: torch.optim's arguments, with its defaults.
struct OptimizerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("sgd, adam, adamw or rmsprop.", valueName: "name")) var optimizer = OptimizerConfiguration.Kind.adam
    @Option(help: ArgumentHelp("The learning rate (default PyTorch's: 0.001; 0.01 for rmsprop).", valueName: "rate")) var lr: Double?
    @Option(help: "SGD / RMSprop momentum.") var momentum = 0.0
    @Option(help: "SGD dampening.") var dampening = 0.0
    @Flag(help: "SGD Nesterov momentum.") var nesterov = false
    @Option(help: ArgumentHelp("L2 penalty (sgd, adam, rmsprop) or decoupled decay (adamw; default 0.01).", valueName: "λ")) var weightDecay: Double?
    @Option(help: "Adam / AdamW β₁.") var beta1 = 0.9
    @Option(help: "Adam / AdamW β₂.") var beta2 = 0.999
    @Option(help: "The denominator's ε (Adam, AdamW, RMSprop).") var eps = 1e-8
    @Flag(help: "Adam / AdamW AMSGrad.") var amsgrad = false
    @Option(help: "RMSprop smoothing constant α.") var alpha = 0.99
    @Flag(help: "Centred RMSprop.") var centered = false
    @Option(help: ArgumentHelp("Clip the gradients' global L2 norm to this before each step (clip_grad_norm_).", valueName: "norm")) var clipNorm: Double?
    @Option(help: ArgumentHelp("Clamp every gradient element to ±this before each step (clip_grad_value_).", valueName: "value")) var clipValue: Double?
    @Option(help: ArgumentHelp("constant, step (StepLR) or cosine (CosineAnnealingLR), per epoch.", valueName: "kind")) var schedule = ScheduleKind.constant
    @Option(help: "step schedule: epochs between decays.") var stepSize = 10
    @Option(help: "step schedule: the decay factor.") var gamma = 0.1
    @Option(help: "cosine schedule: the rate it anneals to.") var minLr = 0.0
    @Option(help: "cosine schedule: T_max in epochs (default: the epochs after warm-up).") var cosineEpochs: Int?
    @Option(help: "Linear warm-up over this many epochs first (LinearLR, then the schedule).") var warmupEpochs = 0
    @Option(help: "The warm-up's first factor (LinearLR's start_factor).") var warmupStartFactor = 1.0 / 3

    enum ScheduleKind: String, CaseIterable, ExpressibleByArgument { case constant, step, cosine }

    /// The optimizer's settings; throws naming the option out of range.
    func configuration() throws -> OptimizerConfiguration {
        var c = OptimizerConfiguration(kind: optimizer, learningRate: lr ?? (optimizer == .rmsprop ? 0.01 : 0.001))
        (c.momentum, c.dampening, c.nesterov) = (momentum, dampening, nesterov)
        if let weightDecay { c.weightDecay = weightDecay }
        (c.beta1, c.beta2, c.epsilon, c.amsgrad, c.alpha, c.centered) = (beta1, beta2, eps, amsgrad, alpha, centered)
        do { try c.validate() } catch let error as GRUKitError { throw ValidationError(Self.optionName(error)) }
        return c
    }

    func learningRateSchedule(epochs: Int) throws -> LearningRateSchedule {
        let after = max(1, epochs - warmupEpochs)
        var s: LearningRateSchedule
        switch schedule {
        case .constant: s = .constant
        case .step: s = .step(every: stepSize, gamma: gamma)
        case .cosine: s = .cosine(epochs: cosineEpochs ?? after, minimum: minLr)
        }
        if warmupEpochs > 0 { s = .warmup(epochs: warmupEpochs, startFactor: warmupStartFactor, then: s) }
        guard warmupEpochs >= 0 else { throw ValidationError("--warmup-epochs must be 0 or more, got \(warmupEpochs)") }
        do { try s.validate() } catch let error as GRUKitError { throw ValidationError(Self.optionName(error)) }
        return s
    }

    /// A library error about a setting, with the setting spelt as its command-line option.
    static func optionName(_ error: GRUKitError) -> String {
        let names = ["learning rate": "--lr", "momentum": "--momentum", "dampening": "--dampening", "weight decay": "--weight-decay",
                     "beta1": "--beta1", "beta2": "--beta2", "epsilon": "--eps", "alpha": "--alpha",
                     "step schedule: every": "--step-size", "step schedule: gamma": "--gamma", "cosine schedule: epochs": "--cosine-epochs",
                     "cosine schedule: minimum": "--min-lr", "warm-up: epochs": "--warmup-epochs", "warm-up: start factor": "--warmup-start-factor",
                     "batch size": "--batch-size", "epochs": "--epochs", "clip norm": "--clip-norm", "clip value": "--clip-value",
                     "patience": "--patience", "minimum improvement": "--min-delta", "validation fraction": "--validation-split"]
        switch error {
        case let .invalidValue(option, value, expected): return "\(names[option] ?? option): expected \(expected), got \(value)"
        case let .invalidSize(option, value, expected): return "\(names[option] ?? option): expected \(expected), got \(value)"
        case let .incompatible(message) where message.hasPrefix("nesterov"): return "--nesterov" + message.dropFirst("nesterov".count)
        default: return "\(error)"
        }
    }
}
