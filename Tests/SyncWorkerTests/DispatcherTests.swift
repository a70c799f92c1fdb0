import Foundation
import Kafka
import SyncCore
import Testing

@testable import SyncWorker

/// The dispatcher's handlers are children of its run: cancelling it reaches every handler, and
/// no wait in it (for capacity, for a drain) outlives its task. Before, handlers were unstructured
/// tasks and the drain a continuation nothing could cancel: SIGTERM with PostgreSQL down hung.
@Suite("Dispatcher", .timeLimit(.minutes(1)))
struct DispatcherTests {
    actor Started {
        var count = 0
        func increment() { count += 1 }
    }

    static func work(_ offset: Int64, lane: String) -> Dispatcher.Work {
        Dispatcher.Work(
            message: KafkaMessage(topic: "billing.invoices", partition: 0, offset: offset, key: nil, value: nil),
            lane: lane, event: .failure(EventRejection(.notJSON, "test")))
    }

    @Test("handlers stuck retrying an unreachable database are cancelled with their run, and every wait returns")
    func cancellationReachesEveryHandler() async throws {
        let started = Started()
        let stored = StoredOffsets()
        let dispatcher = Dispatcher(
            maxInFlight: 2,
            handler: { _ in
                await started.increment()
                // What a handler does while PostgreSQL is down: retry until told to stop.
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
                return false
            }, storeOffset: { _, offset in stored.add(offset) })
        await dispatcher.assigned([TopicPartition(topic: "billing.invoices", partition: 0)])
        let runner = Task { await dispatcher.run() }
        // Two run; the third waits for capacity.
        let submitter = Task { for offset in 0..<3 { await dispatcher.submit(Self.work(Int64(offset), lane: "lane-\(offset)")) } }
        while await started.count < 2 { await Task.yield() }
        let drain = Task { await dispatcher.drainAll() }
        runner.cancel()
        submitter.cancel()
        drain.cancel()
        await runner.value
        await submitter.value
        await drain.value
        #expect(stored.values.isEmpty, "nothing unfinished is committed")
    }

    @Test("a finished run waits for its handlers, which complete and store their offsets in order")
    func finishWaitsForHandlers() async throws {
        let stored = StoredOffsets()
        let dispatcher = Dispatcher(
            maxInFlight: 4,
            handler: { work in
                try? await Task.sleep(for: .milliseconds(work.message.offset.isMultiple(of: 2) ? 20 : 1))
                return true
            }, storeOffset: { _, offset in stored.add(offset) })
        await dispatcher.assigned([TopicPartition(topic: "billing.invoices", partition: 0)])
        let runner = Task { await dispatcher.run() }
        for offset in 0..<8 { await dispatcher.submit(Self.work(Int64(offset), lane: offset < 4 ? "a" : "b")) }
        await dispatcher.drainAll()
        await dispatcher.finish()
        await runner.value
        #expect(await dispatcher.pending == 0)
        let values = stored.values
        #expect(values.last == 7, "everything done is committable")
        #expect(values == values.sorted(), "the committable offset only moves forward: \(values)")
    }

    /// Called from inside the dispatcher, in the order it stores offsets.
    final class StoredOffsets: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [Int64] = []
        func add(_ offset: Int64) { lock.withLock { stored.append(offset) } }
        var values: [Int64] { lock.withLock { stored } }
    }
}
