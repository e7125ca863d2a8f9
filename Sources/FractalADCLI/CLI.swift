import Compute

/// Entry point of the `fractalad` command-line tool.
public enum FractalADCommandLine {
    public static func main(_ arguments: [String]) -> Int32 {
        0
    }
}
