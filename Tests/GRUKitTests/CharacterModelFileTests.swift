import Foundation
import GRUKit
import Testing

/// Character models in GRUKit model files: tensors, metadata, and every way a file can be wrong.
@Suite struct CharacterModelFileTests {
    func model(_ input: CharacterModelInput = .embedding(size: 3), layers: Int = 2) throws -> CharacterLanguageModel<Float> {
        var g = SeededGenerator(seed: 2)
        var architecture = CharacterModelConfiguration(input: input, hiddenSize: 4, layerCount: layers)
        architecture.convention = .onnxDefault
        return try CharacterLanguageModel(vocabulary: TextCorpus(text: "to be or not\n").vocabulary, architecture: architecture, using: &g)
    }

    func temporaryURL() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("grukit-charlm-\(UInt32.random(in: 0...UInt32.max)).safetensors")
    }

    @Test(arguments: [CharacterModelInput.embedding(size: 3), .oneHot])
    func savesWhatItLoads(input: CharacterModelInput) throws {
        let original = try model(input)
        let url = temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try original.save(to: url)
        let loaded = try CharacterLanguageModel<Float>(contentsOf: url)
        #expect(loaded.parameters == original.parameters)
        #expect(loaded.vocabulary == original.vocabulary)
        #expect(loaded.configuration == original.configuration)
        #expect(loaded.input == input)
        let x = [1, 2, 3, 0, 5, 6]
        #expect(try loaded.logits(x, batch: 2, steps: 3) == original.logits(x, batch: 2, steps: 3))
        let file = try SafeTensorsFile(contentsOf: url)
        let expected = (input == .oneHot ? [] : ["embedding.weight"])
            + ["gru.bias_hh_l0", "gru.bias_hh_l1", "gru.bias_ih_l0", "gru.bias_ih_l1", "gru.weight_hh_l0", "gru.weight_hh_l1",
               "gru.weight_ih_l0", "gru.weight_ih_l1", "head.bias", "head.weight"]
        #expect(file.names.sorted() == expected)
        if input != .oneHot { #expect(file.info("embedding.weight")?.shape == [8, 3]) }
        #expect(file.metadata[GRUModelMetadata.key] == #"{"batch_first":true,"convention":{"reset":"before","update":"keeps-old"},"#
                + #""input":"\#(input.name)","kind":"character-language-model","readout":"every-step","vocabulary":["\n"," ","b","e","n","o","r","t"]}"#)
    }

    /// A GRUModel loader must not read a character model as a GRU with a head (its embedding
    /// would be silently ignored), and the character loader must not read a GRUModel file.
    @Test func kindsAreNotConfused() throws {
        let url = temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try model().save(to: url)
        #expect(throws: GRUKitError.invalidWeights(
            file: url.path, key: "__metadata__.grukit.model",
            problem: "holds a character language model (kind character-language-model), not a GRU with a head: run it with gru generate")) {
            try GRUModel<Float>(contentsOf: url)
        }
        var g = SeededGenerator(seed: 1)
        try GRUModel<Float>(inputSize: 3, hiddenSize: 4, outputSize: 2, using: &g).save(to: url)
        #expect(throws: GRUKitError.invalidWeights(
            file: url.path, key: "__metadata__.grukit.model", problem: #"kind is absent (a GRU with a head), not "character-language-model""#)) {
            try CharacterLanguageModel<Float>(contentsOf: url)
        }
    }

    /// Writes the model's tensors except those `drop` names, with metadata edited by `edit`.
    func file(
        _ m: CharacterLanguageModel<Float>, drop: Set<String> = [], replace: [String: Tensor<Float>] = [:],
        edit: (inout [String: Any]) -> Void = { _ in }
    ) throws -> SafeTensorsFile {
        var writer = SafeTensorsWriter()
        for (name, t) in m.parameters.namedTensors where !drop.contains(name) { try writer.add(name, replace[name] ?? t) }
        for (name, t) in replace where m.parameters.namedTensors.allSatisfy({ $0.name != name }) { try writer.add(name, t) }
        var json = try JSONSerialization.jsonObject(with: Data(m.metadata.json().utf8)) as! [String: Any]
        edit(&json)
        writer.metadata[GRUModelMetadata.key] = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
        return try SafeTensorsFile(data: writer.serialized(), name: "m.safetensors")
    }

    @Test func badFilesAreNamed() throws {
        let m = try model()
        func expectProblem(_ key: String?, _ problem: String, _ f: SafeTensorsFile, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(throws: GRUKitError.invalidWeights(file: "m.safetensors", key: key, problem: problem), sourceLocation: sourceLocation) {
                try CharacterLanguageModel<Float>(file: f)
            }
        }
        let entry = "__metadata__.grukit.model"
        expectProblem(entry + ".vocabulary", "missing: the list of the model's characters", try file(m) { $0["vocabulary"] = nil })
        expectProblem(entry + ".vocabulary", #"vocabulary: expected each character once, got 'e' (U+0065) at index 4"#,
                      try file(m) { $0["vocabulary"] = ["\n", " ", "b", "e", "e", "o", "r", "t"] })
        expectProblem(entry + ".vocabulary", #"vocabulary: expected each entry one Unicode scalar, got entry 2 "be" of 2 scalars"#,
                      try file(m) { $0["vocabulary"] = ["\n", " ", "be", "e", "n", "o", "r", "t"] })
        expectProblem(entry + ".input", #"expected "embedding" or "one-hot", got "bytes""#, try file(m) { $0["input"] = "bytes" })
        expectProblem(entry + ".readout", "a character model reads every step, not last-step", try file(m) { $0["readout"] = "last-step" })
        expectProblem("embedding.weight", #"missing: the input is "embedding""#, try file(m, drop: ["embedding.weight"]))
        expectProblem("embedding.weight",
                      "expected shape (V, E) = [8, 3] for 8 characters and the GRU's input size, got [7, 3]",
                      try file(m, replace: ["embedding.weight": Tensor(zeros: [7, 3])]))
        expectProblem("head.weight", "missing: the head over the vocabulary, (V, H)", try file(m, drop: ["head.weight", "head.bias"]))
        expectProblem("head.weight", "expected shape (V, H) = [8, 4] for 8 characters, got [9, 4]",
                      try file(m, replace: ["head.weight": Tensor(zeros: [9, 4])]))
        let oneHot = try model(.oneHot)
        expectProblem("embedding.weight", #"unexpected: the input is "one-hot""#,
                      try file(oneHot, replace: ["embedding.weight": Tensor(zeros: [8, 3])]))
        #expect(throws: GRUKitError.self) {  // one-hot, but the GRU reads 3 features for 8 characters
            try CharacterLanguageModel<Float>(file: file(m, drop: ["embedding.weight"]) { $0["input"] = "one-hot" })
        }
    }
}
