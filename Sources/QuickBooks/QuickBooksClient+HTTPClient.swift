import AsyncHTTPClient
import NIOCore
import NIOPosix

extension QuickBooksClient {
    /// An HTTP client for talking to QuickBooks from a worker that keeps many companies busy at
    /// once: up to `maxConnections` connections to the API host (AsyncHTTPClient's shared client
    /// keeps 8, which capped a whole worker at 8 requests in flight whatever the realms allowed),
    /// HTTP/2 where the server offers it, and bounded connect and read times. The realm gate, not
    /// the pool, keeps each company within QuickBooks' own limits.
    ///
    /// The caller owns it and must `shutdown()` it.
    public static func makeHTTPClient(maxConnections: Int, requestTimeout: Duration) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, maxConnections))
        configuration.httpVersion = .automatic
        let milliseconds = requestTimeout.components.seconds * 1000 + requestTimeout.components.attoseconds / 1_000_000_000_000_000
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(10), read: .milliseconds(max(1, milliseconds)))
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }
}
