extension OpenCLDevice: LossOps {
    public func softmaxCrossEntropy(logits: Tensor, targets: Tensor, labelSmoothing: Float, into loss: Tensor,
                                    logitsGradient gradient: Tensor) throws {
        let (n, k) = (logits.shape[0], logits.shape[1])
        let rowLoss = try Tensor(uninitialized: [n], on: self)
        try launch(Self.kernels.softmaxCrossEntropy, global: [n], local: [1],
                   [.tensor(logits), .tensor(targets), .int(n), .int(k), .float(labelSmoothing), .tensor(rowLoss),
                    .tensor(gradient)])
        try launch(Self.kernels.softmaxCrossEntropyMean, global: [1], local: [1],
                   [.tensor(rowLoss), .int(n), .tensor(loss)])
    }

    public func countCorrect(logits: Tensor, labels: Tensor, into hits: Tensor) throws {
        let (n, k) = (logits.shape[0], logits.shape[1])
        try launch(Self.kernels.countCorrect, global: [n], local: [1],
                   [.tensor(logits), .tensor(labels), .int(n), .int(k), .tensor(hits)])
    }
}
