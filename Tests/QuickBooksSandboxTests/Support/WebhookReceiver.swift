import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore

/// A stand-in for the app's webhook endpoint on 127.0.0.1: records every POST it gets, and can
/// answer the first few with a 500 to make the sandbox retry.
struct WebhookReceiver {
    /// One POST as it arrived.
    struct Delivery: Sendable, CustomStringConvertible {
        let signature: String?
        let contentType: String?
        let body: [UInt8]

        var json: JSONDoc { JSONDoc(text: String(decoding: body, as: UTF8.self)) }

        var description: String {
            "POST intuit-signature: \(signature ?? "none") \(String(decoding: body, as: UTF8.self))"
        }

        /// The notification entities, in either format, flattened to the fields a receiver needs.
        var notifications: [Notification] {
            let document = json
            if document["eventNotifications"].exists {
                return document["eventNotifications"].array.flatMap { event in
                    event["dataChangeEvent"]["entities"].array.map { entity in
                        Notification(
                            realmId: event["realmId"].string, name: entity["name"].string, id: entity["id"].string,
                            operation: entity["operation"].string, time: entity["lastUpdated"].string,
                            deletedId: entity["deletedId"].string, cloudEventType: nil, cloudEventId: nil)
                    }
                }
            }
            return document.array.map { event in
                Notification(
                    realmId: event["intuitaccountid"].string, name: nil, id: event["intuitentityid"].string,
                    operation: nil, time: event["time"].string, deletedId: event["data"]["deletedId"].string,
                    cloudEventType: event["type"].string, cloudEventId: event["id"].string)
            }
        }

        /// Whether `intuit-signature` is base64(HMAC-SHA256(key: token, message: body)).
        func signatureVerifies(with token: String) -> Bool {
            guard let signature, let supplied = Data(base64Encoded: signature) else { return false }
            return HMAC<SHA256>.isValidAuthenticationCode(
                supplied, authenticating: Data(body), using: SymmetricKey(data: Data(token.utf8)))
        }
    }

    /// One notification entity or CloudEvent.
    struct Notification: Sendable, Equatable {
        var realmId: String?
        /// Legacy format only.
        var name: String?
        var id: String?
        /// Legacy format only.
        var operation: String?
        var time: String?
        var deletedId: String?
        /// CloudEvents only.
        var cloudEventType: String?
        var cloudEventId: String?
    }

    actor Inbox {
        private(set) var deliveries: [Delivery] = []
        /// POSTs received so far, failed and unanswered ones included.
        private(set) var attempts = 0
        private var failuresLeft = 0
        /// While true, POSTs get no answer.
        private(set) var holding = false

        func failNext(_ count: Int) {
            failuresLeft = count
        }

        func hold(_ holding: Bool) {
            self.holding = holding
        }

        fileprivate func arrived() {
            attempts += 1
        }

        fileprivate func answer(_ delivery: Delivery) -> HTTPResponse.Status {
            if failuresLeft > 0 {
                failuresLeft -= 1
                return .internalServerError
            }
            deliveries.append(delivery)
            return .ok
        }

        var notifications: [Notification] { deliveries.flatMap(\.notifications) }
    }

    let url: String
    let inbox: Inbox

    static func run<T>(_ body: (WebhookReceiver) async throws -> T) async throws -> T {
        let inbox = Inbox()
        let router = Router()
        router.post("/webhooks/quickbooks") { request, _ -> Response in
            let buffer = try await request.body.collect(upTo: 4 * 1024 * 1024)
            func header(_ name: String) -> String? {
                request.headers.first { $0.name.canonicalName == name }?.value
            }
            await inbox.arrived()
            while await inbox.holding { try await Task.sleep(for: .milliseconds(20)) }
            let status = await inbox.answer(
                Delivery(
                    signature: header("intuit-signature"), contentType: header("content-type"),
                    body: Array(buffer.readableBytesView)))
            return Response(status: status)
        }
        let (ports, portInput) = AsyncStream.makeStream(of: Int.self)
        // The receiver is stopped by cancellation at the end of the test, which Hummingbird logs as
        // errors that mean nothing here.
        var logger = Logger(label: "webhook-receiver")
        logger.logLevel = .critical
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portInput.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.runService(gracefulShutdownSignals: []) }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw HarnessError.missing("webhook receiver port") }
            let receiver = WebhookReceiver(url: "http://127.0.0.1:\(port)/webhooks/quickbooks", inbox: inbox)
            do {
                let result = try await body(receiver)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }
}
