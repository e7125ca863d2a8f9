import COpenCL
import Foundation
import Synchronization

// Every raw OpenCL call of the package goes through the helpers in this folder; no status is ignored.

/// Makes the OpenCL call `call` (`body`) and throws ``OpenCLError`` unless it returns `CL_SUCCESS`.
///
/// Setting `FRACTALAD_CL_FAULT=<call>` (for example `clEnqueueNDRangeKernel`) makes every call of that name fail
/// with `CL_OUT_OF_RESOURCES` without being made, as a real failure would (nothing is enqueued or created), so tests
/// can prove that device failures surface as errors. (Injecting after a successful call once let a kernel run on
/// while the error ended the process, which PoCL, still compiling it on a cold kernel cache, aborted.)
func clCall(_ call: String, _ context: @autoclosure () -> String = "", _ body: () -> cl_int) throws {
    if FaultInjection.shouldFail(call) { throw FaultInjection.error(call, context()) }
    try clCheck(body(), call, context())
}

/// Throws ``OpenCLError`` unless `status`, already returned by `call`, is `CL_SUCCESS`; for the few calls whose
/// status is inspected first (see ``clCall(_:_:_:)`` for everything else).
func clCheck(_ status: cl_int, _ call: String, _ context: @autoclosure () -> String = "") throws {
    guard status == CL_SUCCESS else { throw OpenCLError(status: status, call: call, context: context()) }
}

/// Calls a `clCreate*` function that reports its status through an out-parameter.
func clCreate<T>(_ call: String, _ context: @autoclosure () -> String = "",
                 _ body: (UnsafeMutablePointer<cl_int>) -> T?) throws -> T {
    if FaultInjection.shouldFail(call) { throw FaultInjection.error(call, context()) }
    var status: cl_int = CL_SUCCESS
    let result = body(&status)
    try clCheck(status, call, context())
    guard let result else { throw OpenCLError(status: CL_INVALID_VALUE, call: call, context: context()) }
    return result
}

/// Reads a string-valued `clGetDeviceInfo` / `clGetPlatformInfo` style property.
func clInfoString(_ call: String, _ query: (Int, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?) -> cl_int)
    throws -> String {
    var size = 0
    try clCall(call) { query(0, nil, &size) }
    var bytes = [CChar](repeating: 0, count: max(size, 1))
    try clCall(call) { bytes.withUnsafeMutableBytes { query(size, $0.baseAddress, nil) } }
    return String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        .trimmingCharacters(in: .whitespaces)
}

/// Reads a fixed-size `clGet*Info` property.
func clInfoValue<T: FixedWidthInteger>(_ call: String, as: T.Type,
                                       _ query: (Int, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?) -> cl_int)
    throws -> T {
    var value: T = 0
    try clCall(call) { withUnsafeMutableBytes(of: &value) { query(MemoryLayout<T>.size, $0.baseAddress, nil) } }
    return value
}

/// Test hook behind `FRACTALAD_CL_FAULT`; tests inside the process scope it with `$target.withValue`.
enum FaultInjection {
    @TaskLocal static var target = ProcessInfo.processInfo.environment["FRACTALAD_CL_FAULT"]

    static func shouldFail(_ call: String) -> Bool { target == call }

    static func error(_ call: String, _ context: String) -> OpenCLError {
        OpenCLError(status: CL_OUT_OF_RESOURCES, call: call, context: context + " (injected fault)")
    }
}
