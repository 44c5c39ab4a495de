import CGRUKernels

/// One layer-direction frozen for the C forward pass: its weights and biases copied into
/// memory it owns, and laid out once more as every forward call otherwise lays them out in its
/// workspace (`gru_forward_pack`), so a call reads them without packing or copying anything.
///
/// Written in `init`, only read afterwards, by any number of forward passes at once.
final class PreparedLayer: @unchecked Sendable {  // read-only once made
    /// The layer's C description with T = N = 0 and no lengths (a call fills those in), its
    /// pointers into ``base``.
    let layer: gru_layer
    /// W_ih, W_hh, b_ih, b_hh and the packed weights, each part 64-byte aligned.
    private let base: UnsafeMutablePointer<Float>

    /// Copies and lays out the weights of `source`, a layer on the fast kernels.
    init(_ source: GRULayer<Float>) {
        precondition(source.usesFastKernels, "PreparedLayer: the layer does not run on the fast kernels")
        let p = source.parameters
        let parts = [p.weightIH.scalars, p.weightHH.scalars, p.biasIH?.scalars ?? [], p.biasHH?.scalars ?? []]
        func rounded(_ n: Int) -> Int { (n + 15) & ~15 }
        var layer = source.cLayer(steps: 0, batch: 0, lengths: nil, [nil, nil, nil, nil])
        let packedCount = gru_forward_packed_floats(&layer)
        let total = parts.map { rounded($0.count) }.reduce(0, +) + rounded(packedCount)
        let base = UnsafeMutableRawPointer.allocate(byteCount: max(total, 1) * MemoryLayout<Float>.size, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(total, 1))
        var offset = 0
        var pointers: [UnsafePointer<Float>?] = []
        for part in parts {
            guard !part.isEmpty else {
                pointers.append(nil)
                continue
            }
            part.withUnsafeBufferPointer { (base + offset).initialize(from: $0.baseAddress!, count: part.count) }
            pointers.append(UnsafePointer(base + offset))
            offset += rounded(part.count)
        }
        layer = source.cLayer(steps: 0, batch: 0, lengths: nil, pointers[...])
        gru_forward_pack(&layer, base + offset)
        layer.packed = UnsafePointer(base + offset)
        self.layer = layer
        self.base = base
    }

    deinit {
        base.deallocate()
    }
}
