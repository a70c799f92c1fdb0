import ArgumentParser
import CommandLineSupport
import Foundation
import SyncWorker

struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Compare everything qbsync manages for a firm with what its QuickBooks company holds now, and print the differences.",
        discussion: """
            Every invoice and payment qbsync wrote, and the customer of every synced account, is read from QuickBooks \
            (through the company's request budget). --fix applies the firm's rule to what differs: the workers mark \
            each in the QuickBooks column, saying what changed there.
            """)

    @OptionGroup var logging: LoggingOptions
    @Option(help: "The platform's firm id.") var firm: String
    @Flag(help: "Apply the firm's rule to the differences found.") var fix = false
    @Flag(help: "Print the differences as JSON.") var json = false

    func run() async throws {
        let logger = logging.bootstrap()
        let configuration = try WorkerConfiguration.fromEnvironment()
        try configuration.validate()
        let (differences, fixed): ([FirmReconciliation.Difference], Int?)
        do {
            (differences, fixed) = try await FirmReconciliation.withStandalone(configuration: configuration, logger: logger) {
                reconciliation in
                let differences = try await reconciliation.differences(firmID: firm)
                return (differences, fix ? try await reconciliation.fix(differences, firmID: firm) : nil)
            }
        } catch let unknown as FirmReconciliation.UnknownFirm {
            throw ValidationError(unknown.description)
        }
        print(try Self.render(differences, json: json, fixed: fixed))
    }

    static func render(_ differences: [FirmReconciliation.Difference], json: Bool, fixed: Int?) throws -> String {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(differences), as: UTF8.self)
        }
        var lines = ["ENTITY\tID\tQUICKBOOKS\tWHAT CHANGED"]
        for difference in differences {
            lines.append(
                "\(difference.entity)\t\(difference.id)\t\(difference.quickBooksEntity) \(difference.quickBooksID)\t\(difference.detail)")
        }
        lines.append("\(differences.count) difference(s)" + (fixed.map { "; \($0) queued for the workers to mark in the column" } ?? ""))
        return lines.joined(separator: "\n")
    }
}
