import Foundation
import GRUKit
import Testing

/// A fresh folder for one test's files: in memory (/dev/shm) where there is one, since every
/// epoch's checkpoint and logs are flushed to disk (fsync), which a disk makes slow.
func temporaryFolder(_ name: String) throws -> URL {
    let shm = URL(fileURLWithPath: "/dev/shm")
    let base = FileManager.default.isWritableFile(atPath: shm.path) ? shm : FileManager.default.temporaryDirectory
    let url = base.appendingPathComponent("gru-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A random regression dataset: input (N, T, I), target (N, O) or (N, T, O).
func writeDataset(_ url: URL, n: Int, t: Int, i: Int, o: Int, everyStep: Bool = false, seed: UInt64 = 1) throws {
    var g = SeededGenerator(seed: seed)
    let x = try Tensor<Float>.uniform(shape: [n, t, i], in: -1...1, using: &g)
    // A learnable target: a running mean of the first feature (plus a second output's offset).
    var y = [Float]()
    for s in 0..<n {
        var sum: Float = 0
        for step in 0..<t {
            sum += x[s, step, 0]
            if everyStep || step == t - 1 { for k in 0..<o { y.append(sum / Float(step + 1) + Float(k)) } }
        }
    }
    var writer = SafeTensorsWriter()
    try writer.add("input", x)
    try writer.add("target", Tensor(shape: everyStep ? [n, t, o] : [n, o], scalars: y))
    try writer.write(to: url)
}

/// The float tensors of a safetensors file by name.
func tensors(_ url: URL) throws -> [String: Tensor<Float>] {
    let file = try SafeTensorsFile(contentsOf: url)
    return try Dictionary(uniqueKeysWithValues: file.names.map { ($0, try file.tensor($0, as: Float.self)) })
}

/// `gru train` end to end: the PyTorch interop contract, checkpoints and resume, the logs.
@Suite struct TrainCommandTests {
    static let trainingFixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("GRUKitTests/Fixtures/pytorch_training.safetensors")

    struct Case: Decodable {
        let key: String, kind: String, lr: Double
        let momentum: Double?, weight_decay: Double?, clip_norm: Double?
        let layers: Int, bidirectional: Bool, every_step: Bool, batch_size: Int, epochs: Int
    }

    /// The contract's command line on every fixture case: OUT holds the weights PyTorch's loop
    /// produced, under the same keys, within 1e-5.
    @Test func interopContractMatchesPyTorch() throws {
        let fixture = try SafeTensorsFile(contentsOf: Self.trainingFixture)
        let cases = try JSONDecoder().decode([Case].self, from: Data(try #require(fixture.metadata["cases"]).utf8))
        #expect(cases.count == 16)
        let folder = try temporaryFolder("interop")
        defer { try? FileManager.default.removeItem(at: folder) }
        var worst: Float = 0
        for c in cases {
            func part(_ prefix: String, _ name: String, keep: (String) -> Bool = { _ in true }) throws -> URL {
                var writer = SafeTensorsWriter()
                for key in fixture.names where key.hasPrefix(c.key + "/" + prefix) && keep(key) {
                    try writer.add(String(key.dropFirst(c.key.count + 1 + prefix.count)), fixture.tensor(key, as: Float.self))
                }
                let url = folder.appendingPathComponent("\(c.key)-\(name).safetensors")
                try writer.write(to: url)
                return url
            }
            let initial = try part("init.", "init")
            let data = try part("", "data") { $0.hasSuffix("/input") || $0.hasSuffix("/target") }
            let out = folder.appendingPathComponent("\(c.key)-out.safetensors")
            var arguments = ["train", "--init", initial.path, "--data", data.path, "--loss", "mse", "--optimizer", c.kind,
                             "--lr", "\(c.lr)", "--batch-size", "\(c.batch_size)", "--epochs", "\(c.epochs)", "--no-shuffle", "--save", out.path,
                             "--progress", "none"]
            if let m = c.momentum { arguments += ["--momentum", "\(m)"] }
            if let w = c.weight_decay { arguments += ["--weight-decay", "\(w)"] }
            if let n = c.clip_norm { arguments += ["--clip-norm", "\(n)"] }
            let r = try gru(arguments: arguments)
            #expect(r.status == 0, "\(c.key): \(r.stderr)")
            let ours = try tensors(out)
            let theirs = try tensors(try part("final.", "expected"))
            #expect(Set(ours.keys) == Set(theirs.keys), "\(c.key): keys \(ours.keys.sorted())")
            for (name, expected) in theirs {
                guard let actual = ours[name], actual.shape == expected.shape else { Issue.record("\(c.key): \(name) missing or misshapen"); continue }
                let d = actual.maxAbsDifference(from: expected)
                #expect(d <= 1e-5, "\(c.key) \(c.kind) \(c.layers) layer(s) bidirectional \(c.bidirectional): \(name) differs by \(d)")
                worst = max(worst, d)
            }
        }
        print("gru train vs PyTorch's loop: 16 cases, max |difference| \(worst)")
    }

    /// Options that make every random choice matter: shuffling, a validation split, dropout,
    /// AdamW with a cosine schedule and clipping.
    func runOptions(data: URL, save: URL, epochs: Int) -> [String] {
        ["train", "--data", data.path, "--hidden-size", "6", "--layers", "2", "--dropout", "0.2", "--validation-split", "0.25",
         "--optimizer", "adamw", "--lr", "0.01", "--schedule", "cosine", "--cosine-epochs", "30", "--clip-norm", "1", "--batch-size", "8",
         "--seed", "5", "--epochs", "\(epochs)", "--save", save.path, "--progress", "none"]
    }

    /// Stopped after 3 epochs and resumed to 6, a run ends with the same bits as 6 epochs straight;
    /// its metrics log and checkpoint JSON hold every epoch once.
    @Test func resumeIsBitIdentical() throws {
        let folder = try temporaryFolder("resume")
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appendingPathComponent("d.safetensors")
        try writeDataset(data, n: 40, t: 7, i: 2, o: 1)
        let straight = folder.appendingPathComponent("straight.safetensors")
        let a = try gru(arguments: runOptions(data: data, save: straight, epochs: 6))
        #expect(a.status == 0, "\(a.stderr)")
        let split = folder.appendingPathComponent("split.safetensors")
        let b = try gru(arguments: runOptions(data: data, save: split, epochs: 3))
        #expect(b.status == 0, "\(b.stderr)")
        let checkpoint = folder.appendingPathComponent("split.checkpoint.safetensors")
        let c = try gru(arguments: runOptions(data: data, save: split, epochs: 6) + ["--resume", checkpoint.path])
        #expect(c.status == 0, "\(c.stderr)")
        #expect(c.stdout.contains("resuming \(checkpoint.path) after epoch 3"))
        #expect(c.stdout.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.count == 3)
        #expect(try tensors(split) == tensors(straight))
        let metrics = try String(contentsOf: folder.appendingPathComponent("split.metrics.jsonl"), encoding: .utf8)
        let lines = metrics.split(separator: "\n")
        #expect(lines.count == 6)
        let straightMetrics = try String(contentsOf: folder.appendingPathComponent("straight.metrics.jsonl"), encoding: .utf8)
        func losses(_ text: String) -> [String] { text.split(separator: "\n").map { String($0.split(separator: ",").first { $0.contains("train_loss") } ?? "") } }
        #expect(losses(metrics) == losses(straightMetrics))
        let record = try JSONDecoder().decode(CheckpointRecord.self, from: Data(contentsOf: folder.appendingPathComponent("split.checkpoint.json")))
        #expect(record.state.epoch == 6 && record.state.history.count == 6)
        // Other settings cannot resume it.
        let other = try gru(arguments: runOptions(data: data, save: split, epochs: 6).map { $0 == "0.01" ? "0.02" : $0 } + ["--resume", checkpoint.path])
        #expect(other.status == 1)
        #expect(other.stderr.contains("cannot resume") && other.stderr.contains("learningRate"), "\(other.stderr)")
    }

    /// A run killed at an arbitrary moment leaves a checkpoint that loads, and resuming it ends
    /// where an uninterrupted run ends.
    @Test func killedRunLeavesAResumableCheckpoint() throws {
        let folder = try temporaryFolder("kill")
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appendingPathComponent("d.safetensors")
        try writeDataset(data, n: 40, t: 7, i: 2, o: 1, seed: 3)
        let epochs = 40
        let straight = folder.appendingPathComponent("straight.safetensors")
        #expect(try gru(arguments: runOptions(data: data, save: straight, epochs: epochs)).status == 0)

        let killed = folder.appendingPathComponent("killed.safetensors")
        let checkpoint = folder.appendingPathComponent("killed.checkpoint.safetensors")
        let process = Process()
        process.executableURL = try gruExecutable()
        process.arguments = runOptions(data: data, save: killed, epochs: epochs)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: checkpoint.path), Date() < deadline { usleep(2_000) }
        usleep(UInt32.random(in: 0...20_000))  // somewhere in a later epoch, perhaps mid-write
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the run ended before it could be killed")
        let record = try TrainingCheckpoint.record(of: SafeTensorsFile(contentsOf: checkpoint))
        #expect(record.state.epoch >= 1)
        let resumed = try gru(arguments: runOptions(data: data, save: killed, epochs: epochs) + ["--resume", checkpoint.path])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try tensors(killed) == tensors(straight))
    }

    /// Not on a terminal: one line per epoch, the metrics log as JSON lines, the loss curve as SVG.
    @Test func logsMetricsAndLossCurve() throws {
        let folder = try temporaryFolder("logs")
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appendingPathComponent("d.safetensors")
        try writeDataset(data, n: 30, t: 5, i: 2, o: 2, everyStep: true)
        let save = folder.appendingPathComponent("m.safetensors")
        let r = try gru("train", "--data", data.path, "--hidden-size", "8", "--epochs", "4", "--validation-split", "0.2", "--lr", "0.01", "--save", save.path)
        #expect(r.status == 0, "\(r.stderr)")
        let epochLines = r.stdout.split(separator: "\n").filter { $0.hasPrefix("epoch ") }
        #expect(epochLines.count == 4 && epochLines[0].contains("train loss") && epochLines[0].contains("validation loss"), "\(r.stdout)")
        #expect(!r.stderr.contains("\u{1B}"), "no terminal control codes when not on a terminal")
        let metrics = try String(contentsOf: folder.appendingPathComponent("m.metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(metrics.count == 4)
        for (k, line) in metrics.enumerated() {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["epoch"] as? Int == k + 1)
            #expect(object?["train_loss"] is Double && object?["validation_loss"] is Double && object?["learning_rate"] is Double)
        }
        let svg = try String(contentsOf: folder.appendingPathComponent("m.loss.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("<polyline") && svg.contains("validation"))
        #expect(svg.hasSuffix("</svg>\n"))
        // The model file records how it was trained and reloads.
        let model = try GRUModel<Float>(contentsOf: save)
        #expect(model.readout == .everyStep && model.metadata.batchFirst)
        let metadata = try #require(try GRUModelMetadata(of: SafeTensorsFile(contentsOf: save)))
        #expect(metadata.loss == .meanSquaredError && metadata.data?.source == "safetensors")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("m.best.safetensors").path))
        // gru evaluate on the same data gives a loss, gru predict the (N, T, O) predictions.
        let e = try gru("evaluate", "--model", save.path, "--data", data.path, "--json")
        #expect(e.status == 0, "\(e.stderr)")
        #expect(e.stdout.contains("\"loss\":") && e.stdout.contains("\"mae\":"))
        let out = folder.appendingPathComponent("p.safetensors")
        let p = try gru("predict", "--model", save.path, "--data", data.path, "--output", out.path)
        #expect(p.status == 0, "\(p.stderr)")
        let prediction = try #require(try tensors(out)["prediction"])
        #expect(prediction.shape == [30, 5, 2])
        // New inputs alone (no target): the same numbers GRUModel.logits gives.
        var g = SeededGenerator(seed: 9)
        let x = try Tensor<Float>.uniform(shape: [3, 4, 2], in: -1...1, using: &g)
        var writer = SafeTensorsWriter()
        try writer.add("input", x)
        let inputs = folder.appendingPathComponent("x.safetensors")
        try writer.write(to: inputs)
        let q = try gru("predict", "--model", save.path, "--data", inputs.path, "--output", out.path)
        #expect(q.status == 0, "\(q.stderr)")
        let expected = try model.logits(x)
        let actual = try #require(try tensors(out)["prediction"])
        #expect(actual.shape == expected.shape && actual.maxAbsDifference(from: expected) <= 1e-6)
    }

    @Test func earlyStoppingStopsOnTheValidationLoss() throws {
        let folder = try temporaryFolder("early")
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appendingPathComponent("d.safetensors")
        try writeDataset(data, n: 30, t: 5, i: 2, o: 1)
        let save = folder.appendingPathComponent("m.safetensors")
        let r = try gru("train", "--data", data.path, "--hidden-size", "8", "--epochs", "200", "--validation-split", "0.3",
                        "--optimizer", "sgd", "--lr", "3", "--clip-norm", "50", "--patience", "2", "--save", save.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("stopping early: no better validation loss for 2 epoch(s)"), "\(r.stdout)")
        #expect(r.stdout.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.count < 200)
    }
}

/// CSV time series and class targets through train, evaluate and predict.
@Suite struct TrainDataKindsTests {
    @Test func csvForecastTrainsEvaluatesAndPredicts() throws {
        let folder = try temporaryFolder("csv")
        defer { try? FileManager.default.removeItem(at: folder) }
        var text = "time,level,noise\n"
        for k in 0..<160 { text += "\(2000 + Double(k) / 12),\(50 + 40 * sin(Double(k) / 6)),\(k % 3)\n" }
        let csv = folder.appendingPathComponent("series.csv")
        try Data(text.utf8).write(to: csv)
        let save = folder.appendingPathComponent("m.safetensors")
        let r = try gru("train", "--csv", csv.path, "--target", "level", "--features", "level,noise", "--window", "12", "--validation-split", "0.2",
                        "--hidden-size", "12", "--epochs", "25", "--lr", "0.01", "--batch-size", "16", "--save", save.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("data: 118 training sample(s), 30 validation"), "\(r.stdout)")
        let metadata = try #require(try GRUModelMetadata(of: SafeTensorsFile(contentsOf: save)))
        let data = try #require(metadata.data)
        #expect(data.featureColumns == ["level", "noise"] && data.targetColumns == ["level"] && data.window == 12 && data.horizon == 1)
        #expect(metadata.readout == .lastStep)
        // Statistics of the training part only: level rows 0 ..< 118 + 11.
        let rows = (0..<129).map { 50 + 40 * sin(Double($0) / 6) }
        #expect(abs(try #require(data.inputNormalization).mean[0] - rows.reduce(0, +) / 129) < 1e-9)

        let e = try gru("evaluate", "--model", save.path, "--csv", csv.path, "--last", "30", "--json")
        #expect(e.status == 0, "\(e.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Double])
        #expect(result["samples"] == 30)
        // A smooth sine: the trained GRU must beat repeating the last value.
        #expect(result["mae"]! < result["naive_mae"]!, "\(e.stdout)")

        let out = folder.appendingPathComponent("f.csv"), plot = folder.appendingPathComponent("f.svg")
        let p = try gru("predict", "--model", save.path, "--csv", csv.path, "--last", "5", "--x-column", "time", "--output", out.path, "--plot", plot.path)
        #expect(p.status == 0, "\(p.stderr)")
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "line,time,level,level_predicted")
        #expect(lines.count == 7)  // header, 5 windows, final newline
        #expect(lines[4].hasPrefix("161,"), "the last window inside the data predicts row 160 (line 161): \(lines[4])")
        #expect(lines[5].hasPrefix(",") && lines[5].split(separator: ",", omittingEmptySubsequences: false).count == 4, "the forecast past the end has no truth")
        let svg = try String(contentsOf: plot, encoding: .utf8)
        #expect(svg.contains("GRU forecast") && svg.contains("naive (last value)"))
    }

    @Test func classTargetsTrainWithCrossEntropy() throws {
        let folder = try temporaryFolder("classes")
        defer { try? FileManager.default.removeItem(at: folder) }
        var g = SeededGenerator(seed: 11)
        let x = try Tensor<Float>.uniform(shape: [60, 5, 2], in: -1...1, using: &g)
        let classes = (0..<60).map { x[$0, 4, 0] > 0 ? 1 : 0 }  // the sign of the last step's first feature
        var writer = SafeTensorsWriter()
        try writer.add("input", x)
        try writer.addIntegers("target", shape: [60], values: classes)
        try writer.addIntegers("lengths", shape: [60], values: (0..<60).map { _ in 5 })
        let data = folder.appendingPathComponent("c.safetensors"), save = folder.appendingPathComponent("m.safetensors")
        try writer.write(to: data)
        let r = try gru("train", "--data", data.path, "--hidden-size", "8", "--epochs", "30", "--lr", "0.02", "--batch-size", "10", "--save", save.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("loss cross-entropy"))
        let e = try gru("evaluate", "--model", save.path, "--data", data.path, "--json")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Double])
        #expect(result["accuracy"]! >= 0.9, "\(e.stdout)")
        let mse = try gru("train", "--data", data.path, "--loss", "mse", "--save", save.path)
        #expect(mse.status == 1 && mse.stderr.contains("class indices") && mse.stderr.contains("cross-entropy"))
        let out = folder.appendingPathComponent("p.safetensors")
        #expect(try gru("predict", "--model", save.path, "--data", data.path, "--output", out.path).status == 0)
        #expect(try SafeTensorsFile(contentsOf: out).integers("class").values.count == 60)
    }
}

/// Numeric blow-ups on the command line: one error line naming the epoch, batch and step, and
/// the checkpoint of the last good epoch left byte for byte as it was; or, with
/// --skip-nonfinite, the step skipped and reported.
@Suite struct TrainNonFiniteTests {
    /// 12 sequences; the targets of `poisoned` samples are 1e30, whose squared error overflows.
    func dataset(_ url: URL, poisoned: Set<Int> = []) throws {
        var g = SeededGenerator(seed: 8)
        let x = try Tensor<Float>.uniform(shape: [12, 4, 2], in: -1...1, using: &g)
        var y = try Tensor<Float>.uniform(shape: [12, 1], in: -1...1, using: &g)
        for k in poisoned { y.scalars[k] = 1e30 }
        var writer = SafeTensorsWriter()
        try writer.add("input", x)
        try writer.add("target", y)
        try writer.write(to: url)
    }

    @Test func aFailedEpochLeavesThePreviousCheckpointAsItWas() throws {
        let folder = try temporaryFolder("nonfinite")
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("good.safetensors"), bad = folder.appendingPathComponent("bad.safetensors")
        try dataset(good)
        try dataset(bad, poisoned: [5])
        let save = folder.appendingPathComponent("m.safetensors")
        func options(_ data: URL, epochs: Int) -> [String] {
            ["train", "--data", data.path, "--hidden-size", "6", "--batch-size", "4", "--no-shuffle", "--epochs", "\(epochs)",
             "--save", save.path, "--progress", "none"]
        }
        #expect(try gru(arguments: options(good, epochs: 2)).status == 0)
        let names = ["m.checkpoint.safetensors", "m.checkpoint.json", "m.metrics.jsonl", "m.loss.svg", "m.safetensors"]
        let before = try names.map { try Data(contentsOf: folder.appendingPathComponent($0)) }
        // Epochs 3 and 4 on data with an overflowing target, from the checkpoint of epoch 2.
        let checkpoint = folder.appendingPathComponent("m.checkpoint.safetensors")
        let r = try gru(arguments: options(bad, epochs: 4) + ["--resume", checkpoint.path])
        #expect(r.status == 1)
        #expect(r.stderr == "error: training diverged at epoch 3, batch 2 of 3, step 8, samples 4, 5, 6, 7: the loss is inf; "
                + "\(checkpoint.path) still holds epoch 2 (try a lower --lr or --clip-norm, or --skip-nonfinite to skip such steps)\n")
        #expect(!r.stdout.contains("epoch 3/4"))
        for (name, data) in zip(names, before) {
            #expect(try Data(contentsOf: folder.appendingPathComponent(name)) == data, "\(name) changed")
        }
        // A run that diverges in its first epoch writes no checkpoint at all.
        let fresh = folder.appendingPathComponent("fresh.safetensors")
        let d = try gru("train", "--data", good.path, "--optimizer", "sgd", "--lr", "1e25", "--batch-size", "4", "--no-shuffle",
                        "--save", fresh.path, "--progress", "none")
        #expect(d.status == 1 && d.stderr.hasPrefix("error: training diverged at epoch 1, batch 2 of 3, step 2, samples 4, 5, 6, 7: the loss is "), "\(d.stderr)")
        #expect(d.stderr.hasSuffix("; no checkpoint was written (try a lower --lr or --clip-norm, or --skip-nonfinite to skip such steps)\n"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("fresh.checkpoint.safetensors").path))
        #expect(!FileManager.default.fileExists(atPath: fresh.path))
    }

    @Test func skipNonFiniteSkipsAndReportsTheStep() throws {
        let folder = try temporaryFolder("skip")
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = folder.appendingPathComponent("bad.safetensors")
        try dataset(bad, poisoned: [5])
        let save = folder.appendingPathComponent("m.safetensors")
        let r = try gru("train", "--data", bad.path, "--hidden-size", "6", "--batch-size", "4", "--no-shuffle", "--epochs", "3",
                        "--skip-nonfinite", "--save", save.path, "--progress", "none")
        #expect(r.status == 0, "\(r.stderr)")
        let warnings = r.stderr.split(separator: "\n").map(String.init)
        #expect(warnings == (1...3).map { "warning: skipped the step at epoch \($0), batch 2 of 3, step \(2 * $0), samples 4, 5, 6, 7: the loss is inf" })
        let epochs = r.stdout.split(separator: "\n").filter { $0.hasPrefix("epoch ") }
        #expect(epochs.count == 3 && epochs.allSatisfy { $0.contains("1 step(s) skipped (NaN or Inf)") }, "\(r.stdout)")
        #expect(r.stdout.contains("3 step(s) skipped in all"))
        let metrics = try String(contentsOf: folder.appendingPathComponent("m.metrics.jsonl"), encoding: .utf8)
        #expect(metrics.split(separator: "\n").allSatisfy { $0.contains("\"skipped_steps\":1") })
        #expect(try tensors(save).values.allSatisfy { $0.scalars.allSatisfy(\.isFinite) })
        // Every batch poisoned: the first epoch skips every step and the run stops.
        try dataset(bad, poisoned: [0, 5, 9])
        let all = try gru("train", "--data", bad.path, "--batch-size", "4", "--no-shuffle", "--skip-nonfinite",
                          "--save", folder.appendingPathComponent("n.safetensors").path, "--progress", "none")
        #expect(all.status == 1)
        let error = "error: all 3 step(s) of epoch 1 met a NaN or an infinity and were skipped "
            + "(the first at batch 1 of 3, step 1, samples 0, 1, 2, 3: the loss is inf); no checkpoint was written (try a lower --lr or --clip-norm)"
        #expect(all.stderr.hasSuffix("\n" + error + "\n") && all.stderr.split(separator: "\n").count == 4, "\(all.stderr)")
    }
}
