import Foundation
import GRUKit
import Testing

/// Bad data and bad options: one clear `error:` line naming the file, line or option, a
/// non-zero exit, and no training (no epoch line, no file written).
@Suite struct TrainBadInputTests {
    struct Expectation: CustomStringConvertible {
        let arguments: [String]
        let status: Int32
        let mentions: [String]
        var description: String { arguments.joined(separator: " ") }
    }

    @Test func everyBadInputIsOneLineBeforeTraining() throws {
        let folder = try temporaryFolder("bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        func file(_ name: String, _ text: String) throws -> String {
            let url = folder.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            return url.path
        }
        let good = folder.appendingPathComponent("good.safetensors")
        try writeDataset(good, n: 12, t: 4, i: 2, o: 1)
        var rows = "t,value,other\n"
        for k in 0..<30 { rows += "\(k),\(Double(k % 7) / 3),\(k)\n" }
        let csv = try file("series.csv", rows)
        let badCell = try file("cell.csv", "t,value\n1,0.5\n2,abc\n3,0.7\n")
        let emptyCell = try file("empty-cell.csv", "t,value\n1,0.5\n2,\n")
        let ragged = try file("ragged.csv", "t,value\n1,0.5\n2,0.6,9\n")
        let short = try file("short.csv", "t,value\n1,0.5\n2,0.6\n3,0.7\n")
        let empty = try file("empty.csv", "")
        let latin1 = folder.appendingPathComponent("latin1.csv")
        try Data([0x74, 0x2C, 0x76, 0xE9, 0x0A, 0x31, 0x2C, 0x32, 0x0A]).write(to: latin1)
        var writer = SafeTensorsWriter()
        try writer.add("input", Tensor<Float>(zeros: [5, 4, 2]))
        try writer.add("target", Tensor<Float>(zeros: [6, 1]))
        let mismatched = folder.appendingPathComponent("mismatched.safetensors")
        try writer.write(to: mismatched)
        var noTarget = SafeTensorsWriter()
        try noTarget.add("input", Tensor<Float>(zeros: [5, 4, 2]))
        let targetless = folder.appendingPathComponent("targetless.safetensors")
        try noTarget.write(to: targetless)
        var longer = SafeTensorsWriter()
        try longer.add("input", Tensor<Float>(zeros: [2, 4, 2]))
        try longer.add("target", Tensor<Float>(zeros: [2, 1]))
        try longer.addIntegers("lengths", shape: [2], values: [4, 5])
        let badLengths = folder.appendingPathComponent("lengths.safetensors")
        try longer.write(to: badLengths)
        // Weights for 3 input features with an every-step head, for data with 2 and last-step targets.
        var config = GRUConfiguration(inputSize: 3, hiddenSize: 4)
        config.batchFirst = true
        var g = SeededGenerator(seed: 1)
        let wide = folder.appendingPathComponent("wide.safetensors")
        try GRUModel<Float>(configuration: config, outputSize: 1, readout: .lastStep, using: &g).save(to: wide)
        config.inputSize = 2
        let everyStep = folder.appendingPathComponent("every.safetensors")
        try GRUModel<Float>(configuration: config, outputSize: 1, readout: .everyStep, using: &g).save(to: everyStep)
        let plain = folder.appendingPathComponent("plain.safetensors")
        try GRUModel<Float>(configuration: config, outputSize: 1, readout: .lastStep, using: &g).save(to: plain)
        let save = folder.appendingPathComponent("never.safetensors").path
        let d = ["--data", good.path, "--save", save]

        let cases: [Expectation] = [
            // CSV problems, named by file and line.
            .init(arguments: ["--csv", csv, "--target", "missing", "--window", "4"], status: 1, mentions: [csv, "no column 'missing'", "t, value, other"]),
            .init(arguments: ["--csv", csv, "--target", "value", "--features", "value,nope", "--window", "4"], status: 1, mentions: [csv, "'nope'"]),
            .init(arguments: ["--csv", badCell, "--target", "value", "--window", "1"], status: 1, mentions: [badCell, "line 3", "'abc' is not a finite number"]),
            .init(arguments: ["--csv", emptyCell, "--target", "value", "--window", "1"], status: 1, mentions: [emptyCell, "line 3", "empty cell"]),
            .init(arguments: ["--csv", ragged, "--target", "value", "--window", "1"], status: 1, mentions: [ragged, "line 3", "3 field(s)"]),
            .init(arguments: ["--csv", short, "--target", "value", "--window", "5"], status: 1, mentions: [short, "too few rows: 3 data row(s)", "at least 6"]),
            .init(arguments: ["--csv", empty, "--target", "value"], status: 1, mentions: [empty, "empty"]),
            .init(arguments: ["--csv", latin1.path, "--target", "v"], status: 1, mentions: [latin1.path, "not UTF-8"]),
            .init(arguments: ["--csv", csv, "--window", "4"], status: 64, mentions: ["--csv needs --target"]),
            .init(arguments: ["--csv", csv, "--target", "value", "--window", "0"], status: 64, mentions: ["--window"]),
            // Tensors whose shapes disagree.
            .init(arguments: ["--data", mismatched.path], status: 1, mentions: [mismatched.path, "target", "N = 5"]),
            .init(arguments: ["--data", targetless.path], status: 1, mentions: [targetless.path, "target", "missing"]),
            .init(arguments: ["--data", badLengths.path], status: 1, mentions: [badLengths.path, "lengths", "5", "1...4"]),
            .init(arguments: ["--data", folder.appendingPathComponent("absent.safetensors").path], status: 1, mentions: ["absent.safetensors"]),
            // Options out of range.
            .init(arguments: d + ["--lr", "0"], status: 64, mentions: ["--lr", "> 0", "got 0.0"]),
            .init(arguments: d + ["--lr", "-0.1"], status: 64, mentions: ["--lr"]),
            .init(arguments: d + ["--batch-size", "0"], status: 64, mentions: ["--batch-size", "got 0"]),
            .init(arguments: d + ["--optimizer", "adagrad"], status: 64, mentions: ["--optimizer", "adagrad"]),
            .init(arguments: d + ["--epochs", "0"], status: 64, mentions: ["--epochs"]),
            .init(arguments: d + ["--momentum", "-1"], status: 64, mentions: ["--momentum"]),
            .init(arguments: d + ["--nesterov"], status: 64, mentions: ["--nesterov", "momentum"]),
            .init(arguments: d + ["--beta1", "1"], status: 64, mentions: ["--beta1", "[0, 1)"]),
            .init(arguments: d + ["--clip-norm", "0"], status: 64, mentions: ["--clip-norm"]),
            .init(arguments: d + ["--validation-split", "1"], status: 64, mentions: ["--validation-split"]),
            .init(arguments: d + ["--patience", "3"], status: 64, mentions: ["--patience", "--validation-split"]),
            .init(arguments: d + ["--dropout", "1"], status: 64, mentions: ["--dropout"]),
            .init(arguments: d + ["--schedule", "step", "--step-size", "0"], status: 64, mentions: ["--step-size"]),
            .init(arguments: d + ["--loss", "bce", "--hidden-size", "0"], status: 64, mentions: ["--hidden-size"]),
            .init(arguments: d + ["--init", good.path], status: 1, mentions: [good.path, "weight_ih_l0"]),
            .init(arguments: d + ["--init", wide.path], status: 1, mentions: ["--init", wide.path, "3 input feature(s)", "has 2"]),
            .init(arguments: d + ["--init", everyStep.path], status: 1, mentions: ["--init", everyStep.path, "every-step", "last-step"]),
            .init(arguments: d + ["--init", wide.path, "--resume", wide.path], status: 64, mentions: ["--init", "--resume"]),
            .init(arguments: d + ["--resume", everyStep.path], status: 1, mentions: ["every-step"]),
            .init(arguments: d + ["--resume", plain.path], status: 1, mentions: [plain.path, "not a training checkpoint", "--init"]),
            .init(arguments: ["--data", good.path], status: 64, mentions: ["--save"]),
        ]
        for c in cases {
            let arguments = ["train"] + c.arguments + (c.arguments.contains("--save") || c.arguments == ["--data", good.path] ? [] : ["--save", save])
            let r = try gru(arguments: arguments)
            #expect(r.status == c.status, "\(c): status \(r.status), \(r.stderr)")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1 && r.stderr.hasPrefix("error: "), "\(c): \(r.stderr)")
            for text in c.mentions { #expect(r.stderr.contains(text), "\(c): '\(r.stderr)' should mention \(text)") }
            #expect(!r.stdout.contains("epoch "), "\(c): trained anyway")
            #expect(!FileManager.default.fileExists(atPath: save), "\(c): wrote a model")
        }
    }

    /// A text that is empty, not UTF-8 or too short, and options that do not fit a character
    /// model: one line naming the file, line or option, before any training.
    @Test func everyBadTextIsOneLineBeforeTraining() throws {
        let folder = try temporaryFolder("bad-text")
        defer { try? FileManager.default.removeItem(at: folder) }
        func file(_ name: String, _ bytes: [UInt8]) throws -> String {
            let url = folder.appendingPathComponent(name)
            try Data(bytes).write(to: url)
            return url.path
        }
        let good = try file("good.txt", Array(String(repeating: "abc abd\n", count: 20).utf8))
        let empty = try file("empty.txt", [])
        let latin1 = try file("latin1.txt", Array("ab\ncaf".utf8) + [0xE9, 0x0A])
        let short = try file("short.txt", Array("hello\n".utf8))
        let foreign = try file("foreign.txt", Array("abc\nxyz\n".utf8) + Array(String(repeating: "a", count: 200).utf8))
        let dataset = folder.appendingPathComponent("d.safetensors")
        try writeDataset(dataset, n: 4, t: 3, i: 2, o: 1)
        let save = folder.appendingPathComponent("never.safetensors").path
        let t = ["--text", good, "--save", save]

        let cases: [Expectation] = [
            .init(arguments: ["--text", empty, "--save", save], status: 1, mentions: [empty, "the file is empty"]),
            .init(arguments: ["--text", latin1, "--save", save], status: 1, mentions: [latin1, "not UTF-8", "E9", "byte offset 6", "line 2"]),
            .init(arguments: ["--text", short, "--save", save], status: 1,
                  mentions: [short, "6 characters are too few", "a window of 100 characters and its next character", "101"]),
            .init(arguments: t + ["--sequence-length", "80", "--validation-split", "0.1"], status: 1,
                  mentions: [good, "160 characters are too few", "to validate on", "161"]),
            .init(arguments: t + ["--validation-data", foreign], status: 1, mentions: [foreign, "'x' (U+0078) at position 4", "vocabulary of 6"]),
            .init(arguments: ["--text", folder.appendingPathComponent("absent.txt").path, "--save", save], status: 1, mentions: ["absent.txt", "cannot read"]),
            .init(arguments: t + ["--data", dataset.path], status: 64, mentions: ["--data and --text", "not both"]),
            .init(arguments: t + ["--sequence-length", "0"], status: 64, mentions: ["--sequence-length", "got 0"]),
            .init(arguments: ["--data", dataset.path, "--sequence-length", "5", "--save", save], status: 64, mentions: ["--sequence-length", "--text", "--window"]),
            .init(arguments: t + ["--embedding-size", "0"], status: 64, mentions: ["--embedding-size", "got 0"]),
            .init(arguments: t + ["--bidirectional"], status: 64, mentions: ["--bidirectional", "forward only"]),
            .init(arguments: t + ["--loss", "mse"], status: 64, mentions: ["--loss mse", "cross-entropy"]),
            .init(arguments: t + ["--hidden-size", "0"], status: 64, mentions: ["--hidden-size"]),
            .init(arguments: t + ["--lr", "nan"], status: 64, mentions: ["--lr"]),
            .init(arguments: t + ["--init", dataset.path], status: 1, mentions: [dataset.path]),
            .init(arguments: t + ["--resume", good], status: 1, mentions: [good]),
        ]
        for c in cases {
            let r = try gru(arguments: ["train"] + c.arguments)
            #expect(r.status == c.status, "\(c): status \(r.status), \(r.stderr)")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1 && r.stderr.hasPrefix("error: "), "\(c): \(r.stderr)")
            for text in c.mentions { #expect(r.stderr.contains(text), "\(c): '\(r.stderr)' should mention \(text)") }
            #expect(!r.stdout.contains("epoch "), "\(c): trained anyway")
            #expect(!FileManager.default.fileExists(atPath: save), "\(c): wrote a model")
        }
    }
}
