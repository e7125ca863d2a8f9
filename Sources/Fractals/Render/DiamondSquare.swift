import Compute
import Foundation

/// Colourised diamond–square noise backgrounds (Fournier, Fussell & Carpenter, "Computer rendering of stochastic
/// models", CACM 1982), with the reference generators' parameters: random corners, roughness decay ~ U(0.4, 0.8),
/// level-k noise amplitude `0.5·exp(decay·(1 − k))`, and an HSV colouring whose hue covers the whole circle.
public enum DiamondSquare {
    /// Noise on a `(2^⌈log2 size⌉ + 1)²` grid cropped to `size × size`, scaled to [0, 1].
    public static func noise(size: Int, seed: UInt64, imageIndex: Int) -> [Float] {
        var random = PhiloxStream(seed: seed, stream: (RandomStreams.background, UInt32(truncatingIfNeeded: imageIndex),
                                                       UInt32(truncatingIfNeeded: imageIndex >> 32)))
        var n = 1
        while n < size - 1 { n *= 2 }
        let side = n + 1
        var grid = [Float](repeating: 0, count: side * side)
        let decay = random.uniform(0.4, 0.8)
        for (y, x) in [(0, 0), (0, n), (n, 0), (n, n)] { grid[y * side + x] = Float(random.nextUnit()) }
        var step = n, level = 1
        var jitter = CellJitter(philox: Philox4x32(seed: seed), imageIndex: imageIndex)
        while step > 1 {
            let half = step / 2
            let amplitude = Float(0.5 * exp(decay * Double(1 - level)))
            grid.withUnsafeMutableBufferPointer { g in
                var y = half
                while y < side {
                    var x = half
                    while x < side {
                        let average = (g[(y - half) * side + x - half] + g[(y - half) * side + x + half]
                            + g[(y + half) * side + x - half] + g[(y + half) * side + x + half]) / 4
                        g[y * side + x] = average + jitter.next(cell: y * side + x, level: level, amplitude: amplitude)
                        x += step
                    }
                    y += step
                }
                y = 0
                while y < side {
                    var x = (y / half) % 2 == 0 ? half : 0
                    while x < side {
                        var sum: Float = 0, count: Float = 0
                        if y >= half { sum += g[(y - half) * side + x]; count += 1 }
                        if y + half < side { sum += g[(y + half) * side + x]; count += 1 }
                        if x >= half { sum += g[y * side + x - half]; count += 1 }
                        if x + half < side { sum += g[y * side + x + half]; count += 1 }
                        g[y * side + x] = sum / count + jitter.next(cell: y * side + x, level: level, amplitude: amplitude)
                        x += step
                    }
                    y += half
                }
            }
            step = half
            level += 1
        }
        var cropped = [Float](repeating: 0, count: size * size)
        for y in 0..<size { for x in 0..<size { cropped[y * size + x] = grid[y * side + x] } }
        let low = cropped.min() ?? 0, high = cropped.max() ?? 1
        let range = high > low ? high - low : 1
        return cropped.map { ($0 - low) / range }
    }

    /// An RGB background `[size, size, 3]` from the noise `x` (quantised to 4096 levels): hue = x·255·U(.25, 1) +
    /// 255·U(0, 1) (mod 256),
    /// S = min(x·255·U(.1, .3) + 255·U(.4, .6), 255), V = min(x·255·U(.3, .6) + 255·U(.4, .6), 255).
    public static func background(size: Int, seed: UInt64, imageIndex: Int) -> [UInt8] {
        let noise = noise(size: size, seed: seed, imageIndex: imageIndex)
        var random = PhiloxStream(seed: seed, stream: (RandomStreams.background | 0x200,
                                                       UInt32(truncatingIfNeeded: imageIndex),
                                                       UInt32(truncatingIfNeeded: imageIndex >> 32)))
        let hueGain = 255 * random.uniform(0.25, 1), hueBase = 255 * random.uniform(0, 1)
        let saturationGain = 255 * random.uniform(0.1, 0.3), saturationBase = 255 * random.uniform(0.4, 0.6)
        let valueGain = 255 * random.uniform(0.3, 0.6), valueBase = 255 * random.uniform(0.4, 0.6)
        // The colour is a function of the noise value alone, so it is tabulated over 4096 levels of it.
        let levels = 4096
        var table = [UInt8](repeating: 0, count: levels * 3)
        for level in 0..<levels {
            let x = Double(level) / Double(levels - 1)
            let hue = Int32(x * hueGain + hueBase) & 255
            let saturation = Int32(min(x * saturationGain + saturationBase, 255))
            let value = Int32(min(x * valueGain + valueBase, 255))
            let (r, g, b) = ChaosGameMath.hsvToRGB(hue: hue, saturation: saturation, value: value)
            table[3 * level] = r; table[3 * level + 1] = g; table[3 * level + 2] = b
        }
        var rgb = [UInt8](repeating: 0, count: size * size * 3)
        for i in 0..<(size * size) {
            let level = 3 * Int(noise[i] * Float(levels - 1) + 0.5)
            rgb[3 * i] = table[level]; rgb[3 * i + 1] = table[level + 1]; rgb[3 * i + 2] = table[level + 2]
        }
        return rgb
    }

    /// Copies `background` into every pixel of `foreground` that is black (all channels zero).
    public static func composite(foreground: UnsafeMutablePointer<UInt8>, background: [UInt8]) {
        for i in stride(from: 0, to: background.count, by: 3)
        where foreground[i] == 0 && foreground[i + 1] == 0 && foreground[i + 2] == 0 {
            foreground[i] = background[i]; foreground[i + 1] = background[i + 1]; foreground[i + 2] = background[i + 2]
        }
    }
}

/// Counter-based noise for diamond–square: cell `c` of a level uses word `c mod 4` of Philox block `c / 4`, so the
/// values do not depend on the order cells are visited in; the last block is kept because cells are mostly visited
/// in increasing order.
private struct CellJitter {
    let philox: Philox4x32
    let imageIndex: Int
    private var key = (level: -1, block: -1)
    private var words: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)

    init(philox: Philox4x32, imageIndex: Int) {
        self.philox = philox
        self.imageIndex = imageIndex
    }

    /// A value uniform on [−amplitude, amplitude).
    mutating func next(cell: Int, level: Int, amplitude: Float) -> Float {
        if key != (level, cell >> 2) {
            key = (level, cell >> 2)
            words = philox.block((RandomStreams.background | 0x100, UInt32(truncatingIfNeeded: imageIndex),
                                  UInt32(level), UInt32(cell >> 2)))
        }
        let word: UInt32 =
            switch cell & 3 {
            case 0: words.0
            case 1: words.1
            case 2: words.2
            default: words.3
            }
        return (Float(word) * 0x1p-32 * 2 - 1) * amplitude
    }
}
