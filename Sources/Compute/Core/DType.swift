/// Element type of a ``Tensor``.
///
/// Numeric work is float32 throughout; `int32` carries indices and integer counts (top-k indices, chaos-game hit
/// counts, fixed-point coordinates) and `uint8` carries 8-bit images on their way to or from PNG files.
public enum DType: String, Sendable, CaseIterable {
    case float32
    case int32
    case uint8

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float32, .int32: 4
        case .uint8: 1
        }
    }
}
