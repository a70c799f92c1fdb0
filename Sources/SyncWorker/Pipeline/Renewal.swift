/// Runs `body` while keeping something it holds alive (an account's lease during its link, an
/// outbox relay's claims during delivery): `renew` runs every `period` until `body` returns. A
/// renewal that fails goes to `failed` and is tried again a period later; what it keeps alive
/// may lapse meanwhile, so the holder checks it still holds it when it records its result.
func whileRenewing<T: Sendable>(
    every period: Duration, _ renew: @escaping @Sendable () async throws -> Void, failed: @escaping @Sendable (any Error) -> Void,
    _ body: () async -> T
) async -> T {
    let renewing = Task {
        while (try? await Task.sleep(for: period)) != nil {
            do { try await renew() } catch {
                if Task.isCancelled { return }
                failed(error)
            }
        }
    }
    let value = await body()
    renewing.cancel()
    await renewing.value
    return value
}
