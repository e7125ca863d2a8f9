/// Every kernel the OpenCL op families launch, one stored property each, named after the kernel and grouped by
/// `Kernels/<program>.cl`.
///
/// Launches name their kernel through ``OpenCLDevice/kernels``, and ``KernelReference/all`` (what the
/// kernel-existence test covers) lists this table's stored properties, so no launched kernel can be left out.
struct KernelTable {
    // batch_norm.cl
    let batchNormStatistics = KernelReference("batch_norm", "batch_norm_statistics")
    let batchNormStatisticsCPU = KernelReference("batch_norm", "batch_norm_statistics_cpu")
    let batchNormFinalize = KernelReference("batch_norm", "batch_norm_finalize")
    let batchNormForward = KernelReference("batch_norm", "batch_norm_forward")
    let batchNormForwardCPU = KernelReference("batch_norm", "batch_norm_forward_cpu")
    let batchNormInference = KernelReference("batch_norm", "batch_norm_inference")
    let batchNormInferenceCPU = KernelReference("batch_norm", "batch_norm_inference_cpu")
    let batchNormBackwardSums = KernelReference("batch_norm", "batch_norm_backward_sums")
    let batchNormBackwardSumsCPU = KernelReference("batch_norm", "batch_norm_backward_sums_cpu")
    let batchNormBackwardFinalize = KernelReference("batch_norm", "batch_norm_backward_finalize")
    let batchNormBackward = KernelReference("batch_norm", "batch_norm_backward")
    let batchNormBackwardCPU = KernelReference("batch_norm", "batch_norm_backward_cpu")
    // chaos_game.cl
    let chaosGameWalk = KernelReference("chaos_game", "chaos_game_walk")
    let chaosGameWalkCPU = KernelReference("chaos_game", "chaos_game_walk_cpu")
    let chaosGameRasterize = KernelReference("chaos_game", "chaos_game_rasterize")
    let chaosGameRasterizeCPU = KernelReference("chaos_game", "chaos_game_rasterize_cpu")
    let chaosGameStatistics = KernelReference("chaos_game", "chaos_game_statistics")
    let chaosGameStatisticsCPU = KernelReference("chaos_game", "chaos_game_statistics_cpu")
    let chaosGameColorize = KernelReference("chaos_game", "chaos_game_colorize")
    let chaosGameColorizeCPU = KernelReference("chaos_game", "chaos_game_colorize_cpu")
    let chaosGameBlur = KernelReference("chaos_game", "chaos_game_blur")
    let chaosGameBlurCPU = KernelReference("chaos_game", "chaos_game_blur_cpu")
    // conv.cl
    let conv2d = KernelReference("conv", "conv2d")
    let conv2dIm2col = KernelReference("conv", "conv2d_im2col")
    let conv2dIm2colTransposed = KernelReference("conv", "conv2d_im2col_transposed")
    let conv2dCol2im = KernelReference("conv", "conv2d_col2im")
    let conv2dBackwardBias = KernelReference("conv", "conv2d_backward_bias")
    let conv2dPad = KernelReference("conv", "conv2d_pad")
    let conv2dPackWeights = KernelReference("conv", "conv2d_pack_weights")
    let conv2dPixelMajor = KernelReference("conv", "conv2d_pixel_major")
    let conv2dCPU = KernelReference("conv", "conv2d_cpu")
    let conv2dBackwardFilterCPU = KernelReference("conv", "conv2d_backward_filter_cpu")
    // distance.cl
    let nearestNeighborsCPU = KernelReference("distance", "nearest_neighbors_cpu")
    let nearestNeighborsGPU = KernelReference("distance", "nearest_neighbors_gpu")
    let nearestNeighborsMerge = KernelReference("distance", "nearest_neighbors_merge")
    let coresetProjectCPU = KernelReference("distance", "coreset_project_cpu")
    let coresetProjectGPU = KernelReference("distance", "coreset_project_gpu")
    let coresetStepsCPU = KernelReference("distance", "coreset_steps_cpu")
    let coresetStepsGPU = KernelReference("distance", "coreset_steps_gpu")
    // elementwise.cl
    let reluForward = KernelReference("elementwise", "relu_forward")
    let reluBackward = KernelReference("elementwise", "relu_backward")
    let add = KernelReference("elementwise", "add")
    let addRelu = KernelReference("elementwise", "add_relu")
    let axpy = KernelReference("elementwise", "axpy")
    let scale = KernelReference("elementwise", "scale")
    let sumAxis = KernelReference("elementwise", "sum_axis")
    // gemm.cl
    let gemmCPU = KernelReference("gemm", "gemm_cpu")
    let gemmGPU = KernelReference("gemm", "gemm_gpu")
    let gemmPackPanels = KernelReference("gemm", "gemm_pack_panels")
    let gemmPackRows = KernelReference("gemm", "gemm_pack_rows")
    // image_batch.cl
    let imageBatch = KernelReference("image_batch", "image_batch")
    let imageBatchCPU = KernelReference("image_batch", "image_batch_cpu")
    let imageBatchInverse = KernelReference("image_batch", "image_batch_inverse")
    // loss.cl
    let softmaxCrossEntropy = KernelReference("loss", "softmax_cross_entropy")
    let softmaxCrossEntropyMean = KernelReference("loss", "softmax_cross_entropy_mean")
    let countCorrect = KernelReference("loss", "count_correct")
    // optimizer.cl
    let sgdStep = KernelReference("optimizer", "sgd_step")
    // pool.cl
    let maxPool2dForward = KernelReference("pool", "max_pool2d_forward")
    let maxPool2dBackward = KernelReference("pool", "max_pool2d_backward")
    let avgPool2dForward = KernelReference("pool", "avg_pool2d_forward")
    let avgPool2dBackward = KernelReference("pool", "avg_pool2d_backward")
    let adaptiveAvgPool2dForward = KernelReference("pool", "adaptive_avg_pool2d_forward")
    let adaptiveAvgPool2dBackward = KernelReference("pool", "adaptive_avg_pool2d_backward")
    let maxPool2dForwardCPU = KernelReference("pool", "max_pool2d_forward_cpu")
    let maxPool2dBackwardCPU = KernelReference("pool", "max_pool2d_backward_cpu")
    let avgPool2dForwardCPU = KernelReference("pool", "avg_pool2d_forward_cpu")
    let avgPool2dBackwardCPU = KernelReference("pool", "avg_pool2d_backward_cpu")
    let adaptiveAvgPool2dForwardCPU = KernelReference("pool", "adaptive_avg_pool2d_forward_cpu")
    let adaptiveAvgPool2dBackwardCPU = KernelReference("pool", "adaptive_avg_pool2d_backward_cpu")

    /// The stored properties above, in declaration order.
    var all: [KernelReference] { Mirror(reflecting: self).children.compactMap { $0.value as? KernelReference } }
}

extension OpenCLDevice {
    /// The kernels the op families launch.
    static let kernels = KernelTable()
}
