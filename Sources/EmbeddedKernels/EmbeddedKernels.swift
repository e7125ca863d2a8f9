/// The OpenCL sources of `Kernels/*.cl`, embedded at build time by `EmbedKernelsPlugin`.
public enum EmbeddedKernels {}
