/// Classification loss and accuracy. Kernels: `Kernels/loss.cl`.
///
/// The ops are the entry points in the extension below: they check the arguments, allocate the results and call
/// the device's hook of the same name, which only computes (see ``Device``).
public protocol LossOps {
    /// Hook of ``softmaxCrossEntropy(logits:targets:labelSmoothing:)``: fills `loss` `[1]` and `logitsGradient`.
    func softmaxCrossEntropy(logits: Tensor, targets: Tensor, labelSmoothing: Float, into loss: Tensor,
                             logitsGradient: Tensor) throws
    /// Hook of ``countCorrect(logits:labels:)``: adds the hits into `hits` `[1]`, zeroed by the entry point.
    func countCorrect(logits: Tensor, labels: Tensor, into hits: Tensor) throws
}

extension LossOps where Self: Device {
    /// Mean softmax cross-entropy with soft targets and label smoothing, as PyTorch's
    /// `CrossEntropyLoss(label_smoothing=ε)` with probability targets (MixUp, Zhang et al. ICLR 2018; CutMix, Yun et
    /// al. ICCV 2019; label smoothing, Szegedy et al. CVPR 2016).
    ///
    /// Row `n`'s targets become `t' = (1 − ε)·t + ε/K`; its loss is `−Σ_k t'_k·log softmax(z)_k`, computed with the
    /// max-subtracted log-sum-exp. The gradient of the mean loss is `(softmax(z)·Σ_k t'_k − t')/N`.
    /// - Parameters:
    ///   - logits: `[N, K]` with `N, K ≥ 1`.
    ///   - targets: `[N, K]` (one-hot rows for hard labels, mixtures for MixUp/CutMix).
    ///   - labelSmoothing: `ε` in `[0, 1]`.
    /// - Returns: the mean loss as a `[1]` tensor (so the step need not wait for it) and `dlogits` `[N, K]`.
    public func softmaxCrossEntropy(logits: Tensor, targets: Tensor, labelSmoothing: Float) throws
        -> (loss: Tensor, logitsGradient: Tensor) {
        try validateCrossEntropy(logits: logits, targets: targets, labelSmoothing: labelSmoothing, device: self)
        let loss = try Tensor(uninitialized: [1], on: self)
        let logitsGradient = try Tensor(uninitialized: logits.shape, on: self)
        try softmaxCrossEntropy(logits: logits, targets: targets, labelSmoothing: labelSmoothing, into: loss,
                                logitsGradient: logitsGradient)
        return (loss, logitsGradient)
    }

    /// Top-1 hits: the number of rows whose first maximal logit is at the row's label.
    /// - Parameters:
    ///   - logits: `[N, K]`.
    ///   - labels: int32 `[N]`; a label outside `0..<K` never counts as a hit.
    /// - Returns: int32 `[1]`.
    public func countCorrect(logits: Tensor, labels: Tensor) throws -> Tensor {
        try validateCountCorrect(logits: logits, labels: labels, device: self)
        let hits = try Tensor(zeros: [1], dtype: .int32, on: self)
        try countCorrect(logits: logits, labels: labels, into: hits)
        return hits
    }
}

extension LossOps {
    @discardableResult
    func validateCrossEntropy(logits: Tensor, targets: Tensor, labelSmoothing: Float, device: AnyObject) throws
        -> (n: Int, k: Int) {
        let op = "softmaxCrossEntropy"
        try OpValidation.sameDevice(op, device, logits, targets)
        try OpValidation.require(logits, op, dtype: .float32, rank: 2)
        try OpValidation.sameFloatShape(op, logits, targets)
        try OpValidation.positive(logits.shape[0], "batch size", op)
        try OpValidation.positive(logits.shape[1], "class count", op)
        guard (0...1).contains(labelSmoothing) else {
            throw ComputeError.invalidArgument(op: op, detail: "labelSmoothing must be in [0, 1], got \(labelSmoothing)")
        }
        return (logits.shape[0], logits.shape[1])
    }

    @discardableResult
    func validateCountCorrect(logits: Tensor, labels: Tensor, device: AnyObject) throws -> (n: Int, k: Int) {
        let op = "countCorrect"
        try OpValidation.sameDevice(op, device, logits, labels)
        try OpValidation.require(logits, op, dtype: .float32, rank: 2)
        try OpValidation.require(labels, op, dtype: .int32, shape: [logits.shape[0]])
        return (logits.shape[0], logits.shape[1])
    }
}
