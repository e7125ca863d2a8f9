/// The samples of one component after the inverse DCT, served one image-size row at a time.
final class JPEGComponentSamples {
    private let component: JPEGComponent
    private let frame: JPEGFrame
    private let samples: UnsafeMutablePointer<UInt8>
    private let stride: Int
    private let fullSize: Bool
    /// One upsampled row, for subsampled components.
    private let scratch: UnsafeMutablePointer<UInt8>

    /// Runs the inverse DCT over every block of `component`.
    /// - Throws: `corrupt` when the component was never part of a scan.
    init(component: JPEGComponent, frame: JPEGFrame) throws {
        guard let quantization = component.quantization else {
            throw ImagingError(.corrupt, "component \(component.identifier) has no scan")
        }
        self.component = component
        self.frame = frame
        stride = component.blocksPerLine * 8
        samples = .allocate(capacity: stride * component.blocksPerColumn * 8)
        fullSize = component.horizontal == frame.maxHorizontal && component.vertical == frame.maxVertical
        scratch = .allocate(capacity: frame.width)
        quantization.withUnsafeBufferPointer { table in
            for y in 0..<component.blocksPerColumn {
                for x in 0..<component.blocksPerLine {
                    JPEGIDCT.transform(component.block(x, y), table.baseAddress!, samples + (8 * y) * stride + 8 * x,
                                       stride: stride)
                }
            }
        }
    }

    deinit {
        samples.deallocate()
        scratch.deallocate()
    }

    /// Row `y` (0 ..< image height) at the image width; valid until the next call.
    func row(_ y: Int) -> UnsafePointer<UInt8> {
        if fullSize { return UnsafePointer(samples + y * stride) }
        JPEGUpsampling.upsampleRow(y, samples, stride: stride, component: component, frame: frame, into: scratch)
        return UnsafePointer(scratch)
    }
}

/// Chroma upsampling as libjpeg-turbo does it with `do_fancy_upsampling` on (its default, and PIL's), so subsampled
/// images match PIL: `jdsample.c` chooses per component
/// - 2×1 (4:2:2) with more than 2 samples per row: the "fancy" triangle filter, outputs at 1/4 and 3/4 between input
///   centres with alternating rounding biases;
/// - 1×2 (4:4:0): the same filter vertically;
/// - 2×2 (4:2:0) with more than 2 samples per row: both, the vertical neighbour taken from the row above or below
///   (the first/last real row repeated at the image edges);
/// - any other integral factor (4:1:1, 4×4, narrow images): replication.
enum JPEGUpsampling {
    /// Writes row `y` of the component scaled to the image size into `output` (`frame.width` samples); `plane`
    /// holds the component's samples, rows `stride` apart.
    static func upsampleRow(_ y: Int, _ plane: UnsafeMutablePointer<UInt8>, stride: Int, component: JPEGComponent,
                            frame: JPEGFrame, into output: UnsafeMutablePointer<UInt8>) {
        let hExpand = frame.maxHorizontal / component.horizontal
        let vExpand = frame.maxVertical / component.vertical
        let width = frame.width, inWidth = component.width
        let near = plane + (y / vExpand) * stride
        if hExpand == 2 && vExpand == 1 && inWidth > 2 {
            fancyHorizontal(near, inWidth, output, width)
        } else if vExpand == 2 && (hExpand == 1 || hExpand == 2 && inWidth > 2) {
            let row = y / 2
            let farRow = y % 2 == 0 ? max(row - 1, 0) : min(row + 1, component.height - 1)
            let far = plane + farRow * stride
            if hExpand == 1 {
                let bias = y % 2 == 0 ? 1 : 2
                for x in 0..<width { output[x] = UInt8((3 * Int(near[x]) + Int(far[x]) + bias) >> 2) }
            } else {
                fancyBoth(near, far, inWidth, output, width)
            }
        } else {
            for x in 0..<width { output[x] = near[x / hExpand] }
        }
    }

    /// libjpeg's `h2v1_fancy_upsample` for one row of `inWidth > 2` samples, cut to `outWidth`.
    private static func fancyHorizontal(_ input: UnsafePointer<UInt8>, _ inWidth: Int,
                                        _ output: UnsafeMutablePointer<UInt8>, _ outWidth: Int) {
        @inline(__always) func put(_ x: Int, _ value: Int) { if x < outWidth { output[x] = UInt8(value) } }
        put(0, Int(input[0]))
        put(1, (Int(input[0]) * 3 + Int(input[1]) + 2) >> 2)
        for j in 1..<(inWidth - 1) {
            let centre = Int(input[j]) * 3
            put(2 * j, (centre + Int(input[j - 1]) + 1) >> 2)
            put(2 * j + 1, (centre + Int(input[j + 1]) + 2) >> 2)
        }
        let last = inWidth - 1
        put(2 * last, (Int(input[last]) * 3 + Int(input[last - 1]) + 1) >> 2)
        put(2 * last + 1, Int(input[last]))
    }

    /// libjpeg's `h2v2_fancy_upsample` for one output row: `near` is the nearest input row, `far` the next nearest.
    private static func fancyBoth(_ near: UnsafePointer<UInt8>, _ far: UnsafePointer<UInt8>, _ inWidth: Int,
                                  _ output: UnsafeMutablePointer<UInt8>, _ outWidth: Int) {
        @inline(__always) func put(_ x: Int, _ value: Int) { if x < outWidth { output[x] = UInt8(value >> 4) } }
        @inline(__always) func columnSum(_ j: Int) -> Int { Int(near[j]) * 3 + Int(far[j]) }
        var previous = columnSum(0), current = previous, next = columnSum(1)
        put(0, current * 4 + 8)
        put(1, current * 3 + next + 7)
        for j in 1..<(inWidth - 1) {
            previous = current
            current = next
            next = columnSum(j + 1)
            put(2 * j, current * 3 + previous + 8)
            put(2 * j + 1, current * 3 + next + 7)
        }
        let last = inWidth - 1
        put(2 * last, next * 3 + current + 8)
        put(2 * last + 1, next * 4 + 7)
    }
}

/// Colour conversion of libjpeg's `jdcolor.c` (`ycc_rgb_convert`): fixed-point with 16 fractional bits and the same
/// table rounding, so results match libjpeg exactly (T.871 / JFIF equations).
enum JPEGColor {
    private static let scaleBits = 16
    private static let oneHalf = 1 << 15
    private static func fix(_ x: Double) -> Int { Int(x * Double(1 << scaleBits) + 0.5) }

    private static let tables: (crR: [Int], cbB: [Int], crG: [Int], cbG: [Int]) = {
        var crR = [Int](), cbB = [Int](), crG = [Int](), cbG = [Int]()
        for i in 0...255 {
            let x = i - 128
            crR.append((fix(1.40200) * x + oneHalf) >> scaleBits)
            cbB.append((fix(1.77200) * x + oneHalf) >> scaleBits)
            crG.append(-fix(0.71414) * x)
            cbG.append(-fix(0.34414) * x + oneHalf)
        }
        return (crR, cbB, crG, cbG)
    }()

    @inline(__always)
    private static func clamp(_ x: Int) -> UInt8 { UInt8(min(max(x, 0), 255)) }

    /// Converts one row of YCbCr samples (or passes RGB samples through when `isRGB`) to interleaved RGB.
    static func convertRow(_ c0: UnsafePointer<UInt8>, _ c1: UnsafePointer<UInt8>, _ c2: UnsafePointer<UInt8>,
                           width: Int, isRGB: Bool, into output: UnsafeMutablePointer<UInt8>) {
        if isRGB {
            for x in 0..<width {
                output[3 * x] = c0[x]
                output[3 * x + 1] = c1[x]
                output[3 * x + 2] = c2[x]
            }
            return
        }
        tables.crR.withUnsafeBufferPointer { crR in
            tables.cbB.withUnsafeBufferPointer { cbB in
                tables.crG.withUnsafeBufferPointer { crG in
                    tables.cbG.withUnsafeBufferPointer { cbG in
                        for x in 0..<width {
                            let luma = Int(c0[x]), cb = Int(c1[x]), cr = Int(c2[x])
                            output[3 * x] = clamp(luma + crR[cr])
                            output[3 * x + 1] = clamp(luma + ((cbG[cb] + crG[cr]) >> scaleBits))
                            output[3 * x + 2] = clamp(luma + cbB[cb])
                        }
                    }
                }
            }
        }
    }
}
