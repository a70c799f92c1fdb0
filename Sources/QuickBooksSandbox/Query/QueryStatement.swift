/// A parsed `select … from … where … orderby … startposition … maxresults …` statement.
struct QueryStatement: Sendable, Equatable {
    enum Projection: Sendable, Equatable {
        case all
        case count
        case fields([String])
    }

    enum Operator: String, Sendable, Equatable {
        case equal = "="
        case less = "<"
        case greater = ">"
        case lessOrEqual = "<="
        case greaterOrEqual = ">="
        case like = "LIKE"
        case within = "IN"
    }

    enum Literal: Sendable, Equatable {
        case string(String)
        case number(Double)
        case bool(Bool)

        var text: String {
            switch self {
            case .string(let text): return text
            case .number(let value): return JSONValue.number(value).scalarText ?? String(value)
            case .bool(let value): return value ? "true" : "false"
            }
        }
    }

    struct Condition: Sendable, Equatable {
        /// Dotted path, e.g. `MetaData.LastUpdatedTime`.
        var field: [String]
        var op: Operator
        /// One value, or several for `IN`.
        var values: [Literal]
    }

    struct Ordering: Sendable, Equatable {
        var field: [String]
        var descending: Bool
    }

    var projection: Projection
    var entity: String
    var conditions: [Condition]
    var ordering: [Ordering]
    var startPosition: Int
    var maxResults: Int?
}
