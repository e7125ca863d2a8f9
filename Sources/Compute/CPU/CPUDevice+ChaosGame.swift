extension CPUDevice: ChaosGameOps {
    public func chaosGameWalk(systems: Tensor, seed: UInt64, walkers: Int, pointsPerImage: Int, warmup: Int,
                              into points: Tensor, bounds: Tensor) throws {
        let batch = systems.shape[0]
        let records = SendablePointer(systems.host(Int32.self))
        let out = SendablePointer(points.host(Int32.self))
        let box = SendablePointer(bounds.host(Int32.self))
        let philox = Philox4x32(seed: seed)
        let base = pointsPerImage / walkers, remainder = pointsPerImage % walkers
        forEach(batch * walkers) { item in
            let image = item / walkers, walker = item % walkers
            let record = records.base + image * ChaosGameLayout.systemWords
            let mapCount = Int(record[ChaosGameLayout.mapCount])
            let recorded = base + (walker < remainder ? 1 : 0)
            let first = walker * base + min(walker, remainder)
            var x = record[ChaosGameLayout.start], y = record[ChaosGameLayout.start + 1]
            var minX = Int32.max, minY = Int32.max, maxX = Int32.min, maxY = Int32.min
            var words: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
            for step in 0..<(warmup + recorded) {
                if step % 4 == 0 {
                    words = philox.block((UInt32(bitPattern: record[ChaosGameLayout.imageIndex]), UInt32(walker),
                                          UInt32(step / 4), UInt32(bitPattern: record[ChaosGameLayout.attempt])))
                }
                let u: UInt32 =
                    switch step % 4 {
                    case 0: words.0
                    case 1: words.1
                    case 2: words.2
                    default: words.3
                    }
                let k = ChaosGameMath.chooseMap(u, thresholds: record + ChaosGameLayout.thresholds, mapCount: mapCount)
                (x, y) = ChaosGameMath.step(x: x, y: y, map: record + ChaosGameLayout.coefficients + 6 * k)
                if step >= warmup {
                    let slot = (image * pointsPerImage + first + step - warmup) * 2
                    out[slot] = x
                    out[slot + 1] = y
                    minX = min(minX, x); minY = min(minY, y); maxX = max(maxX, x); maxY = max(maxY, y)
                }
            }
            let b = item * 4
            box[b] = minX; box[b + 1] = minY; box[b + 2] = maxX; box[b + 3] = maxY
        }
    }

    public func chaosGameRasterize(points: Tensor, views: Tensor, size: Int, into counts: Tensor) throws {
        let batch = points.shape[0], perImage = points.shape[1]
        let source = SendablePointer(points.host(Int32.self))
        let viewRecords = SendablePointer(views.host(Int32.self))
        let out = SendablePointer(counts.host(Int32.self))
        forEach(batch) { image in
            let view = ChaosGameView(record: viewRecords.base + image * ChaosGameLayout.viewWords)
            let plane = out.base + image * size * size
            for i in 0..<perImage {
                let point = source.base + (image * perImage + i) * 2
                guard let (row, column) = view.pixel(x: point[0], y: point[1], size: size) else { continue }
                if view.patchMask == 0 {
                    plane[row * size + column] += 1
                    continue
                }
                for bit in 0..<9 where view.patchMask & (1 << bit) != 0 {
                    let r = row + bit / 3 - 1, c = column + bit % 3 - 1
                    if r >= 0, r < size, c >= 0, c < size { plane[r * size + c] += 1 }
                }
            }
        }
    }

    public func chaosGameStatistics(counts: Tensor, into statistics: Tensor) throws {
        let batch = counts.shape[0], plane = counts.shape[1] * counts.shape[2]
        let source = SendablePointer(counts.host(Int32.self))
        let out = SendablePointer(statistics.host(Int32.self))
        forEach(batch) { image in
            var maximum: Int32 = 0, nonZero: Int32 = 0
            for i in 0..<plane {
                let c = source[image * plane + i]
                maximum = max(maximum, c)
                if c != 0 { nonZero += 1 }
            }
            out[image * 2] = maximum
            out[image * 2 + 1] = nonZero
        }
    }

    public func chaosGameColorize(counts: Tensor, statistics: Tensor, colors: Tensor, into images: Tensor) throws {
        let batch = counts.shape[0], plane = counts.shape[1] * counts.shape[2]
        let source = SendablePointer(counts.host(Int32.self))
        let stats = SendablePointer(statistics.host(Int32.self))
        let palette = SendablePointer(colors.host(Int32.self))
        let out = SendablePointer(images.host(UInt8.self))
        forEach(batch) { image in
            let maximum = max(stats[image * 2], 1)
            let color = palette.base + image * ChaosGameLayout.colorWords
            for i in 0..<plane {
                let c = source[image * plane + i]
                var rgb: (UInt8, UInt8, UInt8) = (0, 0, 0)
                if c > 0 {
                    let hue = (Int32((Int64(c) * 255) / Int64(maximum)) + color[ChaosGameLayout.hueOffset]) & 255
                    rgb = ChaosGameMath.hsvToRGB(hue: hue, saturation: color[ChaosGameLayout.saturation],
                                                 value: color[ChaosGameLayout.value])
                }
                let o = (image * plane + i) * 3
                out[o] = rgb.0; out[o + 1] = rgb.1; out[o + 2] = rgb.2
            }
        }
    }

    public func chaosGameBlur(images: Tensor, colors: Tensor, into blurred: Tensor) throws {
        let (batch, height, width, channels) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let source = SendablePointer(images.host(UInt8.self))
        let palette = SendablePointer(colors.host(Int32.self))
        let out = SendablePointer(blurred.host(UInt8.self))
        let planeBytes = height * width * channels
        forEach(batch) { image in
            let color = palette.base + image * ChaosGameLayout.colorWords
            let side = color[ChaosGameLayout.blurSide], centre = color[ChaosGameLayout.blurCentre]
            let input = UnsafePointer(source.base + image * planeBytes)
            let output = out.base + image * planeBytes
            guard side != 0 else {
                output.update(from: input, count: planeBytes)
                return
            }
            for y in 0..<height {
                for x in 0..<width {
                    for channel in 0..<channels {
                        output[(y * width + x) * channels + channel] = ChaosGameMath.blur(
                            input, height: height, width: width, channels: channels, side: side, centre: centre,
                            x: x, y: y, channel: channel)
                    }
                }
            }
        }
    }
}
