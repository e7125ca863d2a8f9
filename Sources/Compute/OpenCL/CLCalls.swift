import COpenCL
import Foundation
import Synchronization

// Every raw OpenCL call of the package goes through the helpers in this folder; no status is ignored.

/// Throws ``OpenCLError`` unless `status` is `CL_SUCCESS`.
///
/// Setting `FRACTALAD_CL_FAULT=<call>` (for example `clEnqueueNDRangeKernel`) makes every checked call of that
/// name fail with `CL_OUT_OF_RESOURCES`, so tests can prove that device failures surface as errors.
func clCheck(_ status: cl_int, _ call: String, _ context: @autoclosure () -> String = "") throws {
    if status == CL_SUCCESS, FaultInjection.shouldFail(call) {
        throw OpenCLError(status: CL_OUT_OF_RESOURCES, call: call, context: context() + " (injected fault)")
    }
    guard status == CL_SUCCESS else { throw OpenCLError(status: status, call: call, context: context()) }
}

/// Calls a `clCreate*` function that reports its status through an out-parameter.
func clCreate<T>(_ call: String, _ context: @autoclosure () -> String = "",
                 _ body: (UnsafeMutablePointer<cl_int>) -> T?) throws -> T {
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
    try clCheck(query(0, nil, &size), call)
    var bytes = [CChar](repeating: 0, count: max(size, 1))
    try clCheck(bytes.withUnsafeMutableBytes { query(size, $0.baseAddress, nil) }, call)
    return String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        .trimmingCharacters(in: .whitespaces)
}

/// Reads a fixed-size `clGet*Info` property.
func clInfoValue<T: FixedWidthInteger>(_ call: String, as: T.Type,
                                       _ query: (Int, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?) -> cl_int)
    throws -> T {
    var value: T = 0
    try clCheck(withUnsafeMutableBytes(of: &value) { query(MemoryLayout<T>.size, $0.baseAddress, nil) }, call)
    return value
}

/// Test hook behind `FRACTALAD_CL_FAULT`.
enum FaultInjection {
    private static let target = ProcessInfo.processInfo.environment["FRACTALAD_CL_FAULT"]

    static func shouldFail(_ call: String) -> Bool { target == call }
}
