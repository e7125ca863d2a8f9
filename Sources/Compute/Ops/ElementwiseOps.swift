/// Element-by-element ops. Kernels: `Kernels/elementwise.cl`.
public protocol ElementwiseOps {
    /// Sets every element of `x` to `value` (converted to `x.dtype`; `uint8` takes the low 8 bits of the integer).
    func fill(_ x: Tensor, value: Float) throws
}

extension ElementwiseOps {
    /// Bit pattern of `value` in `dtype`, shared by the devices' `fill`.
    static func fillPattern(_ value: Float, dtype: DType) -> UInt32 {
        switch dtype {
        case .float32: value.bitPattern
        case .int32: UInt32(bitPattern: Int32(value))
        case .uint8: UInt32(UInt8(truncatingIfNeeded: Int(value)))
        }
    }
}
