import Compute

/// A residual block `y = relu(F(x) + shortcut(x))` (He, Zhang, Ren & Sun, "Deep Residual Learning for Image
/// Recognition", CVPR 2016). The shortcut is the identity, or a strided 1×1 convolution and batch norm
/// (`downsample.0`, `downsample.1`) where the block changes the resolution or the channel count.
public protocol ResidualBlock: Module {
    func forward(_ x: Tensor, mode: ForwardMode) throws -> Tensor
    /// Sets every parameter gradient of the block; returns the input gradient.
    func backward(_ outputGradient: Tensor) throws -> Tensor
}

/// The projection shortcut: a 1×1 convolution with the block's stride, then batch norm.
public final class Downsample: Module {
    public let convolution: Conv2d
    public let norm: BatchNorm2d

    init(name: String, inChannels: Int, outChannels: Int, stride: Int, initializer: inout Initializer,
         device: any Device) throws {
        convolution = try Conv2d(name: qualified(name, "0"), inChannels: inChannels, outChannels: outChannels,
                                 kernel: 1, stride: stride, initializer: &initializer, device: device)
        norm = try BatchNorm2d(name: qualified(name, "1"), channels: outChannels, device: device)
    }

    public var state: [StateEntry] { convolution.state + norm.state }

    func forward(_ x: Tensor, mode: ForwardMode) throws -> Tensor {
        try norm.forward(try convolution.forward(x, mode: mode), mode: mode)
    }

    func backward(_ outputGradient: Tensor) throws -> Tensor {
        try convolution.backward(try norm.backward(outputGradient))
    }
}

/// The two-convolution block of resnet18 and resnet34: 3×3 (with the stride) → BN → ReLU → 3×3 → BN, plus the
/// shortcut, then ReLU. Output channels = `planes`.
public final class BasicBlock: ResidualBlock {
    public static let expansion = 1
    public let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    public let downsample: Downsample?
    private let relu1: ReLU, relu2: ReLU

    init(name: String, inChannels: Int, planes: Int, stride: Int, initializer: inout Initializer,
         device: any Device) throws {
        conv1 = try Conv2d(name: qualified(name, "conv1"), inChannels: inChannels, outChannels: planes, kernel: 3,
                           stride: stride, padding: 1, initializer: &initializer, device: device)
        bn1 = try BatchNorm2d(name: qualified(name, "bn1"), channels: planes, device: device)
        conv2 = try Conv2d(name: qualified(name, "conv2"), inChannels: planes, outChannels: planes, kernel: 3,
                           padding: 1, initializer: &initializer, device: device)
        bn2 = try BatchNorm2d(name: qualified(name, "bn2"), channels: planes, device: device)
        downsample = stride != 1 || inChannels != planes
            ? try Downsample(name: qualified(name, "downsample"), inChannels: inChannels, outChannels: planes,
                             stride: stride, initializer: &initializer, device: device)
            : nil
        relu1 = ReLU(name: qualified(name, "relu1"))
        relu2 = ReLU(name: qualified(name, "relu2"))
    }

    public var state: [StateEntry] {
        conv1.state + bn1.state + conv2.state + bn2.state + (downsample?.state ?? [])
    }

    public func forward(_ x: Tensor, mode: ForwardMode) throws -> Tensor {
        var out = try relu1.forward(try bn1.forward(try conv1.forward(x, mode: mode), mode: mode), mode: mode)
        out = try bn2.forward(try conv2.forward(out, mode: mode), mode: mode)
        let shortcut = try downsample?.forward(x, mode: mode) ?? x
        return try relu2.forward(out, plus: shortcut, mode: mode)
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        let sum = try relu2.backward(outputGradient)
        var residual = try conv2.backward(try bn2.backward(sum))
        residual = try conv1.backward(try bn1.backward(try relu1.backward(residual)))
        let shortcut = try downsample?.backward(sum) ?? sum
        try LayerProfile.shared.measure(.residualGradient, residual.device) {
            try residual.device.axpy(1, shortcut, residual)
        }
        return residual
    }
}

/// The three-convolution block of resnet50 and the wide ResNets: 1×1 → BN → ReLU → 3×3 (with the stride) →
/// BN → ReLU → 1×1 → BN, plus the shortcut, then ReLU. The stride sits on the 3×3 convolution (torchvision's
/// "ResNet v1.5"). The inner width is `planes · baseWidth/64`: 64 for resnet50, 128 for the wide ResNets
/// (Zagoruyko & Komodakis, "Wide Residual Networks", BMVC 2016); output channels = `4·planes`.
public final class Bottleneck: ResidualBlock {
    public static let expansion = 4
    public let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d, conv3: Conv2d, bn3: BatchNorm2d
    public let downsample: Downsample?
    private let relu1: ReLU, relu2: ReLU, relu3: ReLU

    init(name: String, inChannels: Int, planes: Int, stride: Int, baseWidth: Int, initializer: inout Initializer,
         device: any Device) throws {
        let width = planes * baseWidth / 64, outChannels = planes * Self.expansion
        conv1 = try Conv2d(name: qualified(name, "conv1"), inChannels: inChannels, outChannels: width, kernel: 1,
                           initializer: &initializer, device: device)
        bn1 = try BatchNorm2d(name: qualified(name, "bn1"), channels: width, device: device)
        conv2 = try Conv2d(name: qualified(name, "conv2"), inChannels: width, outChannels: width, kernel: 3,
                           stride: stride, padding: 1, initializer: &initializer, device: device)
        bn2 = try BatchNorm2d(name: qualified(name, "bn2"), channels: width, device: device)
        conv3 = try Conv2d(name: qualified(name, "conv3"), inChannels: width, outChannels: outChannels, kernel: 1,
                           initializer: &initializer, device: device)
        bn3 = try BatchNorm2d(name: qualified(name, "bn3"), channels: outChannels, device: device)
        downsample = stride != 1 || inChannels != outChannels
            ? try Downsample(name: qualified(name, "downsample"), inChannels: inChannels, outChannels: outChannels,
                             stride: stride, initializer: &initializer, device: device)
            : nil
        relu1 = ReLU(name: qualified(name, "relu1"))
        relu2 = ReLU(name: qualified(name, "relu2"))
        relu3 = ReLU(name: qualified(name, "relu3"))
    }

    public var state: [StateEntry] {
        conv1.state + bn1.state + conv2.state + bn2.state + conv3.state + bn3.state + (downsample?.state ?? [])
    }

    public func forward(_ x: Tensor, mode: ForwardMode) throws -> Tensor {
        var out = try relu1.forward(try bn1.forward(try conv1.forward(x, mode: mode), mode: mode), mode: mode)
        out = try relu2.forward(try bn2.forward(try conv2.forward(out, mode: mode), mode: mode), mode: mode)
        out = try bn3.forward(try conv3.forward(out, mode: mode), mode: mode)
        let shortcut = try downsample?.forward(x, mode: mode) ?? x
        return try relu3.forward(out, plus: shortcut, mode: mode)
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        let sum = try relu3.backward(outputGradient)
        var residual = try conv3.backward(try bn3.backward(sum))
        residual = try conv2.backward(try bn2.backward(try relu2.backward(residual)))
        residual = try conv1.backward(try bn1.backward(try relu1.backward(residual)))
        let shortcut = try downsample?.backward(sum) ?? sum
        try LayerProfile.shared.measure(.residualGradient, residual.device) {
            try residual.device.axpy(1, shortcut, residual)
        }
        return residual
    }
}
