import Foundation
import GRUFuzzTargets
#if FUZZING
import FuzzDriver
#endif

/// The safetensors fuzzer. Built by scripts/fuzz.sh with `-DFUZZING -sanitize=fuzzer,address`
/// it runs libFuzzer (its flags and corpus folders as arguments); built plainly it replays the
/// files or folders given as arguments through the same target.
@main struct SafeTensorsFuzzer {
    static func main() throws {
        #if FUZZING
        exit(FuzzDriver.run { FuzzTargets.safetensors($0) })
        #else
        print("replayed \(try FuzzReplay.run(CommandLine.arguments.dropFirst(), FuzzTargets.safetensors)) inputs")
        #endif
    }
}
