import Kafka
import Logging
import Postgres
import ServiceLifecycle

/// Re-checks, every few seconds, that PostgreSQL and a Kafka broker answer, so `/readyz` turns
/// red while either is away (librdkafka and the pool reconnect silently, so nothing else would
/// say so) and green again when they are back.
struct ReadinessMonitor: Service {
    let database: PostgresClient
    /// Whether a broker answers within the timeout (the consumer's or the producer's client).
    let brokersReachable: @Sendable (Duration) async -> Bool
    let readiness: Readiness
    let interval: Duration
    let logger: Logger

    func run() async throws {
        // Nothing to finish at shutdown: stop at once, mid-check or mid-sleep.
        try? await cancelWhenGracefulShutdown { try await monitor() }
    }

    private func monitor() async throws {
        var wasReady: [Readiness.Component: Bool] = [:]
        while !Task.isCancelled {
            let timeout = min(interval, .seconds(2))
            async let databaseUp = checkDatabase(timeout: timeout)
            async let brokersUp = brokersReachable(timeout)
            let (database, kafka) = await (databaseUp, brokersUp)
            await readiness.set(.database, ready: database == nil, detail: database)
            await readiness.set(.kafka, ready: kafka, detail: "no Kafka broker answered within \(timeout)")
            for (component, up) in [(Readiness.Component.database, database == nil), (.kafka, kafka)] where wasReady[component] != up {
                if up {
                    logger.info("readiness: \(component.rawValue) is back")
                } else {
                    logger.warning("readiness: \(component.rawValue) is unreachable")
                }
                wasReady[component] = up
            }
            try await Task.sleep(for: interval)
        }
    }

    /// nil when PostgreSQL answered; otherwise what went wrong.
    private func checkDatabase(timeout: Duration) async -> String? {
        await withTaskGroup(of: String?.self) { group in
            group.addTask {
                do {
                    _ = try await database.withConnection { try await $0.query("select 1 as ok") }
                    return nil
                } catch {
                    return "PostgreSQL does not answer: \(error)"
                }
            }
            group.addTask {
                guard (try? await Task.sleep(for: timeout)) != nil else { return nil }
                return "PostgreSQL did not answer within \(timeout)"
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
