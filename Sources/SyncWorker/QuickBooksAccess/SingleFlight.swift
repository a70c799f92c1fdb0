/// Loads each key at most once at a time and remembers what it loaded: callers that ask for a
/// key while its load is running wait for that load instead of starting their own.
///
/// Twenty invoices naming one new service item at the same moment make one lookup (and at most
/// one create) in QuickBooks, not twenty racing ones. A failed load is not remembered; the next
/// caller tries again.
actor SingleFlight<Key: Hashable & Sendable, Value: Sendable> {
    private var values: [Key: Value] = [:]
    private var loading: [Key: Task<Value, any Error>] = [:]

    func value(for key: Key, load: @escaping @Sendable () async throws -> Value) async throws -> Value {
        if let value = values[key] { return value }
        if let running = loading[key] { return try await running.value }
        let task = Task { try await load() }
        loading[key] = task
        defer { loading[key] = nil }
        let value = try await task.value
        values[key] = value
        return value
    }

    /// The remembered value of `key`, without loading it.
    func cached(_ key: Key) -> Value? { values[key] }

    /// Remembers a value loaded another way (with others, in one request).
    func remember(_ value: Value, for key: Key) { values[key] = value }

    /// Forgets the remembered values whose keys match (a load already running still finishes).
    func forget(where matches: (Key) -> Bool) {
        values = values.filter { !matches($0.key) }
    }
}
