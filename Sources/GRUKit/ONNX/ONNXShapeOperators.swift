/// The operators that move, select or make elements without arithmetic — what exporters put
/// around a GRU: Constant, ConstantOfShape, Identity, Cast, Shape, Reshape, Transpose,
/// Squeeze, Unsqueeze, Concat, Slice, Gather, Expand. Semantics as the ONNX operator
/// documentation gives them, for opsets 7 and later (Squeeze and Unsqueeze take `axes` as an
/// attribute before opset 13 and as an input from it; Slice likewise before and from opset 10).
extension ONNXOperator {
    static let shapeOperators: [String: ONNXOperator] = [
        "Constant": ONNXOperator(["value", "value_float", "value_floats", "value_int", "value_ints", "value_string", "value_strings", "sparse_value"], constant),
        "ConstantOfShape": ONNXOperator(["value"], constantOfShape),
        "Identity": ONNXOperator { [try $0.input(0, "input")] },
        "Cast": ONNXOperator(["to", "saturate", "round_mode"], cast),
        "Shape": ONNXOperator(["start", "end"], shape),
        "Reshape": ONNXOperator(["allowzero"], reshape),
        "Transpose": ONNXOperator(["perm"], transpose),
        "Squeeze": ONNXOperator(["axes"], squeeze),
        "Unsqueeze": ONNXOperator(["axes"], unsqueeze),
        "Concat": ONNXOperator(["axis"], concat),
        "Slice": ONNXOperator(["starts", "ends", "axes"], slice),
        "Gather": ONNXOperator(["axis"], gather),
        "Expand": ONNXOperator(expand),
    ]

    /// The largest number of elements an operator may create (2^30), so that a model cannot
    /// make the runner allocate without bound.
    static let maximumElementCount = 1 << 30

    /// The largest number of elements of a tensor made from a shape *value* (2^26, 256 MiB of
    /// FLOAT): ConstantOfShape's, Expand's and Range's outputs, whose size a few bytes of a model set,
    /// unlike other operators' outputs, which follow from tensors that exist. (A GRU's
    /// initial state or a mask is far smaller; the onnx fuzzer found a 7 kB model asking for
    /// 170 million elements.)
    static let maximumShapedElementCount = 1 << 26

    /// Throws unless `shape` is valid and holds at most `limit` elements.
    static func checkedCount(_ shape: [Int], _ c: ONNXNodeContext, limit: Int = maximumElementCount) throws -> Int {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw c.fail("shape \(shape) has a negative extent") }
        guard let count = ONNXIndexing.count(shape), count <= limit else {
            throw c.fail("shape \(shape) has more than \(limit) elements")
        }
        return count
    }

    /// Integer shape values as `Int` extents.
    static func extents(_ values: [Int64], _ c: ONNXNodeContext, _ what: String) throws -> [Int] {
        try values.map { v in
            guard v >= 0, let e = Int(exactly: v) else { throw c.fail("\(what) \(values) has a negative extent") }
            return e
        }
    }

    static func constant(_ c: ONNXNodeContext) throws -> [ONNXTensor] {
        let given = c.node.attributes.map(\.name)
        guard given.count == 1 else { throw c.fail("expected exactly one value attribute, got \(given.isEmpty ? "none" : given.joined(separator: ", "))") }
        // The attribute is there (it is the node's only one), so the accessors return a value
        // or throw; `missing` keeps an unexpected nil from being a trap.
        let missing = c.badAttribute(given[0], "has no value")
        switch given[0] {
        case "value": guard let t = try c.tensor("value") else { throw missing }; return [t]
        case "value_float": guard let f = try c.float("value_float") else { throw missing }; return [ONNXTensor(unchecked: [], .float([f]))]
        case "value_floats": guard let v = try c.floats("value_floats") else { throw missing }; return [ONNXTensor(unchecked: [v.count], .float(v))]
        case "value_int": guard let i = try c.int("value_int") else { throw missing }; return [ONNXTensor(unchecked: [], .int64([i]))]
        case "value_ints": guard let v = try c.ints("value_ints") else { throw missing }; return [ONNXTensor(unchecked: [v.count], .int64(v))]
        default: throw c.badAttribute(given[0], "is not supported: the runner has no string or sparse tensors")
        }
    }

    static func constantOfShape(_ c: ONNXNodeContext) throws -> [ONNXTensor] {
        let shape = try extents(c.integerList(0, "input"), c, "shape")
        let count = try checkedCount(shape, c, limit: maximumShapedElementCount)
        let value = try c.tensor("value") ?? ONNXTensor(unchecked: [1], .float([0]))
        guard value.count == 1 else { throw c.badAttribute("value", "must hold one element, holds \(value.count)") }
        let elements: Elements = switch value.elements {  // filled directly, without an index per element
        case let .float(v): .float([Float](repeating: v[0], count: count))
        case let .double(v): .double([Double](repeating: v[0], count: count))
        case let .int32(v): .int32([Int32](repeating: v[0], count: count))
        case let .int64(v): .int64([Int64](repeating: v[0], count: count))
        }
        return [ONNXTensor(unchecked: shape, elements)]
    }

    static func cast(_ c: ONNXNodeContext) throws -> [ONNXTensor] {
        let x = try c.input(0, "input")
        guard let code = try c.int("to") else { throw c.fail("attribute \"to\" is required") }
        guard let code32 = Int32(exactly: code), let to = ONNXDataType(rawValue: code32) else {
            throw c.badAttribute("to", "is \(ONNXDataType.name(of: Int32(clamping: code))); the runner casts to \(ONNXDataType.supportedNames)")
        }
        func integers<I: FixedWidthInteger>(_ doubles: [Double], _: I.Type) throws -> [I] {
            try doubles.map { d in
                guard let i = I(exactly: d.rounded(.towardZero)) else { throw c.fail("cannot cast \(d) to \(to.name): out of range") }
                return i
            }
        }
        let doubles: [Double]
        switch x.elements {
        case let .float(v): doubles = v.map(Double.init)
        case let .double(v): doubles = v
        case let .int32(v):
            if to == .int64 { return [ONNXTensor(unchecked: x.shape, .int64(v.map(Int64.init)))] }
            doubles = v.map(Double.init)
        case let .int64(v):
            if to == .int64 { return [x] }
            if to == .int32 {
                return [ONNXTensor(unchecked: x.shape, .int32(try v.map { i in
                    guard let n = Int32(exactly: i) else { throw c.fail("cannot cast \(i) to INT32: out of range") }
                    return n
                }))]
            }
            doubles = v.map(Double.init)
        }
        switch to {
        case .float: return [ONNXTensor(unchecked: x.shape, .float(doubles.map(Float.init)))]
        case .double: return [ONNXTensor(unchecked: x.shape, .double(doubles))]
        case .int32: return [ONNXTensor(unchecked: x.shape, .int32(try integers(doubles, Int32.self)))]
        case .int64: return [ONNXTensor(unchecked: x.shape, .int64(try integers(doubles, Int64.self)))]
        }
    }

    static func shape(_ c: ONNXNodeContext) throws -> [ONNXTensor] {
        let dims = try c.input(0, "data").shape
        let rank = Int64(dims.count)
        func clamp(_ v: Int64) -> Int { Int(min(max(v < 0 ? v + rank : v, 0), rank)) }
        let start = clamp(try c.int("start", default: 0)), end = clamp(try c.int("end", default: rank))
        let picked = start < end ? Array(dims[start..<end]) : []
        return [ONNXTensor(unchecked: [picked.count], .int64(picked.map(Int64.init)))]
    }

    static func reshape(_ c: ONNXNodeContext) throws -> [ONNXTensor] {
        let x = try c.input(0, "data")
        let requested = try c.integerList(1, "shape")
        let allowZero = try c.int("allowzero", default: 0) != 0
        var shape: [Int] = []
        var inferred: Int?
        for (axis, v) in requested.enumerated() {
            switch v {
            case -1:
                guard inferred == nil else { throw c.fail("shape \(requested) has more than one -1") }
                inferred = axis
                shape.append(1)
            case 0 where !allowZero:
                guard axis < x.rank else { throw c.fail("shape \(requested) copies axis \(axis) (0), but the data has rank \(x.rank)") }
                shape.append(x.shape[axis])
            default:
                guard v >= 0, let e = Int(exactly: v) else { throw c.fail("shape \(requested) has a negative extent other than -1") }
                shape.append(e)
            }
        }
        guard let known = ONNXIndexing.count(shape) else { throw c.fail("shape \(requested) has too many elements") }
        if let axis = inferred {
            guard known > 0, x.count % known == 0 else {
                throw c.fail("cannot reshape \(x.shape) (\(x.count) elements) to \(requested)")
            }
            shape[axis] = x.count / known
        }
        guard ONNXIndexing.count(shape) == x.count else {
            throw c.fail("cannot reshape \(x.shape) (\(x.count) elements) to \(requested)")
        }
        return [x.reshaped(shape)]
    }

    static func transpose(_ c: ONNXNodeContext) throws -> [ONNXTensor] {
        let x = try c.input(0, "data")
        let perm = try c.ints("perm")?.map { Int(clamping: $0) } ?? Array(x.shape.indices.reversed())
        guard perm.sorted() == Array(x.shape.indices) else {
            throw c.badAttribute("perm", "is \(perm), not a permutation of the \(x.rank) axes of \(x.shape)")
        }
        let shape = perm.map { x.shape[$0] }
        // Moving only axes of extent 1 keeps the element order (as [T, 1, N, H] → [T, N, 1, H]).
        let moved = perm.filter { x.shape[$0] != 1 }
        if moved == moved.sorted() { return [x.reshaped(shape)] }
        let strides = ONNXIndexing.strides(x.shape)
        return [ONNXTensor(unchecked: shape, x.elements.picking(ONNXIndexing.offsets(shape: shape, strides: perm.map { strides[$0] })))]
    }

    /// `axes` from the attribute (before opset 13) or the optional input 1 (from 13).
    static func axesArgument(_ c: ONNXNodeContext) throws -> [Int64]? {
        if c.opset < 13 { return try c.ints("axes") }
        if c.node.attributes.contains(where: { $0.name == "axes" }) {
            throw c.badAttribute("axes", "is an input, not an attribute, from opset 13 (the model imports opset \(c.opset))")
        }
        return c.optionalInput(1) == nil ? nil : try c.integerList(1, "axes")
    }

    static func squeeze(_ c: ONNXNodeContext) throws -> [ONNXTensor] {
        let x = try c.input(0, "data")
        let axes: Set<Int>
        if let given = try axesArgument(c) {
            axes = Set(try given.map { try c.axis($0, rank: x.rank, "axis") })
            if let bad = axes.sorted().first(where: { x.shape[$0] != 1 }) {
                throw c.fail("cannot squeeze axis \(bad) of shape \(x.shape): its extent is not 1")
            }
        } else {
            axes = Set(x.shape.indices.filter { x.shape[$0] == 1 })
        }
        return [x.reshaped(x.shape.indices.filter { !axes.contains($0) }.map { x.shape[$0] })]
    }

    static func unsqueeze(_ c: ONNXNodeContext) throws -> [ONNXTensor] {
        let x = try c.input(0, "data")
        guard let given = try axesArgument(c) else { throw c.fail("axes are required") }
        let rank = x.rank + given.count
        let axes = try given.map { try c.axis($0, rank: rank, "axis") }
        guard Set(axes).count == axes.count else { throw c.fail("axes \(given) repeat an axis") }
        var shape: [Int] = []
        var rest = x.shape[...]
        for axis in 0..<rank { shape.append(axes.contains(axis) ? 1 : rest.popFirst()!) }
        return [x.reshaped(shape)]
    }

    static func concat(_ c: ONNXNodeContext) throws -> [ONNXTensor] {
        let parts = try c.node.inputs.indices.map { try c.input($0, "inputs[\($0)]") }
        guard let first = parts.first else { throw c.fail("needs at least one input") }
        guard let given = try c.int("axis") else { throw c.fail("attribute \"axis\" is required") }
        let axis = try c.axis(given, rank: first.rank, "axis")
        for (i, p) in parts.enumerated() {
            guard p.dataType == first.dataType else { throw c.fail("input \(i) is \(p.typeDescription), input 0 is \(first.typeDescription)") }
            guard p.rank == first.rank, p.shape.indices.allSatisfy({ $0 == axis || p.shape[$0] == first.shape[$0] }) else {
                throw c.fail("input \(i) has shape \(p.shape), which cannot join \(first.shape) along axis \(axis)")
            }
        }
        let outer = first.shape[..<axis].reduce(1, *)
        let total = parts.reduce(0) { $0 + $1.shape[axis] }
        var shape = first.shape
        shape[axis] = total
        // Walk the joined elements block by block: for each outer index, each part's slab.
        var indices: [Int] = []
        indices.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        let bases = parts.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        for o in 0..<outer {
            for (k, p) in parts.enumerated() {
                let slab = p.count / max(outer, 1)
                indices.append(contentsOf: (bases[k] + o * slab)..<(bases[k] + (o + 1) * slab))
            }
        }
        return [ONNXTensor(unchecked: shape, Elements.joining(parts.map(\.elements))!.picking(indices))]
    }

    static func slice(_ c: ONNXNodeContext) throws -> [ONNXTensor] {
        let x = try c.input(0, "data")
        let starts, ends: [Int64]
        var axesGiven: [Int64]?, steps: [Int64]?
        if c.opset < 10 {
            guard let s = try c.ints("starts"), let e = try c.ints("ends") else { throw c.fail("attributes \"starts\" and \"ends\" are required") }
            (starts, ends, axesGiven) = (s, e, try c.ints("axes"))
        } else {
            starts = try c.integerList(1, "starts")
            ends = try c.integerList(2, "ends")
            axesGiven = c.optionalInput(3) == nil ? nil : try c.integerList(3, "axes")
            steps = c.optionalInput(4) == nil ? nil : try c.integerList(4, "steps")
        }
        let axes = try (axesGiven ?? starts.indices.map(Int64.init)).map { try c.axis($0, rank: x.rank, "axis") }
        let stepValues = steps ?? [Int64](repeating: 1, count: starts.count)
        guard ends.count == starts.count, axes.count == starts.count, stepValues.count == starts.count else {
            throw c.fail("starts, ends, axes and steps have \(starts.count), \(ends.count), \(axes.count) and \(stepValues.count) entries")
        }
        guard Set(axes).count == axes.count else { throw c.fail("axes \(axes) repeat an axis") }
        var begin = [Int](repeating: 0, count: x.rank), step = [Int](repeating: 1, count: x.rank), shape = x.shape
        for (i, axis) in axes.enumerated() {
            let dim = Int64(x.shape[axis]), s = stepValues[i]
            guard s != 0 else { throw c.fail("step \(i) is 0") }
            var start = starts[i] < 0 ? starts[i] &+ dim : starts[i]
            var end = ends[i] < 0 ? ends[i] &+ dim : ends[i]
            if s > 0 {
                (start, end) = (min(max(start, 0), dim), min(max(end, 0), dim))
            } else {
                (start, end) = (min(max(start, 0), dim - 1), min(max(end, -1), dim - 1))
            }
            let span = s > 0 ? end - start : start - end, magnitude = s > 0 ? s : (s == .min ? .max : -s)
            shape[axis] = span <= 0 ? 0 : Int((span - 1) / magnitude + 1)
            begin[axis] = shape[axis] == 0 ? 0 : Int(start)
            step[axis] = shape[axis] <= 1 ? 1 : Int(s)  // |s| < dim when two or more elements are taken
        }
        let strides = ONNXIndexing.strides(x.shape)
        let base = zip(begin, strides).reduce(0) { $0 + $1.0 * $1.1 }
        let walk = ONNXIndexing.offsets(shape: shape, strides: zip(strides, step).map { $0 * $1 }, base: base)
        return [ONNXTensor(unchecked: shape, x.elements.picking(walk))]
    }

    static func gather(_ c: ONNXNodeContext) throws -> [ONNXTensor] {
        let x = try c.input(0, "data")
        let (indexShape, indexValues) = try c.integers(1, "indices")
        guard x.rank >= 1 else { throw c.fail("data must have rank ≥ 1, got a scalar") }
        let axis = try c.axis(try c.int("axis", default: 0), rank: x.rank, "axis")
        let extent = x.shape[axis]
        let picked = try indexValues.map { i -> Int in
            guard i >= -Int64(extent), i < Int64(extent) else {
                throw c.fail("index \(i) is outside −\(extent)..<\(extent) for axis \(axis) of \(x.shape)")
            }
            return Int(i < 0 ? i + Int64(extent) : i)
        }
        let shape = Array(x.shape[..<axis]) + indexShape + Array(x.shape[(axis + 1)...])
        _ = try checkedCount(shape, c)
        let outer = x.shape[..<axis].reduce(1, *), inner = x.shape[(axis + 1)...].reduce(1, *)
        var indices: [Int] = []
        indices.reserveCapacity(outer * picked.count * inner)
        for o in 0..<outer {
            for p in picked { indices.append(contentsOf: ((o * extent + p) * inner)..<((o * extent + p + 1) * inner)) }
        }
        return [ONNXTensor(unchecked: shape, x.elements.picking(indices))]
    }

    static func expand(_ c: ONNXNodeContext) throws -> [ONNXTensor] {
        let x = try c.input(0, "input")
        let requested = try c.integerList(1, "shape")
        let target = try extents(requested, c, "shape")
        guard let shape = ONNXIndexing.broadcast(x.shape, target) else {
            throw c.fail("cannot broadcast \(x.shape) to \(requested)")
        }
        _ = try checkedCount(shape, c, limit: maximumShapedElementCount)
        return [ONNXTensor(unchecked: shape, x.elements.picking(ONNXIndexing.broadcastSources(of: x.shape, to: shape)))]
    }
}

typealias Elements = ONNXTensor.Elements
