/// The arithmetic operators exporters put around a GRU: Add, Sub, Mul and Div with numpy
/// broadcasting (FLOAT, DOUBLE, INT32, INT64); MatMul (numpy's matmul, batch axes broadcast)
/// and Gemm; Sigmoid, Tanh and Relu; Softmax (over one axis from opset 13, over the flattened
/// trailing axes before it); Range.
extension ONNXOperator {
    static let mathOperators: [String: ONNXOperator] = [
        "Add": ONNXOperator { [try elementwise($0, .add)] },
        "Sub": ONNXOperator { [try elementwise($0, .subtract)] },
        "Mul": ONNXOperator { [try elementwise($0, .multiply)] },
        "Div": ONNXOperator { [try elementwise($0, .divide)] },
        "Sigmoid": ONNXOperator { [try unary($0, .sigmoid)] },
        "Tanh": ONNXOperator { [try unary($0, .tanh)] },
        "Relu": ONNXOperator { [try unary($0, .relu)] },
        "Softmax": ONNXOperator(["axis"], softmax),
        "MatMul": ONNXOperator(matmul),
        "Gemm": ONNXOperator(["alpha", "beta", "transA", "transB"], gemm),
        "Range": ONNXOperator(range),
    ]

    /// Range (opset 11): `start + i · delta` for i in 0 ..< max(⌈(limit − start) / delta⌉, 0),
    /// from three scalars of one type.
    static func range(_ c: ONNXNodeContext) throws -> [ONNXTensor] {
        let start = try c.input(0, "start"), limit = try c.input(1, "limit"), delta = try c.input(2, "delta")
        for (t, name) in [(start, "start"), (limit, "limit"), (delta, "delta")] where t.rank != 0 {
            throw c.fail("\(name) must be a scalar, got shape \(t.shape)")
        }
        func checked(_ n: Double) throws -> Int {
            guard n <= Double(maximumShapedElementCount) else { throw c.fail("the range has more than \(maximumShapedElementCount) elements") }
            return Int(max(n, 0))
        }
        func count<T: BinaryFloatingPoint>(_ s: T, _ l: T, _ d: T) throws -> Int {
            guard d != 0, s.isFinite, l.isFinite, d.isFinite else { throw c.fail("start \(s), limit \(l) and delta \(d) make no finite range") }
            return try checked(Double(((l - s) / d).rounded(.up)))
        }
        func count<T: FixedWidthInteger>(_ s: T, _ l: T, _ d: T) throws -> Int {
            guard d != 0 else { throw c.fail("delta is 0") }
            let (difference, overflow) = l.subtractingReportingOverflow(s)
            guard !overflow else { throw c.fail("the range has more than \(maximumShapedElementCount) elements") }
            var q = difference / d
            let r = difference % d
            if r != 0, (r > 0) == (d > 0) { q += 1 }  // rounded up
            return try checked(Double(q))
        }
        let out: Elements
        switch (start.elements, limit.elements, delta.elements) {
        case let (.float(s), .float(l), .float(d)): out = .float((0..<(try count(s[0], l[0], d[0]))).map { s[0] + Float($0) * d[0] })
        case let (.double(s), .double(l), .double(d)): out = .double((0..<(try count(s[0], l[0], d[0]))).map { s[0] + Double($0) * d[0] })
        case let (.int32(s), .int32(l), .int32(d)): out = .int32((0..<(try count(s[0], l[0], d[0]))).map { s[0] &+ Int32(truncatingIfNeeded: $0) &* d[0] })
        case let (.int64(s), .int64(l), .int64(d)): out = .int64((0..<(try count(s[0], l[0], d[0]))).map { s[0] &+ Int64($0) &* d[0] })
        default:
            throw c.fail("start, limit and delta must have one type, got \(start.typeDescription), \(limit.typeDescription) and \(delta.typeDescription)")
        }
        return [ONNXTensor(unchecked: [out.count], out)]
    }

    enum Binary {
        case add, subtract, multiply, divide

        func apply<T: FloatingPoint>(_ a: T, _ b: T) -> T {
            switch self {
            case .add: a + b
            case .subtract: a - b
            case .multiply: a * b
            case .divide: a / b
            }
        }

        /// Integer arithmetic wraps on overflow and truncates division, as ONNX Runtime computes it.
        func apply<T: FixedWidthInteger>(_ a: T, _ b: T, _ c: ONNXNodeContext) throws -> T {
            switch self {
            case .add: return a &+ b
            case .subtract: return a &- b
            case .multiply: return a &* b
            case .divide:
                guard b != 0 else { throw c.fail("integer division by zero") }
                return a.dividedReportingOverflow(by: b).partialValue
            }
        }
    }

    static func elementwise(_ c: ONNXNodeContext, _ op: Binary) throws -> ONNXTensor {
        let a = try c.input(0, "A"), b = try c.input(1, "B")
        guard let shape = ONNXIndexing.broadcast(a.shape, b.shape) else {
            throw c.fail("shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        _ = try checkedCount(shape, c)
        let ia = ONNXIndexing.broadcastSources(of: a.shape, to: shape), ib = ONNXIndexing.broadcastSources(of: b.shape, to: shape)
        switch (a.elements, b.elements) {
        case let (.float(x), .float(y)): return ONNXTensor(unchecked: shape, .float(zip(ia, ib).map { op.apply(x[$0], y[$1]) }))
        case let (.double(x), .double(y)): return ONNXTensor(unchecked: shape, .double(zip(ia, ib).map { op.apply(x[$0], y[$1]) }))
        case let (.int32(x), .int32(y)): return ONNXTensor(unchecked: shape, .int32(try zip(ia, ib).map { try op.apply(x[$0], y[$1], c) }))
        case let (.int64(x), .int64(y)): return ONNXTensor(unchecked: shape, .int64(try zip(ia, ib).map { try op.apply(x[$0], y[$1], c) }))
        default: throw c.fail("inputs of different types: \(a.typeDescription) and \(b.typeDescription)")
        }
    }

    enum Unary {
        case sigmoid, tanh, relu

        func apply<S: GRUScalar>(_ x: S) -> S {
            switch self {
            case .sigmoid: S.sigmoid(x)
            case .tanh: S.tanh(x)
            case .relu: x > 0 ? x : 0
            }
        }
    }

    static func unary(_ c: ONNXNodeContext, _ op: Unary) throws -> ONNXTensor {
        let x = try c.input(0, "X")
        switch x.elements {
        case let .float(v): return ONNXTensor(unchecked: x.shape, .float(v.map(op.apply)))
        case let .double(v): return ONNXTensor(unchecked: x.shape, .double(v.map(op.apply)))
        default: throw c.fail("input must be FLOAT or DOUBLE, got \(x.typeDescription)")
        }
    }

    static func softmax(_ c: ONNXNodeContext) throws -> [ONNXTensor] {
        let x = try c.input(0, "input")
        guard x.rank >= 1 else { throw c.fail("input must have rank ≥ 1, got a scalar") }
        let axis = try c.axis(try c.int("axis", default: c.opset < 13 ? 1 : -1), rank: x.rank, "axis")
        // Before opset 13, softmax runs over the flattened axes axis..<rank; from 13, over `axis` alone.
        let (outer, extent, inner) = c.opset < 13
            ? (x.shape[..<axis].reduce(1, *), x.shape[axis...].reduce(1, *), 1)
            : (x.shape[..<axis].reduce(1, *), x.shape[axis], x.shape[(axis + 1)...].reduce(1, *))
        func run<S: GRUScalar>(_ v: [S]) -> [S] {
            var y = v
            for o in 0..<outer {
                for i in 0..<inner {
                    let at = { (k: Int) in (o * extent + k) * inner + i }
                    var top = -S.infinity
                    for k in 0..<extent { top = max(top, v[at(k)]) }
                    var sum: S = 0
                    for k in 0..<extent { y[at(k)] = S.exp(v[at(k)] - top); sum += y[at(k)] }
                    for k in 0..<extent { y[at(k)] /= sum }
                }
            }
            return y
        }
        switch x.elements {
        case let .float(v): return [ONNXTensor(unchecked: x.shape, .float(run(v)))]
        case let .double(v): return [ONNXTensor(unchecked: x.shape, .double(run(v)))]
        default: throw c.fail("input must be FLOAT or DOUBLE, got \(x.typeDescription)")
        }
    }

    /// numpy's matmul: 1-D operands are promoted (and the added axis removed), batch axes broadcast.
    static func matmul(_ c: ONNXNodeContext) throws -> [ONNXTensor] {
        let a = try c.input(0, "A"), b = try c.input(1, "B")
        guard a.rank >= 1, b.rank >= 1 else { throw c.fail("inputs must have rank ≥ 1, got \(a.shape) and \(b.shape)") }
        let sa = a.rank == 1 ? [1] + a.shape : a.shape, sb = b.rank == 1 ? b.shape + [1] : b.shape
        let (m, k, n) = (sa[sa.count - 2], sa[sa.count - 1], sb[sb.count - 1])
        guard sb[sb.count - 2] == k else { throw c.fail("cannot multiply \(a.shape) by \(b.shape): inner extents \(k) and \(sb[sb.count - 2]) differ") }
        guard let batch = ONNXIndexing.broadcast(Array(sa.dropLast(2)), Array(sb.dropLast(2))) else {
            throw c.fail("batch axes of \(a.shape) and \(b.shape) do not broadcast")
        }
        var shape = batch + [m, n]
        _ = try checkedCount(shape, c)
        let batches = batch.reduce(1, *)
        let ba = ONNXIndexing.broadcastSources(of: Array(sa.dropLast(2)), to: batch)
        let bb = ONNXIndexing.broadcastSources(of: Array(sb.dropLast(2)), to: batch)
        func run<S: GRUScalar>(_ x: [S], _ y: [S]) -> [S] {
            var out = [S](repeating: 0, count: batches * m * n)
            for i in 0..<batches where k > 0 {
                Kernels.gemm(.none, .none, m: m, n: n, k: k, x, ba[i] * m * k, lda: k, y, bb[i] * k * n, ldb: n,
                             into: &out, i * m * n, ldc: n, accumulate: false)
            }
            return out
        }
        if a.rank == 1 { shape.remove(at: shape.count - 2) }
        if b.rank == 1 { shape.removeLast() }
        switch (a.elements, b.elements) {
        case let (.float(x), .float(y)): return [ONNXTensor(unchecked: shape, .float(run(x, y)))]
        case let (.double(x), .double(y)): return [ONNXTensor(unchecked: shape, .double(run(x, y)))]
        default: throw c.fail("inputs must both be FLOAT or both DOUBLE, got \(a.typeDescription) and \(b.typeDescription)")
        }
    }

    /// Y = alpha · op(A) · op(B) + beta · C, with C broadcast to (M, N).
    static func gemm(_ c: ONNXNodeContext) throws -> [ONNXTensor] {
        let a = try c.input(0, "A"), b = try c.input(1, "B"), bias = c.optionalInput(2)
        guard a.rank == 2, b.rank == 2 else { throw c.fail("A and B must be 2-D, got \(a.shape) and \(b.shape)") }
        let ta = try c.int("transA", default: 0) != 0, tb = try c.int("transB", default: 0) != 0
        let alpha = try c.float("alpha") ?? 1, beta = try c.float("beta") ?? 1
        let (m, k) = ta ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (kb, n) = tb ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == kb else { throw c.fail("cannot multiply op(A) (\(m), \(k)) by op(B) (\(kb), \(n))") }
        let sources: [Int]?
        if let bias {
            guard bias.rank <= 2, ONNXIndexing.broadcast(bias.shape, [m, n]) == [m, n] else {
                throw c.fail("C has shape \(bias.shape), which does not broadcast to (M, N) = [\(m), \(n)]")
            }
            sources = ONNXIndexing.broadcastSources(of: bias.shape, to: [m, n])
        } else {
            sources = nil
        }
        _ = try checkedCount([m, n], c)
        func run<S: GRUScalar>(_ x: [S], _ y: [S], _ z: [S]?) -> [S] {
            var out = [S](repeating: 0, count: m * n)
            if k > 0 {
                Kernels.gemm(ta ? .transposed : .none, tb ? .transposed : .none, m: m, n: n, k: k, x, 0, lda: a.shape[1],
                             y, 0, ldb: b.shape[1], into: &out, 0, ldc: n, accumulate: false)
            }
            let (sa, sb) = (S(alpha), S(beta))
            for i in out.indices { out[i] = sa * out[i] + (z.map { sb * $0[sources![i]] } ?? 0) }
            return out
        }
        switch (a.elements, b.elements, bias?.elements) {
        case let (.float(x), .float(y), nil): return [ONNXTensor(unchecked: [m, n], .float(run(x, y, nil)))]
        case let (.float(x), .float(y), .float(z)?): return [ONNXTensor(unchecked: [m, n], .float(run(x, y, z)))]
        case let (.double(x), .double(y), nil): return [ONNXTensor(unchecked: [m, n], .double(run(x, y, nil)))]
        case let (.double(x), .double(y), .double(z)?): return [ONNXTensor(unchecked: [m, n], .double(run(x, y, z)))]
        default:
            throw c.fail("A, B and C must all be FLOAT or all DOUBLE, got \(([a, b] + (bias.map { [$0] } ?? [])).map(\.typeDescription).joined(separator: ", "))")
        }
    }
}
