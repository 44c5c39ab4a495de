import ArgumentParser
import Foundation
import GRUKit

/// How `gru train` shows its progress.
enum ProgressStyle: String, CaseIterable, ExpressibleByArgument {
    /// A bar when standard error is a terminal, plain lines otherwise.
    case auto
    /// A bar redrawn in place on standard error.
    case bar
    /// A plain line every few seconds on standard output.
    case lines
    /// Epoch summaries only.
    case none
}

/// Shows training progress: a bar on a terminal (epoch, step, loss, samples per second, ETA),
/// plain periodic lines otherwise, and one summary line per epoch on standard output.
final class ProgressReporter {
    private let style: ProgressStyle
    private let interval: TimeInterval
    private var lastDraw = Date.distantPast
    private var drewBar = false
    private let runStart = Date()
    private var stepsDone = 0, stepsAtStart: Int

    /// - Parameters:
    ///   - style: the requested style; `auto` picks by whether standard error is a terminal.
    ///   - interval: seconds between plain lines.
    ///   - startStep: the optimizer steps already taken (a resumed run).
    init(_ style: ProgressStyle, interval: TimeInterval = 5, startStep: Int = 0) {
        self.style = style == .auto ? (isatty(STDERR_FILENO) == 1 ? .bar : .lines) : style
        self.interval = interval
        stepsAtStart = startStep
    }

    /// Skipped steps reported one by one, at most this many in a run (then only counted).
    private let skipNoticeLimit = 10
    private var skipNotices = 0

    /// After each step.
    func step(_ p: StepProgress) {
        if let skipped = p.skipped {
            skipNotices += 1
            guard skipNotices <= skipNoticeLimit else { return }
            let more = skipNotices == skipNoticeLimit ? " (further skipped steps are counted in the epoch lines)" : ""
            clearBar()
            FileHandle.standardError.write(Data("warning: skipped the step at \(skipped)\(more)\n".utf8))
            return
        }
        stepsDone = p.step - stepsAtStart
        let now = Date()
        let speed = p.seconds > 0 ? Double(p.samples) / p.seconds : 0
        // ETA: the run's average seconds per step so far times the steps left.
        let perStep = now.timeIntervalSince(runStart) / Double(max(stepsDone, 1))
        let left = (p.epochs - p.epoch) * p.batches + (p.batches - p.batch)
        let eta = duration(perStep * Double(left))
        switch style {
        case .bar:
            guard now.timeIntervalSince(lastDraw) >= 0.1 || p.batch == p.batches else { return }
            lastDraw = now
            let width = 24, filled = width * p.batch / p.batches
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            let line = "epoch \(p.epoch)/\(p.epochs) \(bar) \(p.batch)/\(p.batches)  step \(p.step)  loss \(number(p.meanLoss))  "
                + "\(Int(speed.rounded())) samples/s  ETA \(eta)"
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
            drewBar = true
        case .lines:
            guard now.timeIntervalSince(lastDraw) >= interval, p.batch < p.batches else { return }
            if lastDraw == .distantPast { lastDraw = now; return }  // no line for the first step
            lastDraw = now
            print("epoch \(p.epoch)/\(p.epochs) step \(p.batch)/\(p.batches) (\(p.step) in all): loss \(number(p.meanLoss)), "
                  + "\(Int(speed.rounded())) samples/s, ETA \(eta)")
            fflush(nil)
        case .none, .auto:
            return
        }
    }

    /// Removes the bar, if one is drawn.
    private func clearBar() {
        if drewBar { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        drewBar = false
    }

    /// When the run stops with an error: the bar gives way to the error line.
    func interrupted() {
        clearBar()
    }

    /// After each epoch: one summary line.
    func epoch(_ r: EpochRecord, of epochs: Int, note: String) {
        clearBar()
        var line = "epoch \(r.epoch)/\(epochs)  train loss \(number(r.trainingLoss))"
        if let v = r.validationLoss { line += "  validation loss \(number(v))" }
        line += "  lr \(number(r.learningRate))  \(String(format: "%.2f", r.seconds)) s"
        print(line + (note.isEmpty ? "" : "  " + note))
        fflush(nil)
        lastDraw = style == .lines ? Date() : .distantPast
    }

    private func number(_ x: Double) -> String { String(format: x != 0 && (abs(x) < 1e-3 || abs(x) >= 1e6) ? "%.3e" : "%.5f", x) }

    private func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
