import COpenCL
import Synchronization

/// One argument of a kernel launch.
enum KernelArgument {
    case buffer(DeviceBuffer)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case float(Float)
    /// `__local` memory of the given size.
    case local(bytes: Int)

    static func tensor(_ tensor: Tensor) -> KernelArgument { .buffer(tensor.buffer) }
    static func int(_ value: Int) -> KernelArgument { .int32(Int32(value)) }
}

/// A `cl_kernel` with the lock that makes setting its arguments and enqueueing it one step.
final class CLKernel: @unchecked Sendable {
    private let raw: cl_kernel
    let reference: KernelReference
    private let lock = Mutex(())

    init(raw: cl_kernel, reference: KernelReference) {
        self.raw = raw
        self.reference = reference
    }

    func release() { clReleaseKernel(raw) }

    func enqueue(on queue: cl_command_queue, device: OpenCLDevice, global: [Int], local: [Int]?,
                 _ arguments: [KernelArgument]) throws {
        var globalSize = global
        if let local {
            guard local.count == global.count else {
                throw ComputeError.invalidArgument(op: reference.name, detail: "local and global ranks differ")
            }
            for axis in global.indices { globalSize[axis] = (global[axis] + local[axis] - 1) / local[axis] * local[axis] }
        }
        try lock.withLock { _ in
            for (index, argument) in arguments.enumerated() {
                let position = cl_uint(index)
                if case .buffer(let buffer) = argument, buffer.device !== device {
                    throw ComputeError.deviceMismatch(op: reference.name)
                }
                try clCall("clSetKernelArg", "argument \(index) of \(reference)") {
                    switch argument {
                    case .buffer(let buffer):
                        var mem: cl_mem? = buffer.handle
                        return clSetKernelArg(raw, position, MemoryLayout<cl_mem?>.size, &mem)
                    case .int32(var value):
                        return clSetKernelArg(raw, position, 4, &value)
                    case .uint32(var value):
                        return clSetKernelArg(raw, position, 4, &value)
                    case .int64(var value):
                        return clSetKernelArg(raw, position, 8, &value)
                    case .float(var value):
                        return clSetKernelArg(raw, position, 4, &value)
                    case .local(let bytes):
                        return clSetKernelArg(raw, position, bytes, nil)
                    }
                }
            }
            try clCall("clEnqueueNDRangeKernel", "launching \(reference) over \(globalSize)") {
                if let local {
                    local.withUnsafeBufferPointer { localPointer in
                        clEnqueueNDRangeKernel(queue, raw, cl_uint(global.count), nil, globalSize,
                                               localPointer.baseAddress, 0, nil, nil)
                    }
                } else {
                    clEnqueueNDRangeKernel(queue, raw, cl_uint(global.count), nil, globalSize, nil, 0, nil, nil)
                }
            }
        }
    }
}
