import Logging
import Postgres
import SyncCore

/// `POST /webhooks/quickbooks`: checks the `intuit-signature`, reads either payload format and
/// commits the notifications (``NotificationStore``) before answering, so that nothing is lost
/// if the worker dies after the answer. Reconciling them happens later, off the request.
struct WebhookIntake: Sendable {
    let database: PostgresClient
    let verifierToken: String
    let metrics: WorkerMetrics
    let logger: Logger

    /// The largest body accepted (Intuit's notifications are a few kilobytes).
    static let maxBodyBytes = 1 << 20

    enum Outcome: Sendable, Equatable {
        /// Recorded: `received` notifications, of which `new` were not seen before.
        case recorded(received: Int, new: Int)
        case badSignature
        case unreadable(String)
        /// The database is away: QuickBooks delivers it again later.
        case unavailable
    }

    func receive(_ body: [UInt8], signature: String?) async -> Outcome {
        guard let signature, WebhookSignature.isValid(body: body, signature: signature, verifierToken: verifierToken) else {
            metrics.webhookRefused(reason: "signature")
            logger.warning("refused a webhook whose intuit-signature does not verify")
            return .badSignature
        }
        let notifications: [QuickBooksNotification]
        do {
            notifications = try WebhookPayload.notifications(from: body)
        } catch {
            metrics.webhookRefused(reason: "payload")
            logger.warning("refused a signed webhook qbsync cannot read", metadata: ["error": "\(error)"])
            return .unreadable(error.description)
        }
        do {
            let new = try await database.withConnection { connection in
                try await NotificationStore.record(notifications, source: "webhook", on: connection)
            }
            metrics.notificationsReceived(new: new, repeated: notifications.count - new)
            return .recorded(received: notifications.count, new: new)
        } catch {
            logger.warning("could not record a webhook's notifications; QuickBooks sends them again", metadata: ["error": "\(error)"])
            return .unavailable
        }
    }
}
