extension ReferenceDevice: OptimizerOps {
    public func sgdStep(into weights: Tensor, gradient: Tensor, momentumBuffer: Tensor,
                        configuration: SGDConfiguration, firstStep: Bool) throws {
        let w = SendablePointer(weights.host(Float.self)), g = SendablePointer(gradient.host(Float.self))
        let b = SendablePointer(momentumBuffer.host(Float.self))
        let c = configuration
        forEachChunk(weights.count) { range in
            for i in range {
                let decayed = g[i] + c.weightDecay * w[i]
                let buffer = firstStep ? decayed : c.momentum * b[i] + decayed
                b[i] = buffer
                let direction = c.nesterov ? decayed + c.momentum * buffer : buffer
                w[i] -= c.learningRate * direction
            }
        }
    }
}
