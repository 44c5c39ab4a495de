import Foundation
import GRUKit

/// What the fuzzers feed their bytes to: each entry point parses untrusted bytes the way the
/// library and the `gru` tool do and throws on anything it rejects. A fuzzer reports a crash, a
/// trap, a sanitizer error or a hang; a thrown error is the correct answer to bad bytes.
public enum FuzzTargets {
    /// The safetensors reader and everything that reads weights from it: every tensor as
    /// Float, Double and integers, a `torch.nn.GRU` state_dict, a GRUKit model file.
    public static func safetensors(_ data: Data) {
        guard let file = try? SafeTensorsFile(data: data, name: "fuzz.safetensors") else { return }
        for name in file.names {
            _ = try? file.tensor(name, as: Float.self)
            _ = try? file.tensor(name, as: Double.self)
            _ = try? file.integers(name)
        }
        _ = try? GRU<Float>(pytorch: file)
        _ = try? GRUModel<Float>(file: file)
    }
}
