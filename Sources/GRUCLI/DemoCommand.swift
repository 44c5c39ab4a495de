import ArgumentParser

/// `gru demo`: the experiments GRUKit grew from.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a demonstration experiment.",
        subcommands: [BinaryAdditionCommand.self, CharLMCommand.self])
}
