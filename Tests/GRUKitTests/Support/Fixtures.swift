import Foundation
import GRUKit

/// A tensor as the fixture scripts write it: a shape and row-major data.
struct FixtureTensor: Decodable {
    let shape: [Int]
    let data: [Double]

    func tensor<S: GRUScalar>(_: S.Type = S.self) throws -> Tensor<S> {
        try Tensor(shape: shape, scalars: data.map { S($0) })
    }
}

/// The folder of committed reference fixtures.
let fixturesFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

/// Decodes a committed fixture file.
func loadFixture<T: Decodable>(_ name: String, as _: T.Type = T.self) throws -> T {
    let data = try Data(contentsOf: fixturesFolder.appendingPathComponent(name))
    return try JSONDecoder().decode(T.self, from: data)
}

/// Looks a tensor up by name, failing with the name when it is missing.
func tensor<S: GRUScalar>(_ tensors: [String: FixtureTensor], _ name: String, _: S.Type = S.self) throws -> Tensor<S> {
    guard let t = tensors[name] else { throw FixtureError.missing(name) }
    return try t.tensor(S.self)
}

enum FixtureError: Error { case missing(String) }

/// GRU parameters from tensors named `prefix + weight_ih + suffix` and so on.
func gruParameters<S: GRUScalar>(
    _ tensors: [String: FixtureTensor], prefix: String = "", suffix: String = "", bias: Bool
) throws -> GRUParameters<S> {
    try GRUParameters(
        weightIH: tensor(tensors, prefix + "weight_ih" + suffix), weightHH: tensor(tensors, prefix + "weight_hh" + suffix),
        biasIH: bias ? tensor(tensors, prefix + "bias_ih" + suffix) : nil,
        biasHH: bias ? tensor(tensors, prefix + "bias_hh" + suffix) : nil)
}
