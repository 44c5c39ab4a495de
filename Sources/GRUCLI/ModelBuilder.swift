import Foundation
import GRUKit

/// The model `gru train` starts from — a checkpoint, `--init` weights or a new model — checked
/// against the data.
struct ModelBuilder {
    let options: ModelOptions
    let seed: UInt64
    let resume: String?

    func model(for data: PreparedData) throws -> (GRUModel<Float>, Loss) {
        let d = data.training
        let readout: Readout = d.targetsEveryStep ? .everyStep : .lastStep
        let classes: Bool
        if case .classes = d.target { classes = true } else { classes = false }
        let loss = options.loss ?? (classes ? .softmaxCrossEntropy : .meanSquaredError)
        if classes, loss != .softmaxCrossEntropy {
            throw CommandError("--loss \(loss.rawValue): \(data.name)'s target holds class indices, which need --loss cross-entropy")
        }
        var model: GRUModel<Float>
        if let file = resume ?? options.initFile {
            let option = resume == nil ? "--init" : "--resume"
            model = try GRUModel<Float>(contentsOf: URL(fileURLWithPath: file), defaults: GRUModelMetadata(readout: readout, batchFirst: true))
            guard model.readout == readout else {
                throw CommandError("\(option) \(file): the model's head reads \(model.readout.rawValue), but \(data.name)'s target \(d.target.shape) needs \(readout.rawValue)")
            }
            guard model.configuration.inputSize == d.inputSize else {
                throw CommandError("\(option) \(file): the GRU reads \(model.configuration.inputSize) input feature(s), but \(data.name)'s input has \(d.inputSize)")
            }
            let o = model.parameters.head.outputSize
            guard classes ? o >= d.outputSize : o == d.outputSize else {
                throw CommandError("\(option) \(file): the head has \(o) output(s), but \(data.name)'s target needs \(classes ? "at least " : "")\(d.outputSize)")
            }
            model.configuration.batchFirst = true
            model.configuration.dropout = options.dropout
        } else {
            var c = GRUConfiguration(inputSize: d.inputSize, hiddenSize: options.hiddenSize, layerCount: options.layers,
                                     direction: options.bidirectional ? .bidirectional : .forward)
            (c.batchFirst, c.dropout) = (true, options.dropout)
            var generator = SeededGenerator(seed: seed ^ 0x696E_6974_0000_0000)  // "init"
            switch options.initScheme {
            case .pytorch:
                model = try GRUModel(configuration: c, outputSize: d.outputSize, readout: readout, using: &generator)
            case .xavierOrthogonal:
                var layers: [GRUParameters<Float>] = []
                for k in 0..<c.layerCount {
                    for _ in 0..<c.directionCount {
                        layers.append(try .initialized(.xavierOrthogonal, inputSize: c.layerInputSize(k), hiddenSize: c.hiddenSize, using: &generator))
                    }
                }
                let head = try Linear<Float>(inputSize: c.directionCount * c.hiddenSize, outputSize: d.outputSize, using: &generator)
                model = try GRUModel(parameters: GRUModelParameters(gru: GRUStackParameters(layers: layers, directionCount: c.directionCount), head: head.parameters),
                                     configuration: c, readout: readout)
            }
        }
        return (model, loss)
    }
}

extension ModelBuilder {
    /// The character model `gru train --text` starts from — a checkpoint, `--init` weights (a
    /// character model file) or a new model over the text's characters — and the window
    /// length its file records, if any.
    func characterModel(for corpus: TextCorpus) throws -> (model: CharacterLanguageModel<Float>, window: Int?) {
        if let file = resume ?? options.initFile {
            let safetensors = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: file))
            let loaded = try CharacterLanguageModel<Float>(file: safetensors)
            var c = loaded.configuration
            c.dropout = options.dropout
            let model = try CharacterLanguageModel(parameters: loaded.parameters, vocabulary: loaded.vocabulary, configuration: c)
            return (model, try GRUModelMetadata(of: safetensors)?.data?.window)
        }
        var architecture = CharacterModelConfiguration(
            input: options.oneHot ? .oneHot : .embedding(size: options.embeddingSize), hiddenSize: options.hiddenSize, layerCount: options.layers)
        architecture.dropout = options.dropout
        var generator = SeededGenerator(seed: seed ^ 0x696E_6974_0000_0000)  // "init"
        let vocabulary = corpus.vocabulary
        switch options.initScheme {
        case .pytorch:
            return (try CharacterLanguageModel(vocabulary: vocabulary, architecture: architecture, using: &generator), nil)
        case .xavierOrthogonal:
            // The embedding as PyTorch draws it (standard normal), the GRU as Keras, the head as the GRU path's.
            let c = try architecture.gruConfiguration(vocabularySize: vocabulary.count)
            let embedding = options.oneHot ? nil : try Embedding<Float>(count: vocabulary.count, size: options.embeddingSize, using: &generator).parameters
            var layers: [GRUParameters<Float>] = []
            for k in 0..<c.layerCount {
                layers.append(try .initialized(.xavierOrthogonal, inputSize: c.layerInputSize(k), hiddenSize: c.hiddenSize, using: &generator))
            }
            let head = try Linear<Float>(inputSize: c.hiddenSize, outputSize: vocabulary.count, using: &generator)
            let parameters = CharacterModelParameters(embedding: embedding, gru: GRUStackParameters(layers: layers, directionCount: 1), head: head.parameters)
            return (try CharacterLanguageModel(parameters: parameters, vocabulary: vocabulary, configuration: c), nil)
        }
    }
}
