/// Errors of the device-independent layer: bad shapes, bad arguments, unsupported requests.
public enum ComputeError: Error, CustomStringConvertible, Equatable {
    /// An op got a tensor whose shape does not fit its contract.
    case shapeMismatch(op: String, detail: String)
    /// An op got a tensor of the wrong element type.
    case dtypeMismatch(op: String, expected: DType, got: DType)
    /// An argument is outside the op's domain.
    case invalidArgument(op: String, detail: String)
    /// Tensors from two devices were mixed in one op.
    case deviceMismatch(op: String)
    /// No device matches the request.
    case deviceNotFound(String)
    /// A device allocation failed.
    case outOfMemory(device: String, bytes: Int)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, detail): "\(op): shape mismatch: \(detail)"
        case let .dtypeMismatch(op, expected, got): "\(op): expected \(expected) elements, got \(got)"
        case let .invalidArgument(op, detail): "\(op): \(detail)"
        case let .deviceMismatch(op): "\(op): tensors live on different devices"
        case let .deviceNotFound(what): "no such device: \(what)"
        case let .outOfMemory(device, bytes): "\(device): out of memory allocating \(bytes) bytes"
        }
    }
}
