import ArgumentParser

/// `gru`: train, run and check gated recurrent unit networks.
public struct GRUCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "gru",
        abstract: "Train, run and check gated recurrent unit (GRU) networks.",
        subcommands: [GradcheckCommand.self])

    public init() {}
}
