import Foundation

extension CPUDevice: LossOps {
    public func softmaxCrossEntropy(logits: Tensor, targets: Tensor, labelSmoothing: Float) throws
        -> (loss: Tensor, logitsGradient: Tensor) {
        let (n, k) = try validateCrossEntropy(logits: logits, targets: targets, labelSmoothing: labelSmoothing,
                                              device: self)
        let gradient = try Tensor(uninitialized: [n, k], on: self)
        let z = SendablePointer(logits.host(Float.self)), t = SendablePointer(targets.host(Float.self))
        let dz = SendablePointer(gradient.host(Float.self))
        let rowLosses = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { rowLosses.deallocate() }
        let losses = SendablePointer(rowLosses)
        let smoothing = Double(labelSmoothing), uniform = Double(labelSmoothing) / Double(k)
        forEach(n) { row in
            let logit = z.base + row * k, target = t.base + row * k
            var maximum = -Double.infinity
            for j in 0..<k { maximum = max(maximum, Double(logit[j])) }
            var exponentials = 0.0
            for j in 0..<k { exponentials += exp(Double(logit[j]) - maximum) }
            let logSumExp = maximum + log(exponentials)
            var loss = 0.0, targetTotal = 0.0
            for j in 0..<k {
                let smoothed = (1 - smoothing) * Double(target[j]) + uniform
                loss += smoothed * (logSumExp - Double(logit[j]))
                targetTotal += smoothed
            }
            for j in 0..<k {
                let smoothed = (1 - smoothing) * Double(target[j]) + uniform
                let probability = exp(Double(logit[j]) - logSumExp)
                dz[row * k + j] = Float((probability * targetTotal - smoothed) / Double(n))
            }
            losses[row] = loss
        }
        let mean = UnsafeBufferPointer(start: rowLosses, count: n).reduce(0, +) / Double(n)
        return (try Tensor([Float(mean)], shape: [1], on: self), gradient)
    }

    public func countCorrect(logits: Tensor, labels: Tensor) throws -> Tensor {
        let (n, k) = try validateCountCorrect(logits: logits, labels: labels, device: self)
        let z = logits.host(Float.self), label = labels.host(Int32.self)
        var hits: Int32 = 0
        for row in 0..<n {
            var best = 0
            for j in 1..<max(k, 1) where z[row * k + j] > z[row * k + best] { best = j }
            if k > 0, Int(label[row]) == best { hits += 1 }
        }
        return try Tensor([hits], shape: [1], on: self)
    }
}
