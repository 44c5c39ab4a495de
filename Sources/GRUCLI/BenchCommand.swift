import ArgumentParser
import Foundation
import GRUKit

/// `gru bench`: time the standard workloads and report median time and GFLOP/s.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time GRU inference and training steps on the standard configurations.",
        discussion: """
            Configurations: A1 (I 2, H 16, T 16, N 1, Linear(16→1) + sigmoid at every step), A64 (the same, N 64), \
            B (I 64, H 256, T 100, N 64), C (I 128, H 512, T 50, N 32), D (I 32, H 128, T 1000, N 1), \
            E (2 layers, bidirectional, I 64, H 256, T 100, N 64). Modes: infer (forward) and train \
            (forward, BPTT, SGD; BCE on the head for A, MSE on every step's output otherwise). \
            Build with -c release. scripts/bench_frameworks.py runs PyTorch and ONNX Runtime on the \
            same workloads in the same run and prints ratios.
            """)

    @Option(help: ArgumentHelp("Configurations to run, comma-separated (A1,A64,B,C,D,E).", valueName: "names"))
    var config = "A1,A64,B,C,D,E"
    @Option(help: ArgumentHelp("Modes to run, comma-separated (infer,train).", valueName: "modes"))
    var mode = "infer,train"
    @Option(help: ArgumentHelp("Thread counts to run, comma-separated.", valueName: "counts"))
    var threads = "1"
    @Option(help: "Minimum seconds of timed runs per workload.") var seconds = 1.0
    @Option(help: "Minimum timed runs per workload.") var repetitions = 5
    @Flag(help: "Print one JSON object per line instead of a table.") var json = false

    func selected() throws -> (configs: [BenchmarkConfiguration], modes: [BenchmarkMode], threads: [Int]) {
        let names = config.split(separator: ",").map(String.init)
        let configs = try names.map { name in
            guard let c = BenchmarkConfiguration.standard.first(where: { $0.name == name }) else {
                throw ValidationError("--config: unknown configuration '\(name)'; choose from A1, A64, B, C, D, E")
            }
            return c
        }
        let modes = try mode.split(separator: ",").map { m in
            guard let mode = BenchmarkMode(rawValue: String(m)) else { throw ValidationError("--mode: unknown mode '\(m)'; choose infer or train") }
            return mode
        }
        let counts = try threads.split(separator: ",").map { t in
            guard let n = Int(t), n >= 1 else { throw ValidationError("--threads: '\(t)' is not a thread count (1 or more)") }
            return n
        }
        return (configs, modes, counts)
    }

    func validate() throws {
        _ = try selected()
        guard seconds.isFinite, seconds >= 0 else { throw ValidationError("--seconds must be ≥ 0 (got \(seconds))") }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1 (got \(repetitions))") }
    }

    func run() throws {
        let (configs, modes, threadCounts) = try selected()
        let kernels = KernelInfo.current
        if json {
            print(#"{"kernels":"\#(kernels.name)","fma_peak_gflops":\#(String(format: "%.1f", kernels.peak))}"#)
        } else {
            print("kernels: \(kernels.name); one core's FMA peak, measured now: \(String(format: "%.0f", kernels.peak)) GFLOP/s")
            print(pad("config", 8) + pad("mode", 7) + pad("threads", 8, right: true) + pad("median ms", 12, right: true)
                  + pad("GFLOP/s", 10, right: true) + pad("% peak", 8, right: true) + pad("runs", 7, right: true))
        }
        for c in configs {
            for m in modes {
                for t in threadCounts {
                    let team = try ComputeThreads(t)  // for one thread too: it keeps the scratch memory
                    var workload = try BenchmarkWorkload(c, mode: m, threads: team)
                    let before = residentMegabytes("VmRSS")
                    let times = try time(&workload)
                    let median = times.sorted()[times.count / 2]
                    let gflops = c.flops(training: m == .train) / median / 1e9
                    if json {
                        let memory = before.map { #","rss_before_mb":\#(String(format: "%.1f", $0)),"peak_rss_mb":\#(String(format: "%.1f", residentMegabytes("VmHWM") ?? 0))"# } ?? ""
                        print(#"{"config":"\#(c.name)","mode":"\#(m.rawValue)","threads":\#(t),"median_ms":\#(String(format: "%.6f", median * 1e3)),"gflops":\#(String(format: "%.3f", gflops)),"runs":\#(times.count)\#(memory)}"#)
                    } else {
                        let percent = kernels.peak > 0 ? String(format: "%.0f", 100 * gflops / (kernels.peak * Double(t))) : "—"
                        print(pad(c.name, 8) + pad(m.rawValue, 7) + pad("\(t)", 8, right: true)
                              + pad(String(format: "%.4f", median * 1e3), 12, right: true)
                              + pad(String(format: "%.2f", gflops), 10, right: true) + pad(percent, 8, right: true)
                              + pad("\(times.count)", 7, right: true))
                    }
                    fflush(nil)
                }
            }
        }
    }

    /// A memory figure of this process from /proc/self/status (VmRSS: now; VmHWM: the peak so
    /// far), in MiB; `nil` where /proc does not exist.
    private func residentMegabytes(_ field: String) -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kilobytes / 1024
    }

    /// Wall-clock seconds of each timed run, after one untimed warm-up run.
    private func time(_ workload: inout BenchmarkWorkload) throws -> [Double] {
        try workload.run()
        var times: [Double] = []
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(seconds))
        while times.count < repetitions || clock.now < deadline {
            let start = clock.now
            try workload.run()
            let d = start.duration(to: clock.now)
            times.append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
        }
        return times
    }
}
