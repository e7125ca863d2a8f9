/// The FractalAD version recorded in manifests, checkpoints and model files.
public enum FractalADVersion {
    public static let string = "0.1.0"
}
