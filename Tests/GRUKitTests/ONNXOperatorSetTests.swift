import Foundation
import GRUKit
import Testing

/// The runner's operators on small cases worked out by hand from the ONNX operator
/// documentation (negative and clamped slice bounds, broadcasting, opset-dependent forms).
@Suite struct ONNXOperatorSetTests {
    let iota = floats([2, 3], [1, 2, 3, 4, 5, 6])

    @Test func transpose() throws {
        #expect(try runNode("Transpose", [iota]) == [floats([3, 2], [1, 4, 2, 5, 3, 6])])
        let cube = floats([2, 2, 2], (0..<8).map(Float.init))
        // perm [1, 0, 2]: out[i, j, k] = in[j, i, k].
        #expect(try runNode("Transpose", [cube], attributes: [.ints("perm", [1, 0, 2])]) == [floats([2, 2, 2], [0, 1, 4, 5, 2, 3, 6, 7])])
        // Moving an axis of extent 1 keeps the order: out[0, i, k] = in[i, 0, k].
        let unit = floats([2, 1, 3], (0..<6).map(Float.init))
        #expect(try runNode("Transpose", [unit], attributes: [.ints("perm", [1, 0, 2])]) == [floats([1, 2, 3], (0..<6).map(Float.init))])
        // Here it does not: out[k, 0, i] = in[i, 0, k].
        #expect(try runNode("Transpose", [unit], attributes: [.ints("perm", [2, 1, 0])]) == [floats([3, 1, 2], [0, 3, 1, 4, 2, 5])])
        expectONNXError(mentions: ["perm", "not a permutation"]) { _ = try runNode("Transpose", [cube], attributes: [.ints("perm", [0, 0, 1])]) }
    }

    @Test func slice() throws {
        let ten = floats([10], (0..<10).map(Float.init))
        func slice(_ starts: [Int64], _ ends: [Int64], _ axes: [Int64]? = nil, _ steps: [Int64]? = nil, _ x: ONNXTensor? = nil) throws -> ONNXTensor {
            try runNode("Slice", [x ?? ten, int64s(starts), int64s(ends), axes.map(int64s), steps.map(int64s)])[0]
        }
        #expect(try slice([-3], [.max]) == floats([3], [7, 8, 9]))
        #expect(try slice([8], [1], nil, [-3]) == floats([3], [8, 5, 2]))
        #expect(try slice([-1], [.min], nil, [-1]) == floats([10], (0..<10).reversed().map(Float.init)))
        #expect(try slice([20], [30]) == floats([0], []))
        #expect(try slice([2], [6], nil, [.max]) == floats([1], [2]))
        #expect(try slice([0], [-1], nil, [.min]) == floats([0], []))
        // 2-D, only axis 1 (negative axis), and both axes.
        #expect(try slice([1], [3], [-1], nil, iota) == floats([2, 2], [2, 3, 5, 6]))
        #expect(try slice([1, 2], [2, 0], [0, 1], [1, -1], iota) == floats([1, 2], [6, 5]))
        // Before opset 10: attributes.
        let old = try runNode("Slice", [iota], attributes: [.ints("starts", [0, 1]), .ints("ends", [1, 1000])], opset: 9)
        #expect(old == [floats([1, 2], [2, 3])])
        expectONNXError(mentions: ["step 0 is 0"]) { _ = try slice([0], [5], nil, [0]) }
    }

    @Test func gather() throws {
        // A scalar index removes the axis (what PyTorch's y[-1] exports to).
        #expect(try runNode("Gather", [iota, int64s([], [-1])]) == [floats([3], [4, 5, 6])])
        #expect(try runNode("Gather", [iota, int64s([1, 2], [2, 0])], attributes: [.int("axis", 1)]) == [floats([2, 1, 2], [3, 1, 6, 4])])
        expectONNXError(mentions: ["index 2", "−2..<2"]) { _ = try runNode("Gather", [iota, int64s([2])]) }
    }

    @Test func reshapeSqueezeUnsqueeze() throws {
        let x = floats([2, 3, 4], (0..<24).map(Float.init))
        #expect(try runNode("Reshape", [x, int64s([0, -1])])[0].shape == [2, 12])
        #expect(try runNode("Reshape", [x, int64s([-1, 0, 2])])[0].shape == [4, 3, 2])
        expectONNXError(mentions: ["cannot reshape"]) { _ = try runNode("Reshape", [x, int64s([5, -1])]) }
        expectONNXError(mentions: ["more than one -1"]) { _ = try runNode("Reshape", [x, int64s([-1, -1])]) }
        let empty = floats([0, 3], [])
        #expect(try runNode("Reshape", [empty, int64s([3, 0])], attributes: [.int("allowzero", 1)])[0].shape == [3, 0])

        let ones = floats([1, 3, 1], [1, 2, 3])
        #expect(try runNode("Squeeze", [ones])[0].shape == [3])
        #expect(try runNode("Squeeze", [ones, int64s([-1])])[0].shape == [1, 3])
        #expect(try runNode("Squeeze", [ones], attributes: [.ints("axes", [0])], opset: 11)[0].shape == [3, 1])
        expectONNXError(mentions: ["axis 1", "not 1"]) { _ = try runNode("Squeeze", [ones, int64s([1])]) }
        expectONNXError(mentions: ["axes", "input", "opset 13"]) { _ = try runNode("Squeeze", [ones], attributes: [.ints("axes", [0])], opset: 13) }
        #expect(try runNode("Unsqueeze", [iota, int64s([0, -1])])[0].shape == [1, 2, 3, 1])
        #expect(try runNode("Unsqueeze", [iota], attributes: [.ints("axes", [1])], opset: 11)[0].shape == [2, 1, 3])
        expectONNXError(mentions: ["repeat"]) { _ = try runNode("Unsqueeze", [iota, int64s([1, 1])]) }
    }

    @Test func concatExpandShapeConstants() throws {
        #expect(try runNode("Concat", [int64s([1]), int64s([2, 3])], attributes: [.int("axis", 0)]) == [int64s([1, 2, 3])])
        let a = floats([2, 1], [1, 2]), b = floats([2, 2], [3, 4, 5, 6])
        #expect(try runNode("Concat", [a, b], attributes: [.int("axis", -1)]) == [floats([2, 3], [1, 3, 4, 2, 5, 6])])
        expectONNXError(mentions: ["cannot join"]) { _ = try runNode("Concat", [a, b], attributes: [.int("axis", 0)]) }

        // [3, 1] to [2, 1, 4]: broadcast to [2, 3, 4], each row repeating its value.
        let col = floats([3, 1], [1, 2, 3])
        let expanded = try runNode("Expand", [col, int64s([2, 1, 4])])[0]
        #expect(expanded == floats([2, 3, 4], (0..<24).map { Float(($0 / 4) % 3 + 1) }))
        expectONNXError(mentions: ["cannot broadcast"]) { _ = try runNode("Expand", [col, int64s([2, 2])]) }

        let x = floats([2, 3, 4, 5], [Float](repeating: 0, count: 120))
        #expect(try runNode("Shape", [x]) == [int64s([2, 3, 4, 5])])
        #expect(try runNode("Shape", [x], attributes: [.int("start", 1), .int("end", -1)]) == [int64s([3, 4])])
        #expect(try runNode("Shape", [x], attributes: [.int("start", -10), .int("end", 10)]) == [int64s([2, 3, 4, 5])])

        let seven = ONNXTensorProto(int64s([1], [7]), name: "")
        #expect(try runNode("ConstantOfShape", [int64s([2, 3])], attributes: [.tensor("value", seven)]) == [int64s([2, 3], [Int64](repeating: 7, count: 6))])
        #expect(try runNode("ConstantOfShape", [int64s([2])]) == [floats([2], [0, 0])])
        expectONNXError(mentions: ["more than"]) { _ = try runNode("ConstantOfShape", [int64s([1 << 20, 1 << 20])]) }
        #expect(try runNode("Constant", [], attributes: [.ints("value_ints", [4, -1])]) == [int64s([4, -1])])
        #expect(try runNode("Constant", [], attributes: [.float("value_float", 2.5)]) == [floats([], [2.5])])
        expectONNXError(mentions: ["exactly one value"]) { _ = try runNode("Constant", []) }
    }

    @Test func cast() throws {
        let x = floats([4], [2.7, -2.7, 0.5, 3])
        #expect(try runNode("Cast", [x], attributes: [.int("to", 6)]) == [try ONNXTensor(shape: [4], elements: .int32([2, -2, 0, 3]))])
        #expect(try runNode("Cast", [int64s([5, -1])], attributes: [.int("to", 1)]) == [floats([2], [5, -1])])
        #expect(try runNode("Cast", [int64s([5])], attributes: [.int("to", 11)]) == [try ONNXTensor(shape: [1], elements: .double([5]))])
        expectONNXError(mentions: ["out of range"]) { _ = try runNode("Cast", [floats([1], [.nan])], attributes: [.int("to", 7)]) }
        expectONNXError(mentions: ["FLOAT16"]) { _ = try runNode("Cast", [x], attributes: [.int("to", 10)]) }
    }

    @Test func elementwiseArithmetic() throws {
        let row = floats([3], [10, 20, 30])
        #expect(try runNode("Add", [iota, row]) == [floats([2, 3], [11, 22, 33, 14, 25, 36])])
        #expect(try runNode("Sub", [row, iota]) == [floats([2, 3], [9, 18, 27, 6, 15, 24])])
        #expect(try runNode("Mul", [floats([2, 1], [2, 3]), row]) == [floats([2, 3], [20, 40, 60, 30, 60, 90])])
        #expect(try runNode("Div", [iota, floats([], [2])]) == [floats([2, 3], [0.5, 1, 1.5, 2, 2.5, 3])])
        #expect(try runNode("Mul", [int64s([3, 4]), int64s([], [5])]) == [int64s([15, 20])])
        #expect(try runNode("Div", [int64s([-7, 7]), int64s([2, -2])]) == [int64s([-3, -3])])
        expectONNXError(mentions: ["division by zero"]) { _ = try runNode("Div", [int64s([1]), int64s([0])]) }
        expectONNXError(mentions: ["different types"]) { _ = try runNode("Add", [iota, int64s([1])]) }
        expectONNXError(mentions: ["do not broadcast"]) { _ = try runNode("Add", [iota, floats([2], [1, 2])]) }
        let x = floats([3], [-1, 0, 2])
        #expect(try runNode("Relu", [x]) == [floats([3], [0, 0, 2])])
        let s = try runNode("Sigmoid", [x])[0].floatingPoint(as: Float.self)!
        let t = try runNode("Tanh", [x])[0].floatingPoint(as: Float.self)!
        for (i, v) in [-1.0, 0, 2].enumerated() {
            #expect(abs(Double(s.scalars[i]) - 1 / (1 + exp(-v))) < 1e-7)
            #expect(abs(Double(t.scalars[i]) - tanh(v)) < 1e-7)
        }
    }

    /// Range: ⌈(limit − start) / delta⌉ elements start + i · delta, none when that is ≤ 0.
    @Test func range() throws {
        func scalar(_ v: Int64) -> ONNXTensor { int64s([], [v]) }
        #expect(try runNode("Range", [scalar(0), scalar(4), scalar(1)]) == [int64s([0, 1, 2, 3])])
        #expect(try runNode("Range", [scalar(10), scalar(3), scalar(-3)]) == [int64s([10, 7, 4])])
        #expect(try runNode("Range", [scalar(1), scalar(8), scalar(3)]) == [int64s([1, 4, 7])])  // ⌈7 / 3⌉ = 3
        #expect(try runNode("Range", [scalar(5), scalar(5), scalar(1)]) == [int64s([Int64]())])
        #expect(try runNode("Range", [scalar(5), scalar(2), scalar(1)]) == [int64s([Int64]())])
        #expect(try runNode("Range", [floats([], [1]), floats([], [2]), floats([], [0.25])]) == [floats([4], [1, 1.25, 1.5, 1.75])])
        let int32 = { (v: Int32) in try! ONNXTensor(shape: [], elements: .int32([v])) }
        #expect(try runNode("Range", [int32(-2), int32(2), int32(2)]) == [try ONNXTensor(shape: [2], elements: .int32([-2, 0]))])
        expectONNXError(mentions: ["delta is 0"]) { _ = try runNode("Range", [scalar(0), scalar(4), scalar(0)]) }
        expectONNXError(mentions: ["limit must be a scalar"]) { _ = try runNode("Range", [scalar(0), int64s([4]), scalar(1)]) }
        expectONNXError(mentions: ["one type"]) { _ = try runNode("Range", [scalar(0), floats([], [4]), scalar(1)]) }
        expectONNXError(mentions: ["more than"]) { _ = try runNode("Range", [scalar(0), scalar(.max), scalar(1)]) }
        expectONNXError(mentions: ["more than"]) { _ = try runNode("Range", [scalar(.min), scalar(.max), scalar(1)]) }
        // Its size comes from three scalars, so it is capped like ConstantOfShape's: 2^26 elements.
        expectONNXError(mentions: ["more than 67108864 elements"]) { _ = try runNode("Range", [scalar(0), scalar(1 << 26 + 1), scalar(1)]) }
        expectONNXError(mentions: ["no finite range"]) { _ = try runNode("Range", [floats([], [0]), floats([], [.infinity]), floats([], [1])]) }
    }

    /// Softmax over one axis (opset 13) and over the flattened trailing axes (opset 11).
    @Test func softmax() throws {
        let x = floats([2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7])
        func softmax(_ v: [Double]) -> [Double] { let e = v.map { exp($0 - v.max()!) }; return e.map { $0 / e.reduce(0, +) } }
        let new = try runNode("Softmax", [x], attributes: [.int("axis", 1)], opset: 13)[0].floatingPoint(as: Float.self)!
        // axis 1 of [2, 2, 2]: pairs (0, 2), (1, 3), (4, 6), (5, 7).
        for pair in [[0, 2], [1, 3], [4, 6], [5, 7]] {
            let expected = softmax(pair.map { Double($0) })
            for (k, i) in pair.enumerated() { #expect(abs(Double(new.scalars[i]) - expected[k]) < 1e-7) }
        }
        let old = try runNode("Softmax", [x], attributes: [.int("axis", 1)], opset: 11)[0].floatingPoint(as: Float.self)!
        // Flattened to [2, 4]: rows 0...3 and 4...7.
        for row in [[0, 1, 2, 3], [4, 5, 6, 7]] {
            let expected = softmax(row.map { Double($0) })
            for (k, i) in row.enumerated() { #expect(abs(Double(old.scalars[i]) - expected[k]) < 1e-7) }
        }
        let last = try runNode("Softmax", [floats([1, 2], [1000, 1000])])[0]
        #expect(last == floats([1, 2], [0.5, 0.5]))
    }

    @Test func matmulAndGemm() throws {
        // [[1 2 3] [4 5 6]] · [1 0 −1] = [−2, −2]
        #expect(try runNode("MatMul", [iota, floats([3], [1, 0, -1])]) == [floats([2], [-2, -2])])
        // [1 1] · [[1 2 3] [4 5 6]] = [5 7 9]
        #expect(try runNode("MatMul", [floats([2], [1, 1]), iota]) == [floats([3], [5, 7, 9])])
        // Batch broadcast: A [2, 1, 1, 2] with B [3, 2, 1] → [2, 3, 1, 1]; out[i, j] = a_i · b_j.
        let a = floats([2, 1, 1, 2], [1, 2, 3, 4]), b = floats([3, 2, 1], [1, 0, 0, 1, 1, 1])
        #expect(try runNode("MatMul", [a, b]) == [floats([2, 3, 1, 1], [1, 2, 3, 3, 4, 7])])
        expectONNXError(mentions: ["inner extents"]) { _ = try runNode("MatMul", [iota, iota]) }

        // Gemm: 2 · Aᵀ · Bᵀ + 0.5 · C with A (3, 2) = iotaᵀ, B (1, 3), C (1) broadcast.
        let at = floats([3, 2], [1, 4, 2, 5, 3, 6]), bt = floats([1, 3], [1, 1, 1])
        let y = try runNode("Gemm", [at, bt, floats([1], [4])],
                            attributes: [.int("transA", 1), .int("transB", 1), .float("alpha", 2), .float("beta", 0.5)])
        #expect(y == [floats([2, 1], [2 * 6 + 2, 2 * 15 + 2])])
        #expect(try runNode("Gemm", [iota, floats([3, 1], [1, 1, 1])]) == [floats([2, 1], [6, 15])])
        expectONNXError(mentions: ["does not broadcast"]) { _ = try runNode("Gemm", [iota, floats([3, 1], [1, 1, 1]), floats([3], [1, 2, 3])]) }
    }
}
