import Compute
import Foundation
import Imaging

/// Entry point of the `fractalad` command-line tool.
///
/// Exit status: 0 success, 1 failure (a clear message on stderr), 2 usage error (the command's usage follows),
/// 130 interrupted by Ctrl-C after a clean stop.
public enum FractalADCommandLine {
    static let commands: [any Command.Type] = [
        DevicesCommand.self,
        TuneCommand.self,
        SelfTestCommand.self,
        IFSCommand.self,
        GenerateCommand.self,
        SyntheticCommand.self,
        TrainCommand.self,
        FitCommand.self,
        PredictCommand.self,
        EvaluateCommand.self,
        PollutionStudyCommand.self,
        DemoCommand.self,
    ]

    static var usage: String {
        var text = "usage: fractalad <command> [options]\n\nFractal pre-training and anomaly detection on OpenCL devices.\n\ncommands:\n"
        let width = commands.map { $0.name.count }.max()! + 2
        for command in commands {
            text += "  " + command.name.padding(toLength: width, withPad: " ", startingAt: 0) + command.summary + "\n"
        }
        text += "\nRun `fractalad <command> --help` for a command's options.\n"
        return text
    }

    public static func main(_ arguments: [String]) -> Int32 {
        InterruptHandler.restoreDefaults()
        let console = Console()
        guard let name = arguments.first else {
            console.note(usage)
            return 2
        }
        if ["-h", "--help", "help"].contains(name) {
            console.print(usage)
            return 0
        }
        if name == "--version" || name == "version" {
            console.print("fractalad \(FractalADVersion.string)")
            return 0
        }
        guard let command = commands.first(where: { $0.name == name }) else {
            console.note("fractalad: unknown command '\(name)'\n\n\(usage)")
            return 2
        }
        let rest = Array(arguments.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            console.print(command.usage)
            return 0
        }
        do {
            let parsed = try Arguments(rest, options: command.options, allowsPositionals: command.allowsPositionals)
            return try command.run(parsed, console)
        } catch let error as UsageError {
            console.note("fractalad \(command.name): \(error)\n\n\(command.usage)")
            return 2
        } catch {
            console.note("fractalad \(command.name): error: \(FileErrorText.describe(error))")
            return 1
        }
    }
}
