/// The notifications arriving on a `LISTEN` channel, in the order the server sent them.
///
/// Ends when the `withNotifications` block returns; throws a `PostgresError`
/// with `isConnectionLoss` if the listening connection breaks (notifications sent
/// while disconnected are lost, so re-read any state you track after re-listening).
public struct PostgresNotifications: AsyncSequence, Sendable {
    public typealias Element = PostgresNotification

    let stream: AsyncThrowingStream<PostgresNotification, any Error>

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator())
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<PostgresNotification, any Error>.AsyncIterator

        public mutating func next() async throws -> PostgresNotification? {
            try await base.next()
        }
    }
}
