import ArgumentParser
import Logging
import SyncWorker

/// Options every qbsync command shares (in `qbsync` and `qbsync-dev`).
public struct LoggingOptions: ParsableArguments {
    @Option(help: "Lowest log level written: trace, debug, info, notice, warning, error, critical.")
    public var logLevel: Logger.Level = .info

    public init() {}

    public func bootstrap(label: String = "qbsync") -> Logger {
        let level = logLevel
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        return Logger(label: label)
    }
}

// swift-format-ignore: AvoidRetroactiveConformances
// Neither swift-log nor swift-argument-parser can declare it, and only our commands parse levels.
extension Logger.Level: @retroactive ExpressibleByArgument {}
