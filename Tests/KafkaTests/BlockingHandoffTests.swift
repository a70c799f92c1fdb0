import Foundation
import Testing

@testable import Kafka

@Suite("Poll-thread hand-off")
struct BlockingHandoffTests {
    @Test("elements sent from a thread arrive in order, and the sender waits instead of dropping")
    func orderAndCapacity() async throws {
        let handoff = BlockingHandoff<Int>(capacity: 2)
        let sent = Locked(0)
        let thread = Thread {
            for value in 0..<100 {
                _ = handoff.send(value)
                sent.withLock { $0 += 1 }
            }
        }
        thread.start()
        var received: [Int] = []
        while received.count < 100 {
            let value = try await handoff.next()
            received.append(try #require(value))
            // The sender can be ahead of the reader by at most the capacity (+1 handed over directly).
            #expect(sent.current - received.count <= 3)
        }
        #expect(received == Array(0..<100))
    }

    @Test("finishing wakes a blocked sender, discards buffered elements and reports a failure once")
    func finishing() async throws {
        let handoff = BlockingHandoff<Int>(capacity: 1)
        #expect(handoff.send(1))
        let blockedSendReturned = Locked<Bool?>(nil)
        let thread = Thread { blockedSendReturned.withLock { $0 = handoff.send(2) } }
        thread.start()
        let failure = KafkaError(kind: .consume, code: .fatal, message: "fenced", isFatal: true)
        handoff.finish(failure: failure)
        try await waitUntil("the blocked sender to return") { blockedSendReturned.current != nil }
        #expect(blockedSendReturned.current == false)
        #expect(!handoff.send(3))
        await #expect(throws: KafkaError.self) { try await handoff.next() }
        #expect(try await handoff.next() == nil)
    }

    @Test("cancelling a waiting reader ends its iteration without losing later elements")
    func cancellation() async throws {
        let handoff = BlockingHandoff<Int>(capacity: 4)
        let reader = Task { try await handoff.next() }
        reader.cancel()
        #expect(try await reader.value == nil)
        #expect(handoff.send(7))
        #expect(try await handoff.next() == 7)
    }
}
