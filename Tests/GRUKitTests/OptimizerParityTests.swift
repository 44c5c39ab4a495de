import Foundation
import GRUKit
import Testing

/// torch.optim, torch.nn.utils clipping, torch.optim.lr_scheduler and torch.nn.init.orthogonal_
/// against GRUKit (scripts/make_training_fixtures.py → pytorch_optimizers.safetensors). PyTorch
/// computed in float64 from float32-representable values: `Double` must agree within 1e-12,
/// `Float` within 1e-5.
@Suite struct OptimizerParityTests {
    struct OptimizerCase: Decodable {
        let key: String, kind: String, lr: Double
        let momentum: Double?, dampening: Double?, nesterov: Bool?, weight_decay: Double?
        let beta1: Double?, beta2: Double?, eps: Double?, amsgrad: Bool?, alpha: Double?, centered: Bool?
        let steps: Int, lr_change_step: Int, lr_factor: Double

        var configuration: OptimizerConfiguration {
            var c = OptimizerConfiguration(kind: OptimizerConfiguration.Kind(rawValue: kind)!, learningRate: lr)
            if let momentum { c.momentum = momentum }
            if let dampening { c.dampening = dampening }
            if let nesterov { c.nesterov = nesterov }
            if let weight_decay { c.weightDecay = weight_decay }
            if let beta1 { c.beta1 = beta1 }
            if let beta2 { c.beta2 = beta2 }
            if let eps { c.epsilon = eps }
            if let amsgrad { c.amsgrad = amsgrad }
            if let alpha { c.alpha = alpha }
            if let centered { c.centered = centered }
            return c
        }

        var name: String { "\(key) \(kind) \(configuration)" }
    }

    static let file = Result { try SafeTensorsFile(contentsOf: fixturesFolder.appendingPathComponent("pytorch_optimizers.safetensors")) }

    func linear<S: GRUScalar>(_ file: SafeTensorsFile, _ prefix: String, _: S.Type = S.self) throws -> LinearParameters<S> {
        try LinearParameters(weight: file.tensor(prefix + "weight"), bias: file.tensor(prefix + "bias"))
    }

    @Test(arguments: [false, true])
    func optimizersMatchPyTorch(double: Bool) throws {
        if double { try checkOptimizers(Double.self, tolerance: 1e-12) } else { try checkOptimizers(Float.self, tolerance: 1e-5) }
    }

    func checkOptimizers<S: GRUScalar>(_: S.Type, tolerance: S) throws {
        let file = try Self.file.get()
        let cases = try JSONDecoder().decode([OptimizerCase].self, from: Data(try #require(file.metadata["cases"]).utf8))
        #expect(cases.count == 18)
        #expect(Set(cases.map(\.kind)) == ["sgd", "adam", "adamw", "rmsprop"])
        var worst = WorstDifference<S>()
        for c in cases {
            let p = c.key + "/"
            var parameters: LinearParameters<S> = try linear(file, p)
            var optimizer = try Optimizer<LinearParameters<S>>(c.configuration)
            for step in 0..<c.steps {
                if step == c.lr_change_step { optimizer.learningRate = c.lr * c.lr_factor }
                optimizer.update(&parameters, along: try linear(file, p + "grad\(step)."))
                let expected: LinearParameters<S> = try linear(file, p + "after\(step).")
                for (a, b, name) in [(parameters.weight, expected.weight, "weight"), (parameters.bias!, expected.bias!, "bias")] {
                    worst.record(expectClose(a, b, tolerance: tolerance, "\(c.name) step \(step + 1) \(name)"), "\(c.key) step \(step + 1)")
                }
            }
            #expect(optimizer.stepCount == c.steps)
            // The state PyTorch keeps, under PyTorch's buffer names.
            let state = optimizer.stateTensors(prefix: "")
            let expectedNames = file.names.filter { $0.hasPrefix(p + "state.") }
                .map { String($0.dropFirst((p + "state.").count)) }
            #expect(Set(state.map(\.name)) == Set(expectedNames), "\(c.name): state \(state.map(\.name))")
            for (name, tensor) in state where expectedNames.contains(name) {
                expectClose(tensor, try file.tensor(p + "state." + name), tolerance: tolerance * 10, "\(c.name) state \(name)")
            }
        }
        print(worst.summary("torch.optim parity in \(S.self)"))
    }

    /// Saving the state after three steps and restoring it into a fresh optimizer continues
    /// bit for bit.
    @Test func restoredStateContinuesExactly() throws {
        let file = try Self.file.get()
        let cases = try JSONDecoder().decode([OptimizerCase].self, from: Data(try #require(file.metadata["cases"]).utf8))
        for c in cases {
            let p = c.key + "/"
            var straight: LinearParameters<Float> = try linear(file, p)
            var optimizer = try Optimizer<LinearParameters<Float>>(c.configuration)
            var resumed = straight
            var restored = try Optimizer<LinearParameters<Float>>(c.configuration)
            for step in 0..<c.steps {
                let g: LinearParameters<Float> = try linear(file, p + "grad\(step).")
                optimizer.update(&straight, along: g)
                if step == 2 {
                    resumed = straight
                    let saved = Dictionary(uniqueKeysWithValues: optimizer.stateTensors().map { ($0.name, $0.tensor) })
                    try restored.restore(stepCount: optimizer.stepCount, like: straight, file: "memory") { saved[$0] }
                } else if step > 2 {
                    restored.update(&resumed, along: g)
                }
            }
            #expect(resumed == straight, "\(c.name)")
        }
    }

    @Test func restoringReportsMissingAndMisshapenBuffers() throws {
        var optimizer = try Optimizer<LinearParameters<Float>>(OptimizerConfiguration(kind: .adam, learningRate: 0.1))
        let template = try LinearParameters<Float>(weight: Tensor(zeros: [3, 4]), bias: Tensor(zeros: [3]))
        #expect(throws: GRUKitError.invalidWeights(
            file: "c.safetensors", key: "optimizer.exp_avg.weight", problem: "missing: the adam optimizer's state needs it")) {
            try optimizer.restore(stepCount: 2, like: template, file: "c.safetensors") { _ in nil }
        }
        #expect(throws: GRUKitError.invalidWeights(
            file: "c.safetensors", key: "optimizer.exp_avg.weight", problem: "expected shape [3, 4], got [4, 3]")) {
            try optimizer.restore(stepCount: 2, like: template, file: "c.safetensors") { _ in try Tensor(zeros: [4, 3]) }
        }
    }

    struct ClipCase: Decodable { let key: String, kind: String, limit: Double }

    @Test func clippingMatchesPyTorch() throws {
        let file = try Self.file.get()
        let cases = try JSONDecoder().decode([ClipCase].self, from: Data(try #require(file.metadata["clipping"]).utf8))
        #expect(cases.count == 4)
        for c in cases {
            var g: LinearParameters<Double> = try linear(file, c.key + "/in.")
            if c.kind == "norm" {
                let total = GradientClipping.clipNorm(&g, maxNorm: c.limit)
                let expected: Tensor<Double> = try file.tensor(c.key + "/total_norm")
                expectClose(total, expected.scalars[0], tolerance: 1e-12, "\(c.key) total norm")
            } else {
                GradientClipping.clipValue(&g, limit: c.limit)
            }
            let expected: LinearParameters<Double> = try linear(file, c.key + "/out.")
            expectClose(g.weight, expected.weight, tolerance: 1e-12, "\(c.key) \(c.kind) weight")
            expectClose(g.bias!, expected.bias!, tolerance: 1e-12, "\(c.key) \(c.kind) bias")
        }
    }

    struct ScheduleCase: Decodable {
        struct Schedule: Decodable {
            let kind: String
            let every: Int?, gamma: Double?, epochs: Int?, minimum: Double?, start_factor: Double?
            let then: Box?

            var value: LearningRateSchedule {
                switch kind {
                case "step": .step(every: every!, gamma: gamma!)
                case "cosine": .cosine(epochs: epochs!, minimum: minimum!)
                case "warmup": .warmup(epochs: epochs!, startFactor: start_factor!, then: then!.schedule.value)
                default: .constant
                }
            }
        }
        final class Box: Decodable { let schedule: Schedule; init(from d: Decoder) throws { schedule = try Schedule(from: d) } }
        let schedule: Schedule, base: Double, lrs: [Double]
    }

    /// Each schedule, stepped once per epoch, gives the rates PyTorch's schedulers give —
    /// including cosine annealing past T_max, which PyTorch continues as a cosine.
    @Test func schedulesMatchPyTorch() throws {
        let file = try Self.file.get()
        let cases = try JSONDecoder().decode([ScheduleCase].self, from: Data(try #require(file.metadata["schedules"]).utf8))
        #expect(cases.count == 7)
        for c in cases {
            let schedule = c.schedule.value
            try schedule.validate()
            for (epoch, expected) in c.lrs.enumerated() {
                let rate = schedule.rate(epoch: epoch, base: c.base)
                #expect(abs(rate - expected) <= 1e-12 * c.base, "\(schedule) epoch \(epoch): \(rate) vs PyTorch \(expected)")
            }
        }
    }

    struct OrthogonalCase: Decodable { let key: String, n: Int }

    /// The orthogonal factor of a Gaussian matrix, with the signs `torch.nn.init.orthogonal_` fixes.
    @Test func orthogonalMatchesPyTorch() throws {
        let file = try Self.file.get()
        let cases = try JSONDecoder().decode([OrthogonalCase].self, from: Data(try #require(file.metadata["orthogonal"]).utf8))
        for c in cases {
            let a: Tensor<Double> = try file.tensor(c.key + "/gaussian")
            let q = try Tensor(shape: [c.n, c.n], scalars: orthogonalFactor(of: a.scalars, n: c.n))
            expectClose(q, try file.tensor(c.key + "/q"), tolerance: 1e-12, "orthogonal n = \(c.n)")
        }
    }
}
