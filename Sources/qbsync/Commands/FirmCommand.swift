import ArgumentParser
import CommandLineSupport
import Foundation
import Logging
import Postgres
import QuickBooks
import SyncCore
import SyncWorker

struct FirmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firm",
        abstract: "Manage a firm's QuickBooks connection.",
        subcommands: [Connect.self, Settings.self, Disconnect.self])

    struct Settings: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a connected firm's sync settings; they apply to what is held back too.",
            discussion:
                "An earlier --sync-start-date sends the documents it had held, oldest first; --policy all_accounts syncs every known account."
        )

        @OptionGroup var logging: LoggingOptions
        @Option(help: "The platform's firm id.") var firm: String
        @Option(help: "accounts_with_activity or all_accounts.") var policy: FirmPolicy?
        @Option(help: "Documents dated before this YYYY-MM-DD date are not synced.") var syncStartDate: CalendarDate?
        @Flag(help: "Remove the sync start date.") var noSyncStartDate = false
        @Option(help: "Whether manually recorded payments sync when their event carries no sync flag (true or false).")
        var manualPaymentsSync: Bool?
        @Option(help: "QuickBooks income account id for invoice lines (empty: the default).") var incomeAccount: String?
        @Option(help: "QuickBooks expense account id for payment processing fees (empty: the default).") var feeAccount: String?
        @Option(
            help: "When an accountant changes in QuickBooks what qbsync wrote: report (the column says so) or platform_wins (written back)."
        )
        var quickbooksChanges: QuickBooksChangeRule?

        func validate() throws {
            guard !(noSyncStartDate && syncStartDate != nil) else {
                throw ValidationError("give --sync-start-date or --no-sync-start-date, not both")
            }
        }

        func run() async throws {
            let logger = logging.bootstrap()
            try await withFirmConnector(logger: logger) { connector in
                let change = FirmConnector.SettingsChange(
                    policy: policy, syncStartDate: noSyncStartDate ? .some(nil) : syncStartDate.map { .some($0) },
                    manualPaymentsSync: manualPaymentsSync, incomeAccountID: incomeAccount, feeAccountID: feeAccount,
                    quickBooksChanges: quickbooksChanges)
                let result = try await connector.updateSettings(firmID: firm, change)
                print(
                    "firm \(firm): \(result.releasedDocuments) held document(s) now sent, \(result.startedAccounts) account(s) started syncing"
                )
            }
        }
    }

    struct Disconnect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Disconnect a firm's QuickBooks company: its tokens are revoked and forgotten, its work waits until it connects again.")

        @OptionGroup var logging: LoggingOptions
        @Option(help: "The platform's firm id.") var firm: String

        func run() async throws {
            let logger = logging.bootstrap()
            try await withFirmConnector(logger: logger) { connector in
                let result = try await connector.disconnect(firmID: firm)
                print(
                    result.changed
                        ? "disconnected firm \(firm) from QuickBooks; its work waits until it connects again"
                        : "firm \(firm) was already disconnected")
            }
        }
    }

    struct Connect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connect or reconnect a firm's QuickBooks company; waiting work resumes.",
            discussion: """
                Give the refresh token from the OAuth connect flow through QBSYNC_FIRM_REFRESH_TOKEN or --refresh-token-file \
                (a path, or - for standard input), never on the command line (anyone on the machine can read a process's \
                arguments); or give --authorization-code (the sandbox issues these).
                """)

        @OptionGroup var logging: LoggingOptions
        @Option(help: "The platform's firm id (the Kafka key of its events).") var firm: String
        @Option(help: "The QuickBooks company (realm) id.") var realm: String
        @Option(help: ArgumentHelp("Refused: a token in the arguments is visible in ps.", visibility: .hidden)) var refreshToken: String?
        @Option(help: "A file holding the QuickBooks OAuth refresh token, or - to read it from standard input.") var refreshTokenFile:
            String?
        @Option(help: "An OAuth authorization code to exchange.") var authorizationCode: String?
        @Option(help: "The redirect URI the authorization code was issued for.") var redirectURI = "http://localhost/qbsync/callback"
        @Option(help: "accounts_with_activity (default) or all_accounts.") var policy: FirmPolicy = .accountsWithActivity
        @Option(help: "Documents dated before this YYYY-MM-DD date are not synced.") var syncStartDate: CalendarDate?
        @Option(help: "Whether manually recorded payments sync when their event carries no sync flag.") var manualPaymentsSync = true
        @Option(help: "QuickBooks income account id for invoice lines.") var incomeAccount: String?
        @Option(help: "QuickBooks expense account id for payment processing fees.") var feeAccount: String?
        @Option(
            help:
                "When an accountant changes in QuickBooks what qbsync wrote: report (default: the column says so) or platform_wins (written back)."
        )
        var quickbooksChanges: QuickBooksChangeRule = .report

        func validate() throws {
            guard refreshToken == nil else {
                throw ValidationError(
                    "--refresh-token would show the token to anyone who runs ps; set QBSYNC_FIRM_REFRESH_TOKEN or use --refresh-token-file PATH (or - for standard input)"
                )
            }
        }

        /// The refresh token from the environment or a file; nil when an authorization code is given instead.
        func readRefreshToken() throws -> String? {
            let environment = ProcessInfo.processInfo.environment["QBSYNC_FIRM_REFRESH_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            let sources = [environment != nil, refreshTokenFile != nil, authorizationCode != nil].filter { $0 }.count
            guard sources == 1 else {
                throw ValidationError("give exactly one of QBSYNC_FIRM_REFRESH_TOKEN, --refresh-token-file and --authorization-code")
            }
            if let environment { return environment }
            guard let path = refreshTokenFile else { return nil }
            let text: String?
            if path == "-" {
                text = String(data: FileHandle.standardInput.readDataToEndOfFile(), encoding: .utf8)
            } else {
                do {
                    text = try String(contentsOfFile: path, encoding: .utf8)
                } catch {
                    throw ValidationError("--refresh-token-file \(path) could not be read: \(error.localizedDescription)")
                }
            }
            guard let token = text?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty else {
                throw ValidationError("--refresh-token-file \(path) is empty or not UTF-8")
            }
            return token
        }

        func run() async throws {
            let logger = logging.bootstrap()
            let refreshToken = try readRefreshToken()
            try await withFirmConnector(logger: logger) { connector in
                let credential: FirmConnector.Credential =
                    refreshToken.map { .refreshToken($0) }
                    ?? .authorizationCode(authorizationCode ?? "", redirectURI: redirectURI)
                let result = try await connector.connect(
                    FirmSettings(
                        firmID: firm, realmID: realm, policy: policy, syncStartDate: syncStartDate, manualPaymentsSync: manualPaymentsSync,
                        incomeAccountID: incomeAccount, feeAccountID: feeAccount, quickBooksChanges: quickbooksChanges),
                    credential: credential)
                print(
                    "connected firm \(result.firmID) to QuickBooks company \(result.realmID); resumed \(result.resumedAccounts) waiting account(s), started \(result.startedAccounts)"
                )
            }
        }
    }
}

/// Runs `body` with a connector over the configured database (migrated first), then closes it.
private func withFirmConnector(logger: Logger, _ body: (FirmConnector) async throws -> Void) async throws {
    let configuration = try WorkerConfiguration.fromEnvironment()
    try configuration.validate()
    let database = try PostgresClient(
        configuration: PostgresConfiguration(connectionString: configuration.databaseURL, poolSize: 2), logger: logger)
    do {
        try await Migrator(database: database, logger: logger).migrate()
        let connector = try FirmConnector(
            database: database, client: QuickBooksClient(configuration: configuration.quickBooks, logger: logger),
            tokenKey: configuration.tokenKey, statusTopic: configuration.topics.syncStatus, logger: logger,
            invoiceWait: configuration.paymentInvoiceWait)
        try await body(connector)
    } catch {
        await database.shutdown()
        throw error
    }
    await database.shutdown()
}

extension FirmPolicy: ExpressibleByArgument {}
extension QuickBooksChangeRule: ExpressibleByArgument {}

extension CalendarDate: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}
