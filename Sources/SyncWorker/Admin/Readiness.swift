/// Which parts of the worker are ready to do work; `/readyz` answers 200 only when all are,
/// and says what is wrong with the others.
actor Readiness {
    enum Component: String, Sendable, CaseIterable {
        /// The consumer is running in its group.
        case consumer
        /// PostgreSQL answers (and the schema is migrated).
        case database
        /// A Kafka broker answers.
        case kafka
        /// The token key opens what the firms' tokens were sealed with.
        case tokenKey = "token_key"
    }

    private var ready: [Component: Bool] = [:]
    private var details: [Component: String] = [:]

    func set(_ component: Component, ready value: Bool, detail: String? = nil) {
        ready[component] = value
        details[component] = value ? nil : detail
    }

    var snapshot: [Component: Bool] {
        Dictionary(uniqueKeysWithValues: Component.allCases.map { ($0, ready[$0] ?? false) })
    }

    /// Why components are not ready, for operators.
    var problems: [Component: String] { details }

    var isReady: Bool { snapshot.values.allSatisfy { $0 } }
}
