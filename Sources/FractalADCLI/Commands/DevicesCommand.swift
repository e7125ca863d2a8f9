import Compute

/// `fractalad devices`: every OpenCL platform and device plus the host CPU devices.
enum DevicesCommand: Command {
    static let name = "devices"
    static let summary = "list OpenCL and CPU devices with type, compute units, memory and driver version"
    static let synopsis = ""
    static let options: [OptionSpec] = []

    static func run(_ arguments: Arguments, _ console: Console) throws -> Int32 {
        let openCL = try OpenCLPlatform.devices()
        if openCL.isEmpty { console.note("no OpenCL platform or device found (install an ICD such as pocl-opencl-icd)") }
        for descriptor in openCL {
            let p = descriptor.properties
            console.print("\(descriptor.info) — \(descriptor.openCLCVersion), max work-group \(descriptor.maxWorkGroupSize), "
                + "float vectors native \(p.nativeFloatVectorWidth) / preferred \(p.preferredFloatVectorWidth), "
                + "local memory \(p.localMemoryBytes / 1024) KiB (\(p.dedicatedLocalMemory ? "dedicated" : "global"))")
        }
        console.print(CPUDevice.fastShared.info.description)
        console.print(CPUDevice.reference.info.description)
        let chosen = try Devices.select(nil)
        console.print("default: \(chosen.info.identifier)")
        return 0
    }
}
