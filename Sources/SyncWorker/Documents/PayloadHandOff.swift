import DequeModule
import SyncCore
import Synchronization

/// The payloads of the invoice and payment events this worker's consumer has committed, handed to
/// its pusher, which would otherwise decode the same stored bytes again when it plans the
/// document's write.
///
/// A payload is handed over only for the very bytes stored now: an entry that no longer matches
/// (a newer revision came through another worker, its batch rolled back) is a miss, never a wrong
/// payload, and a miss decodes the stored bytes as before. Taking an entry removes it, so while the
/// pusher keeps up the hand-off holds next to nothing; behind a backlog it keeps the newest
/// `capacity` documents and forgets the oldest first.
final class PayloadHandOff: Sendable {
    struct Key: Hashable, Sendable {
        var firmID: String
        var kind: DocumentKind
        var documentID: String
    }

    private struct Entry {
        var content: [UInt8]
        var payload: IngressEvent.Payload
        var revision: Int64
        /// Which put made it (the order's entry for it carries the same number).
        var serial: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        /// Puts, oldest first; an entry taken or replaced since leaves a stale item, skipped when it comes up.
        var order: Deque<(key: Key, serial: UInt64)> = []
        var serial: UInt64 = 0
    }

    /// About 1,024 invoices' worth of a few kilobytes each: the documents a pusher that keeps up
    /// plans within a second or two of their commit.
    static let defaultCapacity = 1024

    let capacity: Int
    private let state = Mutex(State())
    private let metrics: WorkerMetrics?

    init(capacity: Int, metrics: WorkerMetrics? = nil) {
        precondition(capacity >= 0, "a hand-off holds zero payloads or more")
        self.capacity = capacity
        self.metrics = metrics
    }

    /// Hands over what a committed transaction stored for `key`; an entry of a newer revision stays.
    func put(_ key: Key, content: [UInt8], payload: IngressEvent.Payload, revision: Int64) {
        guard capacity > 0 else { return }
        state.withLock { state in
            if let held = state.entries[key], held.revision > revision { return }
            state.serial &+= 1
            state.entries[key] = Entry(content: content, payload: payload, revision: revision, serial: state.serial)
            state.order.append((key, state.serial))
            // The order holds one item per put; keeping it within the capacity bounds the entries too.
            while state.order.count > capacity, let oldest = state.order.popFirst() {
                if state.entries[oldest.key]?.serial == oldest.serial { state.entries[oldest.key] = nil }
            }
        }
    }

    /// The payload decoded from `content`, removed from the hand-off; nil when it holds none for
    /// exactly these bytes (the caller decodes them).
    func take(_ key: Key, content: [UInt8]) -> IngressEvent.Payload? {
        let payload: IngressEvent.Payload? = state.withLock { state in
            guard let entry = state.entries.removeValue(forKey: key) else { return nil }
            return entry.content == content ? entry.payload : nil
        }
        metrics?.pusherPayload(handedOver: payload != nil)
        return payload
    }

    /// Payloads held now.
    var count: Int { state.withLock { $0.entries.count } }
}

extension PayloadHandOff {
    /// Hands over the content an applied upsert stored (others store none).
    func put(_ event: IngressEvent, value: [UInt8]) {
        switch event.payload {
        case .invoiceUpserted(let invoice):
            put(
                Key(firmID: event.firmID, kind: .invoice, documentID: invoice.invoiceID), content: value, payload: event.payload,
                revision: invoice.revision)
        case .paymentUpserted(let payment):
            put(
                Key(firmID: event.firmID, kind: .payment, documentID: payment.paymentID), content: value, payload: event.payload,
                revision: payment.revision)
        default:
            return
        }
    }
}
