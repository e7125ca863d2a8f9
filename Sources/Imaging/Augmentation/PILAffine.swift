import Foundation

/// PIL's nearest-neighbour affine warp (`Image.transform(size, AFFINE, matrix, NEAREST)`, `Geometry.c`), which
/// torchvision's `affine` and `rotate` call for PIL images, and the matrices they build.
extension ByteImage {
    /// Output pixel (x, y) takes the input pixel at `(m0·u + m1·v + m2, m3·u + m4·v + m5)` with (u, v) the output
    /// pixel centre, or 0 outside the input. Like PIL: a pure scale/translation steps source coordinates in double
    /// precision; otherwise in 16.16 fixed point when the corners fit, else in double precision.
    func affineNearest(_ m: [Double]) -> ByteImage {
        var out = [UInt8](repeating: 0, count: pixels.count)
        let c = channels
        @inline(__always) func copy(_ x: Int, _ y: Int, _ sourceX: Int, _ sourceY: Int) {
            guard sourceX >= 0 && sourceX < width && sourceY >= 0 && sourceY < height else { return }
            let from = (sourceY * width + sourceX) * c, to = (y * width + x) * c
            for k in 0..<c { out[to + k] = pixels[from + k] }
        }
        @inline(__always) func coordinate(_ v: Double) -> Int { v < 0 ? -1 : Int(v) }
        func fitsFixed(_ x: Int, _ y: Int) -> Bool {
            abs(Double(x) * m[0] + Double(y) * m[1] + m[2]) < 32768
                && abs(Double(x) * m[3] + Double(y) * m[4] + m[5]) < 32768
        }
        if m[1] == 0 && m[3] == 0 {
            var columns: [Int] = []
            var xo = m[2] + m[0] * 0.5
            for _ in 0..<width {
                columns.append(coordinate(xo))
                xo += m[0]
            }
            var yo = m[5] + m[4] * 0.5
            for y in 0..<height {
                let sourceY = coordinate(yo)
                for x in 0..<width { copy(x, y, columns[x], sourceY) }
                yo += m[4]
            }
        } else if fitsFixed(0, 0) && fitsFixed(width, height) && fitsFixed(0, height) && fitsFixed(width, 0) {
            func fix(_ v: Double) -> Int { Int((v * 65536 + 0.5).rounded(.down)) }
            let a0 = fix(m[0]), a1 = fix(m[1]), a3 = fix(m[3]), a4 = fix(m[4])
            var a2 = fix(m[2] + m[0] * 0.5 + m[1] * 0.5), a5 = fix(m[5] + m[3] * 0.5 + m[4] * 0.5)
            for y in 0..<height {
                var xx = a2, yy = a5
                for x in 0..<width {
                    copy(x, y, xx >> 16, yy >> 16)
                    xx += a0
                    yy += a3
                }
                a2 += a1
                a5 += a4
            }
        } else {
            var xo = m[2] + m[1] * 0.5 + m[0] * 0.5, yo = m[5] + m[4] * 0.5 + m[3] * 0.5
            for y in 0..<height {
                var xx = xo, yy = yo
                for x in 0..<width {
                    copy(x, y, coordinate(xx), coordinate(yy))
                    xx += m[0]
                    yy += m[3]
                }
                xo += m[1]
                yo += m[4]
            }
        }
        return ByteImage(validatedWidth: width, height: height, channels: c, pixels: out)
    }

    /// PIL `Image.rotate(angle, NEAREST)` (counter-clockwise degrees, about the image centre, same size, fill 0).
    func rotatedNearest(degrees: Double) -> ByteImage {
        var angle = fmod(degrees, 360)
        if angle < 0 { angle += 360 }
        if angle == 0 { return self }
        let radians = -(angle * (Double.pi / 180))
        // PIL rounds the matrix entries to 15 decimals (Python's round(x, 15)).
        func round15(_ x: Double) -> Double { Double(String(format: "%.15f", x)) ?? x }
        var m = [round15(cos(radians)), round15(sin(radians)), 0, round15(-sin(radians)), round15(cos(radians)), 0]
        let cx = Double(width) / 2, cy = Double(height) / 2
        m[2] = m[0] * -cx + m[1] * -cy + 0
        m[5] = m[3] * -cx + m[4] * -cy + 0
        m[2] += cx
        m[5] += cy
        return affineNearest(m)
    }

    /// torchvision `F.affine(img, angle, translate, scale, shear, NEAREST, center)` for PIL images: the inverse
    /// matrix of `_get_inverse_affine_matrix` (rotation, scale and shear about `center`, then translation).
    func affineNearest(angle: Double, translate: (Int, Int), scale: Double, shear: (Double, Double),
                       center: (Double, Double)?) -> ByteImage {
        let toRadians = Double.pi / 180
        let rotation = angle * toRadians, sx = shear.0 * toRadians, sy = shear.1 * toRadians
        let (cx, cy) = center ?? (Double(width) * 0.5, Double(height) * 0.5)
        let tx = Double(translate.0), ty = Double(translate.1)
        let a = cos(rotation - sy) / cos(sy)
        let b = -cos(rotation - sy) * tan(sx) / cos(sy) - sin(rotation)
        let c = sin(rotation - sy) / cos(sy)
        let d = -sin(rotation - sy) * tan(sx) / cos(sy) + cos(rotation)
        var m = [d, -b, 0, -c, a, 0].map { $0 / scale }
        m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
        m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
        m[2] += cx
        m[5] += cy
        return affineNearest(m)
    }
}
