/// A command-line mistake: printed with the command's usage, exit status 2.
struct UsageError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// One `--option` of a command.
struct OptionSpec {
    let name: String
    /// Placeholder shown in the usage (`N`, `FILE`); nil for a flag that takes no value.
    let value: String?
    let help: String

    static func flag(_ name: String, _ help: String) -> OptionSpec { OptionSpec(name: name, value: nil, help: help) }
    static func value(_ name: String, _ placeholder: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, value: placeholder, help: help)
    }
}

/// The parsed options and positional arguments of one command.
struct Arguments {
    private var values: [String: String] = [:]
    private var flags: Set<String> = []
    var positionals: [String] = []

    /// Parses `--name value`, `--name=value` and `--flag`; anything not in `options` is a usage error.
    init(_ arguments: [String], options: [OptionSpec], allowsPositionals: Bool) throws {
        let byName = Dictionary(uniqueKeysWithValues: options.map { ($0.name, $0) })
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else {
                guard allowsPositionals else { throw UsageError("unexpected argument '\(argument)'") }
                positionals.append(argument)
                continue
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let spec = byName[name] else { throw UsageError("unknown option --\(name)") }
            if spec.value == nil {
                guard inlineValue == nil else { throw UsageError("--\(name) takes no value") }
                flags.insert(name)
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count else { throw UsageError("--\(name) needs a value (\(spec.value!))") }
                value = arguments[index]
                index += 1
            }
            // An empty value is a mistake (an unset shell variable), never a request for a default.
            guard !value.isEmpty else { throw UsageError("--\(name) needs a non-empty value (\(spec.value!))") }
            values[name] = value
        }
    }

    func flag(_ name: String) -> Bool { flags.contains(name) }

    func string(_ name: String) -> String? { values[name] }

    func required(_ name: String) throws -> String {
        guard let value = values[name] else { throw UsageError("--\(name) is required") }
        return value
    }

    /// A comma-separated list (`a,b,c`); an empty entry is a usage error.
    func list(_ name: String) throws -> [String]? {
        guard let text = values[name] else { return nil }
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard items.allSatisfy({ !$0.isEmpty }) else {
            throw UsageError("--\(name) expects a comma-separated list without empty entries, got '\(text)'")
        }
        return items
    }

    func int(_ name: String, default fallback: Int? = nil, in range: ClosedRange<Int>? = nil) throws -> Int? {
        guard let text = values[name] else { return fallback }
        guard let value = Int(text) else { throw UsageError("--\(name) expects an integer, got '\(text)'") }
        if let range, !range.contains(value) {
            throw UsageError("--\(name) must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    func double(_ name: String, default fallback: Double? = nil, in range: ClosedRange<Double>? = nil) throws
        -> Double? {
        guard let text = values[name] else { return fallback }
        guard let value = Double(text), value.isFinite else {
            throw UsageError("--\(name) expects a number, got '\(text)'")
        }
        if let range, !range.contains(value) {
            throw UsageError("--\(name) must be in [\(range.lowerBound), \(range.upperBound)], got \(value)")
        }
        return value
    }

    func uint64(_ name: String, default fallback: UInt64) throws -> UInt64 {
        guard let text = values[name] else { return fallback }
        guard let value = UInt64(text) else {
            throw UsageError("--\(name) expects a non-negative integer, got '\(text)'")
        }
        return value
    }

    func choice<T: RawRepresentable>(_ name: String, default fallback: T) throws -> T
    where T.RawValue == String, T: CaseIterable {
        guard let text = values[name] else { return fallback }
        guard let value = T(rawValue: text) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw UsageError("--\(name) must be one of \(allowed), got '\(text)'")
        }
        return value
    }
}
