/// An entity in a realm, by type and Id.
struct EntityKey: Hashable, Sendable {
    let type: QuickBooksEntityType
    let id: Int
}
