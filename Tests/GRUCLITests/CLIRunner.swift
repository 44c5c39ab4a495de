import Foundation

/// What one run of the `gru` executable printed and returned.
struct CLIResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs the `gru` executable built beside the test bundle.
func gru(_ arguments: String...) throws -> CLIResult {
    try gru(arguments: arguments)
}

/// Runs the `gru` executable built beside the test bundle.
func gru(arguments: [String]) throws -> CLIResult {
    let process = Process()
    process.executableURL = try gruExecutable()
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIResult(status: process.terminationStatus,
                     stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
}

/// `gru` in the build products folder that holds the test bundle.
func gruExecutable() throws -> URL {
    var folder = Bundle.main.bundleURL
    for _ in 0..<4 {
        let candidate = folder.appendingPathComponent("gru")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        folder.deleteLastPathComponent()
    }
    throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "gru near \(Bundle.main.bundleURL.path)"])
}
