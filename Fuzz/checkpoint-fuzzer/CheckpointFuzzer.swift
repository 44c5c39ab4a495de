import Foundation
import GRUFuzzTargets
#if FUZZING
import FuzzDriver
#endif

/// The checkpoint fuzzer (see ``FuzzTargets/checkpoint(_:)``). Built by scripts/fuzz.sh with
/// `-DFUZZING -sanitize=fuzzer,address` it runs libFuzzer (its flags and corpus folders as
/// arguments); built plainly it replays the files or folders given as arguments.
@main struct CheckpointFuzzer {
    static func main() throws {
        #if FUZZING
        exit(FuzzDriver.run { FuzzTargets.checkpoint($0) })
        #else
        print("replayed \(try FuzzReplay.run(CommandLine.arguments.dropFirst(), FuzzTargets.checkpoint)) inputs")
        #endif
    }
}
