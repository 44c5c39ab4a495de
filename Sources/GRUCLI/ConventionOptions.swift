import ArgumentParser
import GRUKit

extension GRUConvention.ResetPlacement: ExpressibleByArgument {}
extension GRUConvention.UpdatePolarity: ExpressibleByArgument {}
extension Loss: ExpressibleByArgument {}
extension Reduction: ExpressibleByArgument {}
extension Readout: ExpressibleByArgument {}

/// A named GRU convention for `--convention`.
enum ConventionPreset: String, CaseIterable, ExpressibleByArgument {
    case seed, pytorch, onnx

    var convention: GRUConvention {
        switch self {
        case .seed: .seedTexts
        case .pytorch: .pytorch
        case .onnx: .onnxDefault
        }
    }
}

/// The options that choose a GRU variant, shared by every command that builds a GRU.
struct ConventionOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The GRU variant: seed (reset before the matmul, z takes the new state), pytorch (reset after, z keeps the old state; also cuDNN and Keras reset_after), onnx (reset before, z keeps the old state).",
        valueName: "name"))
    var convention: ConventionPreset = .seed

    @Option(help: ArgumentHelp("Override where the reset gate applies: after or before the recurrent matmul.", valueName: "placement"))
    var reset: GRUConvention.ResetPlacement?

    @Option(help: ArgumentHelp("Override which state z keeps: keeps-old or takes-new.", valueName: "polarity"))
    var update: GRUConvention.UpdatePolarity?

    @Flag(name: .customLong("no-bias"), help: "Build the GRU without biases.")
    var noBias = false

    /// The convention after applying any overrides.
    var resolved: GRUConvention {
        var c = convention.convention
        if let reset { c.reset = reset }
        if let update { c.update = update }
        return c
    }
}
