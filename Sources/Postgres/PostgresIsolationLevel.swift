/// Transaction isolation level for `withTransaction`.
public enum PostgresIsolationLevel: Sendable, Hashable, CustomStringConvertible {
    /// PostgreSQL's default: each statement sees data committed before it began.
    case readCommitted
    /// One snapshot for the whole transaction; conflicting writes fail with a serialization error.
    case repeatableRead
    /// As if transactions ran one at a time; be ready to retry `isSerializationFailure`.
    case serializable

    var beginStatement: String {
        switch self {
        case .readCommitted: "BEGIN ISOLATION LEVEL READ COMMITTED"
        case .repeatableRead: "BEGIN ISOLATION LEVEL REPEATABLE READ"
        case .serializable: "BEGIN ISOLATION LEVEL SERIALIZABLE"
        }
    }

    public var description: String {
        switch self {
        case .readCommitted: "read committed"
        case .repeatableRead: "repeatable read"
        case .serializable: "serializable"
        }
    }
}
