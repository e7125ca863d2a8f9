import COpenCL
import Foundation
import Synchronization

/// An OpenCL device with its own context and in-order command queue.
///
/// Ops enqueue kernels without waiting; reads block until the data is ready, so results are always consistent.
/// Programs are built once per device from the embedded `Kernels/*.cl` sources and kept; kernel objects are cached
/// and guarded by a lock because `clSetKernelArg` mutates them. Freed buffers are pooled by size.
public final class OpenCLDevice: Device, @unchecked Sendable {
    /// Which shape of kernel an op launches where a family has two.
    public enum KernelVariant: String, Sendable {
        /// Vector types, several outputs per work-item, no `__local` tiles: for CPU devices such as PoCL.
        case cpu
        /// Work-group tiles in `__local` memory and one output per work-item: for GPUs.
        case gpu
    }

    public let info: DeviceInfo
    public let descriptor: OpenCLDeviceDescriptor
    /// The kernel shape used by ops that have both; by default chosen from the device type.
    public let variant: KernelVariant
    /// How tuned kernels pick their variant (see ``TunableKernel``).
    public let tuningMode: KernelTuningMode
    let tuningCache: TuningCache
    let tuned = Locked<[String: KernelParameters]>([:])
    let tuningLock = Mutex(())
    let context: cl_context
    let queue: cl_command_queue

    private let programs = Locked<[String: cl_program]>([:])
    private let buildLock = Mutex(())
    private let kernels = Locked<[KernelReference: CLKernel]>([:])
    private let pool = Locked(BufferPool())

    /// Creates a context and queue for `descriptor`.
    ///
    /// - Parameters:
    ///   - variant: forces a kernel shape; tests use it to check the GPU kernels on a CPU device too.
    ///   - tuning: how tuned kernels pick their variant; by default ``KernelTuningMode/fromEnvironment``.
    ///   - tuningCache: where tuned winners are kept; by default ``TuningCache/standard``.
    public init(_ descriptor: OpenCLDeviceDescriptor, variant: KernelVariant? = nil,
                tuning: KernelTuningMode = .fromEnvironment, tuningCache: TuningCache = .standard) throws {
        self.descriptor = descriptor
        self.tuningMode = tuning
        self.tuningCache = tuningCache
        let chosen = variant ?? (descriptor.info.type == .gpu ? .gpu : .cpu)
        self.variant = chosen
        var info = descriptor.info
        if variant != nil { info.identifier += "/\(chosen.rawValue)-kernels" }
        self.info = info
        var device: cl_device_id? = descriptor.deviceID
        let context = try clCreate("clCreateContext", "creating a context for \(descriptor.info.name)") {
            clCreateContext(nil, 1, &device, nil, nil, $0)
        }
        do {
            queue = try clCreate("clCreateCommandQueue", "creating a queue for \(descriptor.info.name)") {
                clCreateCommandQueue(context, descriptor.deviceID, 0, $0)
            }
        } catch {
            clReleaseContext(context)
            throw error
        }
        self.context = context
    }

    deinit {
        clFinish(queue)
        for kernel in kernels.withLock({ $0.values }) { kernel.release() }
        for program in programs.withLock({ $0.values }) { clReleaseProgram(program) }
        for buffer in pool.withLock({ $0.drain() }) { clReleaseMemObject(buffer) }
        clReleaseCommandQueue(queue)
        clReleaseContext(context)
    }

    // MARK: Memory

    public func allocate(byteCount: Int) throws -> DeviceBuffer {
        let bytes = max(byteCount, 1)
        if let reused = pool.withLock({ $0.take(byteCount: bytes) }) {
            return DeviceBuffer(device: self, handle: reused, byteCount: bytes)
        }
        guard bytes <= info.maxAllocationBytes else {
            throw ComputeError.outOfMemory(device: info.identifier, bytes: bytes)
        }
        let create = { [context] in
            try clCreate("clCreateBuffer", "allocating \(bytes) bytes") {
                clCreateBuffer(context, cl_mem_flags(CL_MEM_READ_WRITE), bytes, nil, $0)
            }
        }
        let mem: cl_mem
        do {
            mem = try create()
        } catch {
            // Give pooled memory back to the driver and try once more before reporting the failure.
            for buffer in pool.withLock({ $0.drain() }) { clReleaseMemObject(buffer) }
            mem = try create()
        }
        return DeviceBuffer(device: self, handle: mem, byteCount: bytes)
    }

    public func recycle(handle: OpaquePointer, byteCount: Int) {
        let limit = min(info.globalMemoryBytes / 4, 4 << 30)
        if let evicted = pool.withLock({ $0.put(handle, byteCount: byteCount, limit: limit) }) {
            for buffer in evicted { clReleaseMemObject(buffer) }
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer, to buffer: DeviceBuffer, offset: Int) throws {
        guard bytes.count > 0 else { return }
        try checkRange(buffer, offset: offset, count: bytes.count, "write")
        try clCall("clEnqueueWriteBuffer") {
            clEnqueueWriteBuffer(queue, buffer.handle, cl_bool(CL_TRUE), offset, bytes.count, bytes.baseAddress, 0,
                                 nil, nil)
        }
    }

    public func read(_ buffer: DeviceBuffer, offset: Int, into bytes: UnsafeMutableRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        try checkRange(buffer, offset: offset, count: bytes.count, "read")
        try clCall("clEnqueueReadBuffer") {
            clEnqueueReadBuffer(queue, buffer.handle, cl_bool(CL_TRUE), offset, bytes.count, bytes.baseAddress, 0,
                                nil, nil)
        }
    }

    public func copy(from source: DeviceBuffer, sourceOffset: Int, to destination: DeviceBuffer,
                     destinationOffset: Int, byteCount: Int) throws {
        guard byteCount > 0 else { return }
        try checkRange(source, offset: sourceOffset, count: byteCount, "copy")
        try checkRange(destination, offset: destinationOffset, count: byteCount, "copy")
        try clCall("clEnqueueCopyBuffer") {
            clEnqueueCopyBuffer(queue, source.handle, destination.handle, sourceOffset, destinationOffset, byteCount,
                                0, nil, nil)
        }
    }

    public func synchronize() throws {
        try clCall("clFinish") { clFinish(queue) }
    }

    private func checkRange(_ buffer: DeviceBuffer, offset: Int, count: Int, _ op: String) throws {
        guard buffer.device === self else { throw ComputeError.deviceMismatch(op: op) }
        guard offset >= 0, offset + count <= buffer.byteCount else {
            throw ComputeError.invalidArgument(
                op: op, detail: "bytes \(offset)..<\(offset + count) outside a buffer of \(buffer.byteCount)")
        }
    }

    // MARK: Programs and kernels

    /// Where the logs of successful builds go (`fractalad --verbose`). While nil, programs are built with `-w`, so
    /// the compiler's warnings stay quiet (PoCL prints "N warnings generated" to stderr); a failed build's error
    /// always carries its log.
    public static let buildLogHandler = Locked<(@Sendable (String) -> Void)?>(nil)

    /// Options every program is built with: OpenCL C 1.2 and the device type, so a file can specialise; `-w`
    /// unless build logs are asked for.
    private var buildOptions: String {
        let type = variant == .gpu ? "FRACTALAD_GPU" : "FRACTALAD_CPU"
        let quiet = Self.buildLogHandler.withLock { $0 == nil } ? " -w" : ""
        return "-cl-std=CL1.2\(quiet) -D \(type)=1"
    }

    private func buildLog(_ program: cl_program) -> String {
        (try? clInfoString("clGetProgramBuildInfo") {
            clGetProgramBuildInfo(program, descriptor.deviceID, cl_program_build_info(CL_PROGRAM_BUILD_LOG),
                                  $0, $1, $2)
        }) ?? ""
    }

    /// The built program of `Kernels/<name>.cl`, with the extra build options `defines` of a kernel variant.
    func program(_ name: String, defines: String = "") throws -> cl_program {
        let key = defines.isEmpty ? name : "\(name) \(defines)"
        if let built = programs.withLock({ $0[key] }) { return built }
        return try buildLock.withLock { _ in
            if let built = programs.withLock({ $0[key] }) { return built }
            let source = try KernelSources.source(named: name)
            let what = "building \(name).cl\(defines.isEmpty ? "" : " (\(defines))") for \(info.name)"
            let program = try source.withCString { text in
                var strings: UnsafePointer<CChar>? = text
                var length = strlen(text)
                return try clCreate("clCreateProgramWithSource", what) {
                    clCreateProgramWithSource(context, 1, &strings, &length, $0)
                }
            }
            var device: cl_device_id? = descriptor.deviceID
            do {
                try clCall("clBuildProgram", what) {
                    clBuildProgram(program, 1, &device, buildOptions + " " + defines, nil, nil)
                }
            } catch let error as OpenCLError {
                let log = buildLog(program)
                clReleaseProgram(program)
                throw OpenCLError(status: error.status, call: error.call, context: error.context, buildLog: log)
            }
            if let handler = Self.buildLogHandler.withLock({ $0 }) {
                let log = buildLog(program).trimmingCharacters(in: .whitespacesAndNewlines)
                if !log.isEmpty { handler("build log of \(name).cl\(defines.isEmpty ? "" : " (\(defines))") for \(info.name):\n\(log)") }
            }
            programs.withLock { $0[key] = program }
            return program
        }
    }

    /// Names of the kernels in a built program (`CL_PROGRAM_KERNEL_NAMES`).
    public func kernelNames(inProgram name: String) throws -> [String] {
        let program = try program(name)
        let names = try clInfoString("clGetProgramInfo") {
            clGetProgramInfo(program, cl_program_info(CL_PROGRAM_KERNEL_NAMES), $0, $1, $2)
        }
        return names.split(separator: ";").map(String.init)
    }

    func kernel(_ reference: KernelReference) throws -> CLKernel {
        if let cached = kernels.withLock({ $0[reference] }) { return cached }
        let program = try program(reference.program, defines: reference.defines)
        let raw = try clCreate("clCreateKernel", "creating \(reference)") {
            clCreateKernel(program, reference.name, $0)
        }
        let kernel = CLKernel(raw: raw, reference: reference)
        return kernels.withLock { table in
            if let existing = table[reference] {
                kernel.release()
                return existing
            }
            table[reference] = kernel
            return kernel
        }
    }

    /// Enqueues `reference` over `global` work-items (rounded up to multiples of `local` when given).
    ///
    /// A launch that fails first waits for the work already queued, so the error never ends the process while the
    /// runtime still compiles or runs earlier kernels (PoCL aborts when exit interrupts a kernel compile).
    func launch(_ reference: KernelReference, global: [Int], local: [Int]? = nil,
                _ arguments: [KernelArgument]) throws {
        guard global.allSatisfy({ $0 > 0 }) else { return }
        do {
            try kernel(reference).enqueue(on: queue, device: self, global: global, local: local, arguments)
        } catch {
            // The launch's error is the one to report; clFinish's own status would add nothing.
            clFinish(queue)
            throw error
        }
    }

    /// A work-group size for one-dimensional launches suited to the device type.
    var preferredGroupSize: Int { variant == .gpu ? 256 : 64 }

}

/// Size-keyed free lists of device buffers, bounded in total bytes.
struct BufferPool {
    private var free: [Int: [cl_mem]] = [:]
    private var pooledBytes = 0

    mutating func take(byteCount: Int) -> cl_mem? {
        guard var list = free[byteCount], let buffer = list.popLast() else { return nil }
        free[byteCount] = list
        pooledBytes -= byteCount
        return buffer
    }

    /// Adds a buffer; returns buffers to release when the pool would exceed `limit` bytes.
    mutating func put(_ buffer: cl_mem, byteCount: Int, limit: Int) -> [cl_mem]? {
        if byteCount > limit { return [buffer] }
        var evicted: [cl_mem] = []
        if pooledBytes + byteCount > limit { evicted = drain() }
        free[byteCount, default: []].append(buffer)
        pooledBytes += byteCount
        return evicted.isEmpty ? nil : evicted
    }

    mutating func drain() -> [cl_mem] {
        let all = free.values.flatMap { $0 }
        free.removeAll()
        pooledBytes = 0
        return all
    }
}
