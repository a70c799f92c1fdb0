import ArgumentParser
import CommandLineSupport
import Foundation
import SyncWorker

struct DeadLetterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "Inspect the dead-letter topic and send chosen messages back after a fix.",
        subcommands: [List.self, Replay.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dead letters with why and where they came from.")
        @OptionGroup var logging: LoggingOptions
        @Option(
            help:
                "Only dead letters with this reason (not_json, unknown_type, missing_field, invalid_field, too_large, key_mismatch, unprocessable…)."
        ) var reason: String?

        func run() async throws {
            let logger = logging.bootstrap()
            let queue = DeadLetterQueue(configuration: try WorkerConfiguration.fromEnvironment(), logger: logger)
            let letters = try await queue.list().filter { reason == nil || $0.reason == reason }
            print("ID\tREASON\tFROM\tKEY\tERROR")
            for letter in letters {
                let from = "\(letter.originalTopic ?? "?")[\(letter.originalPartition ?? "?")]@\(letter.originalOffset ?? "?")"
                print("\(letter.id)\t\(letter.reason)\t\(from)\t\(letter.key)\t\(letter.error)")
            }
            print("\(letters.count) dead letter(s)")
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send dead letters back to their original topic (after the cause was fixed).",
            discussion: "Choose by id (partition:offset, as `qbsync dlq list` prints), by --reason, or --all.")
        @OptionGroup var logging: LoggingOptions
        @Argument(help: "Dead-letter ids (partition:offset).") var ids: [String] = []
        @Option(help: "Replay every dead letter with this reason.") var reason: String?
        @Flag(help: "Replay every dead letter.") var all = false
        @Flag(help: "Show what would be replayed without sending.") var dryRun = false

        func validate() throws {
            guard !ids.isEmpty || reason != nil || all else { throw ValidationError("choose dead letters by id, --reason or --all") }
        }

        func run() async throws {
            let logger = logging.bootstrap()
            let queue = DeadLetterQueue(configuration: try WorkerConfiguration.fromEnvironment(), logger: logger)
            let letters = try await queue.list()
            let known = Set(letters.map(\.id))
            let missing = ids.filter { !known.contains($0) }
            guard missing.isEmpty else {
                throw ValidationError("no dead letter with id \(missing.joined(separator: ", ")); see `qbsync dlq list`")
            }
            let chosen = letters.filter { all || ids.contains($0.id) || (reason != nil && $0.reason == reason) }
            if dryRun {
                for letter in chosen { print("would replay \(letter.id) (\(letter.reason)) to \(letter.originalTopic ?? "?")") }
                return
            }
            let sent = try await queue.replay(chosen)
            print("replayed \(sent) dead letter(s)")
        }
    }
}
