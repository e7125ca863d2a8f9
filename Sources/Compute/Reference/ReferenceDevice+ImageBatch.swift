extension ReferenceDevice: ImageBatchOps {
    public func imageBatch(_ images: Tensor, mean: [Float], std: [Float], into output: Tensor) throws {
        let (n, h, w, channels) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let source = SendablePointer(images.host(UInt8.self)), out = SendablePointer(output.host(Float.self))
        forEach(n * h) { row in
            let image = row / h, y = row % h
            let pixels = source.base + row * w * channels
            for channel in 0..<channels {
                let plane = out.base + ((image * channels + channel) * h + y) * w
                for x in 0..<w { plane[x] = (Float(pixels[x * channels + channel]) / 255 - mean[channel]) / std[channel] }
            }
        }
    }

    public func imageBatchInverse(_ x: Tensor, mean: [Float], std: [Float], into images: Tensor) throws {
        let (n, channels, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let source = SendablePointer(x.host(Float.self)), out = SendablePointer(images.host(UInt8.self))
        forEach(n * h) { row in
            let image = row / h, y = row % h
            for column in 0..<w {
                for channel in 0..<channels {
                    let value = source[((image * channels + channel) * h + y) * w + column]
                    let scaled = ((value * std[channel] + mean[channel]) * 255).rounded()
                    out[(row * w + column) * channels + channel] = scaled.isNaN ? 0 : UInt8(min(max(scaled, 0), 255))
                }
            }
        }
    }
}
