import ArgumentParser
import Foundation
import SyncWorker

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the environment variables qbsync reads, or check the current environment.",
        subcommands: [Variables.self, Check.self])

    struct Variables: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every QBSYNC_* variable with its default and rule.")
        @Flag(help: "Print only the names (secrets also as NAME_FILE), one a line.") var names = false

        func run() {
            for variable in WorkerConfiguration.variables {
                if names {
                    print(variable.name)
                    if variable.secret { print("\(variable.name)_FILE") }
                } else {
                    let shown = variable.defaultValue.isEmpty ? "" : " [\(variable.defaultValue)]"
                    print("\(variable.name)\(shown): \(variable.meaning)\(variable.rule.isEmpty ? "" : "; \(variable.rule)")")
                }
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the environment as a worker would at start; exit 1 with the problem otherwise.")

        func run() throws {
            do {
                try WorkerConfiguration.fromEnvironment().validate()
            } catch {
                FileHandle.standardError.write(Data("\(error.description)\n".utf8))
                throw ExitCode.failure
            }
            print("configuration valid")
        }
    }
}
