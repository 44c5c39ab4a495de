import CGRUKernels

/// Which kernels this process computes with, and the FMA peak of one core with them.
public struct KernelInfo: Sendable {
    /// "avx512", "avx2+fma" or "portable" (GRUKIT_KERNELS=portable or =avx2 forces one).
    public let name: String
    /// One core's fused multiply-add peak with these kernels, in GFLOP/s, measured when
    /// ``current`` is read (about 0.1 s); 0 for the portable kernels.
    public let peak: Double

    /// The kernels in use.
    public static var current: KernelInfo {
        let isa = gru_kernels_isa()
        return KernelInfo(name: String(cString: gru_kernels_isa_name(isa)), peak: gru_fma_peak_gflops(isa))
    }
}
