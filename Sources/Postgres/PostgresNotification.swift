/// A `NOTIFY` received on a channel this client listens to.
public struct PostgresNotification: Sendable, Hashable {
    /// The channel name.
    public var channel: String
    /// The payload string (empty when none was given).
    public var payload: String
    /// Process id of the notifying server session.
    public var processID: Int32

    public init(channel: String, payload: String, processID: Int32) {
        self.channel = channel
        self.payload = payload
        self.processID = processID
    }
}
