import Foundation
#if FUZZING
import CFuzzDriver

/// Runs libFuzzer's loop over `target` with the process's arguments.
public enum FuzzDriver {
    nonisolated(unsafe) static var target: (Data) -> Void = { _ in }

    public static func run(_ target: @escaping (Data) -> Void) -> Int32 {
        Self.target = target
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        return LLVMFuzzerRunDriver(&argc, &argv) { bytes, count in
            FuzzDriver.target(count == 0 ? Data() : Data(bytes: bytes!, count: count))
            return 0
        }
    }
}
#endif
