import NIOConcurrencyHelpers

/// The bound address of the server, for callers that started it on port 0.
final class ListeningState: Sendable {
    private enum Phase {
        case waiting([CheckedContinuation<SandboxEndpoint, any Error>])
        case listening(SandboxEndpoint)
        case failed(SandboxError)
    }

    private let phase = NIOLockedValueBox(Phase.waiting([]))

    func endpoint() async throws(SandboxError) -> SandboxEndpoint {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                let ready: Result<SandboxEndpoint, SandboxError>? = phase.withLockedValue { phase in
                    switch phase {
                    case .waiting(var waiters):
                        waiters.append(continuation)
                        phase = .waiting(waiters)
                        return nil
                    case .listening(let endpoint): return .success(endpoint)
                    case .failed(let error): return .failure(error)
                    }
                }
                if let ready { continuation.resume(with: ready) }
            }
        } catch let error as SandboxError {
            throw error
        } catch {
            throw .notListening("\(error)")
        }
    }

    func listening(at endpoint: SandboxEndpoint) {
        let waiters = phase.withLockedValue { phase -> [CheckedContinuation<SandboxEndpoint, any Error>] in
            guard case .waiting(let waiters) = phase else { return [] }
            phase = .listening(endpoint)
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: endpoint) }
    }

    /// Called when the server stops; wakes anyone still waiting for it to listen.
    func stopped(reason: String) {
        let waiters = phase.withLockedValue { phase -> [CheckedContinuation<SandboxEndpoint, any Error>] in
            switch phase {
            case .waiting(let waiters):
                phase = .failed(.notListening(reason))
                return waiters
            case .listening:
                phase = .failed(.notListening("the sandbox has stopped"))
                return []
            case .failed:
                return []
            }
        }
        for waiter in waiters { waiter.resume(throwing: SandboxError.notListening(reason)) }
    }
}
