import Foundation
import GRUFuzzTargets
#if FUZZING
import FuzzDriver
#endif

/// The onnx fuzzer (see ``FuzzTargets/onnx(_:)``). Built by scripts/fuzz.sh with
/// `-DFUZZING -sanitize=fuzzer,address` it runs libFuzzer (its flags and corpus folders as
/// arguments); built plainly it replays the files or folders given as arguments.
@main struct ONNXFuzzer {
    static func main() throws {
        #if FUZZING
        exit(FuzzDriver.run { FuzzTargets.onnx($0) })
        #else
        print("replayed \(try FuzzReplay.run(CommandLine.arguments.dropFirst(), FuzzTargets.onnx)) inputs")
        #endif
    }
}
