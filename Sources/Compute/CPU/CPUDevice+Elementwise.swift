extension CPUDevice: ElementwiseOps {
    public func fill(_ x: Tensor, value: Float) throws {
        switch x.dtype {
        case .float32: x.host(Float.self).update(repeating: value, count: x.count)
        case .int32: x.host(Int32.self).update(repeating: Int32(value), count: x.count)
        case .uint8: x.host(UInt8.self).update(repeating: UInt8(truncatingIfNeeded: Int(value)), count: x.count)
        }
    }
}
