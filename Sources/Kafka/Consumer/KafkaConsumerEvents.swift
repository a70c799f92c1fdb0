/// The ordered events of a ``KafkaConsumer``. See ``KafkaConsumer/events``.
public struct KafkaConsumerEvents: AsyncSequence, Sendable {
    public typealias Element = KafkaConsumerEvent

    private let consumer: KafkaConsumer

    init(consumer: KafkaConsumer) {
        self.consumer = consumer
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(consumer: self.consumer)
    }

    /// Iterates the events. Returns `nil` after the consumer closed or when the iterating task is
    /// cancelled (the consumer keeps running; iterate again to continue).
    public struct AsyncIterator: AsyncIteratorProtocol {
        // Held so the consumer cannot shut down under a running loop.
        private let consumer: KafkaConsumer

        init(consumer: KafkaConsumer) {
            self.consumer = consumer
        }

        public mutating func next() async throws(KafkaError) -> KafkaConsumerEvent? {
            try await self.consumer.loop.events.next()
        }
    }
}
