import Foundation

extension ReferenceDevice: LossOps {
    public func softmaxCrossEntropy(logits: Tensor, targets: Tensor, labelSmoothing: Float, into loss: Tensor,
                                    logitsGradient gradient: Tensor) throws {
        let (n, k) = (logits.shape[0], logits.shape[1])
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
        loss.host(Float.self)[0] = Float(mean)
    }

    public func countCorrect(logits: Tensor, labels: Tensor, into hits: Tensor) throws {
        let (n, k) = (logits.shape[0], logits.shape[1])
        let z = logits.host(Float.self), label = labels.host(Int32.self)
        var correct: Int32 = 0
        for row in 0..<n {
            var best = 0
            for j in 1..<max(k, 1) where z[row * k + j] > z[row * k + best] { best = j }
            if k > 0, Int(label[row]) == best { correct += 1 }
        }
        hits.host(Int32.self)[0] = correct
    }
}
