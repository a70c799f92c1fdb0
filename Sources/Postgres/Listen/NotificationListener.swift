internal import CLibPQ
import Logging

/// One `LISTEN` connection and the thread that waits on its socket.
///
/// The thread sleeps in `poll` on the connection socket and a wake pipe, so it
/// costs nothing while idle and stops promptly when asked.
final class NotificationListener: Sendable {
    let notifications: PostgresNotifications
    private let continuation: AsyncThrowingStream<PostgresNotification, any Error>.Continuation
    private let thread: ConnectionThread
    private let connection: LibPQConnection
    private let wakePipe: WakePipe

    private init(thread: ConnectionThread, connection: LibPQConnection, wakePipe: WakePipe) {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: PostgresNotification.self, throwing: (any Error).self)
        self.notifications = PostgresNotifications(stream: stream)
        self.continuation = continuation
        self.thread = thread
        self.connection = connection
        self.wakePipe = wakePipe
    }

    /// Connects, runs `LISTEN`, and starts the receive loop.
    static func start(channel: String, parameters: [(keyword: String, value: String)], logger: Logger) async throws -> NotificationListener
    {
        let thread = ConnectionThread()
        let connection: LibPQConnection
        let wakePipe: WakePipe
        do {
            wakePipe = try WakePipe()
            connection = try await thread.run {
                let connection = try LibPQConnection.connect(parameters: parameters, logger: logger)
                let quoted = try connection.quoteIdentifier(channel)
                _ = try connection.executeScript("LISTEN \(quoted)")
                return connection
            }
        } catch {
            await thread.shutdown()
            throw error
        }
        let listener = NotificationListener(thread: thread, connection: connection, wakePipe: wakePipe)
        listener.startLoop(logger: logger, channel: channel)
        return listener
    }

    private func startLoop(logger: Logger, channel: String) {
        let connection = connection
        let continuation = continuation
        let wakeFD = wakePipe.readFD
        // Occupies the listener's only thread until woken through the pipe.
        thread.submit { isActive in
            guard isActive else {
                continuation.finish(throwing: PostgresError.clientShutdown)
                return
            }
            while true {
                let ready = clibpq_wait_for_input(connection.socket, wakeFD, -1)
                if ready < 0 || ready & 2 != 0 {
                    continuation.finish()
                    return
                }
                do {
                    for notification in try connection.consumeNotifications() {
                        continuation.yield(notification)
                    }
                } catch {
                    logger.warning(
                        "LISTEN connection lost; notifications stop", metadata: ["postgres.channel": "\(channel)", "error": "\(error)"])
                    continuation.finish(throwing: error)
                    return
                }
            }
        }
    }

    /// Wakes the loop, waits for it to end, closes the connection and the thread.
    func stop() async {
        wakePipe.signal()
        let connection = connection
        do {
            // Queued behind the loop on the single thread, so it runs once the loop has returned.
            try await thread.run { connection.finish() }
        } catch {
            connection.finish()
        }
        continuation.finish()
        await thread.shutdown()
    }
}

/// A self-pipe used to interrupt `poll`; owns and closes both descriptors.
final class WakePipe: Sendable {
    let readFD: Int32
    let writeFD: Int32

    init() throws(PostgresError) {
        var fds: [Int32] = [-1, -1]
        guard clibpq_make_wake_pipe(&fds) == 0 else {
            throw PostgresError(kind: .unsupported, message: "could not create a pipe for the LISTEN thread (out of file descriptors?)")
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    func signal() {
        clibpq_signal_wake_pipe(writeFD)
    }

    deinit {
        clibpq_close_fd(readFD)
        clibpq_close_fd(writeFD)
    }
}
