import Logging
import ServiceLifecycle

extension QuickBooksSandbox {
    /// Starts a sandbox (by default on an ephemeral loopback port), runs `body` with its endpoint,
    /// then shuts it down, whether `body` returns or throws.
    public static func withRunning<Result>(
        configuration: SandboxConfiguration = SandboxConfiguration(),
        logger: Logger = Logger(label: "qbsync.sandbox"),
        _ body: (SandboxEndpoint) async throws -> Result
    ) async throws -> Result {
        try await QuickBooksSandbox(configuration: configuration, logger: logger).withRunning(body)
    }

    /// Runs this sandbox for the duration of `body`; use it when the test also needs ``inspector``.
    public func withRunning<Result>(_ body: (SandboxEndpoint) async throws -> Result) async throws -> Result {
        let group = ServiceGroup(
            configuration: .init(services: [self], gracefulShutdownSignals: [], logger: state.logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let result: Result
            do {
                let endpoint = try await self.endpoint
                result = try await body(endpoint)
            } catch {
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        }
    }
}
