/// The write a client asked for.
enum WriteOperation: Sendable {
    /// Plain `POST /{entity}`: an update when the body has an Id, else a create.
    case save
    /// Batch `operation: create`.
    case create
    /// Batch `operation: update`.
    case update
    /// `operation=delete`.
    case delete
    /// `operation=void` (batch: `operation: update` with `optionsData: void`).
    case void
}
