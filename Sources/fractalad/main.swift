import FractalADCLI
import Foundation

exit(FractalADCommandLine.main(Array(CommandLine.arguments.dropFirst())))
