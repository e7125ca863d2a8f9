extension OpenCLDevice: LossOps {
    private static let crossEntropy = KernelReference("loss", "softmax_cross_entropy")
    private static let crossEntropyMean = KernelReference("loss", "softmax_cross_entropy_mean")
    private static let countCorrect = KernelReference("loss", "count_correct")

    static let lossKernels = [crossEntropy, crossEntropyMean, countCorrect]

    public func softmaxCrossEntropy(logits: Tensor, targets: Tensor, labelSmoothing: Float) throws
        -> (loss: Tensor, logitsGradient: Tensor) {
        let (n, k) = try validateCrossEntropy(logits: logits, targets: targets, labelSmoothing: labelSmoothing,
                                              device: self)
        let rowLoss = try Tensor(uninitialized: [n], on: self)
        let gradient = try Tensor(uninitialized: [n, k], on: self)
        try launch(Self.crossEntropy, global: [n], local: [1],
                   [.tensor(logits), .tensor(targets), .int(n), .int(k), .float(labelSmoothing), .tensor(rowLoss),
                    .tensor(gradient)])
        let loss = try Tensor(uninitialized: [1], on: self)
        try launch(Self.crossEntropyMean, global: [1], local: [1], [.tensor(rowLoss), .int(n), .tensor(loss)])
        return (loss, gradient)
    }

    public func countCorrect(logits: Tensor, labels: Tensor) throws -> Tensor {
        let (n, k) = try validateCountCorrect(logits: logits, labels: labels, device: self)
        let hits = try Tensor(zeros: [1], dtype: .int32, on: self)
        try launch(Self.countCorrect, global: [n], local: [1],
                   [.tensor(logits), .tensor(labels), .int(n), .int(k), .tensor(hits)])
        return hits
    }
}
