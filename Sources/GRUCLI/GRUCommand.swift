import ArgumentParser
import Foundation

/// `gru`: train, run and check gated recurrent unit networks.
public struct GRUCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "gru",
        abstract: "Train, run and check gated recurrent unit (GRU) networks.",
        subcommands: [BenchCommand.self, DemoCommand.self, EvaluateCommand.self, ExportCommand.self, ForwardCommand.self,
                      GenerateCommand.self, GradcheckCommand.self, ONNXCommand.self, PredictCommand.self, TrainCommand.self])

    public init() {}

    /// Parses `arguments` (the process's own when `nil`), runs the command and returns the
    /// exit status.
    ///
    /// Help and version requests print to standard output with status 0. Any error prints one
    /// line, `error: …`, to standard error (for a usage error, with where to find help) and
    /// returns a non-zero status: 64 for bad usage, 1 for failures.
    public static func run(arguments: [String]? = nil) -> Int32 {
        var command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            return report(error, help: helpHint(for: arguments ?? Array(CommandLine.arguments.dropFirst())))
        }
        do {
            try command.run()
            return 0
        } catch {
            return report(error, help: nil)
        }
    }

    private static func report(_ error: Error, help: String?) -> Int32 {
        let code = exitCode(for: error)
        if code == .success {
            print(fullMessage(for: error))
            return 0
        }
        let message = message(for: error).split(separator: "\n").joined(separator: "; ")
        if !message.isEmpty {
            let hint = code == .validationFailure && help != nil ? " (see '\(help!) --help')" : ""
            FileHandle.standardError.write(Data("error: \(message)\(hint)\n".utf8))
        }
        return code.rawValue
    }

    /// `gru` followed by the subcommand names at the start of `arguments`.
    private static func helpHint(for arguments: [String]) -> String {
        var names = ["gru"]
        var current: ParsableCommand.Type = GRUCommand.self
        for argument in arguments {
            guard let next = current.configuration.subcommands.first(where: { $0._commandName == argument }) else { break }
            names.append(argument)
            current = next
        }
        return names.joined(separator: " ")
    }
}
