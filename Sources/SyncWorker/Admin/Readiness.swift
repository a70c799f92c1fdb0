/// Which parts of the worker are ready to do work; `/readyz` answers 200 only when all are.
actor Readiness {
    enum Component: String, Sendable, CaseIterable {
        case consumer, database
    }

    private var ready: [Component: Bool] = [:]

    func set(_ component: Component, ready value: Bool) {
        ready[component] = value
    }

    var snapshot: [Component: Bool] {
        Dictionary(uniqueKeysWithValues: Component.allCases.map { ($0, ready[$0] ?? false) })
    }

    var isReady: Bool { snapshot.values.allSatisfy { $0 } }
}
