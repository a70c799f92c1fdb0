/// Parses the QuickBooks query language (the subset clients use): `select * [, fields] | count(*) |
/// fields from Entity [where c1 and c2 …] [orderby f [asc|desc], …] [startposition n] [maxresults n]`.
/// Conditions are `field op value` with `=, <, >, <=, >=, like, in (…)`; strings are single-quoted
/// with backslash escapes for `'` and `\`. QuickBooks has no `or`.
struct QueryParser {
    struct ParseError: Error {
        let detail: String
    }

    private enum Token: Equatable {
        case word(String)
        case string(String)
        case number(Double)
        case symbol(String)

        var display: String {
            switch self {
            case .word(let text): return text
            case .string(let text): return "'\(text)'"
            case .number(let value): return JSONValue.number(value).scalarText ?? String(value)
            case .symbol(let text): return text
            }
        }

        func isKeyword(_ keyword: String) -> Bool {
            if case .word(let text) = self { return text.lowercased() == keyword }
            return false
        }
    }

    private var tokens: [(token: Token, column: Int)] = []
    private var position = 0
    private let endColumn: Int

    static func parse(_ text: String) throws(ParseError) -> QueryStatement {
        var parser = try QueryParser(text)
        return try parser.statement()
    }

    private init(_ text: String) throws(ParseError) {
        let characters = Array(text)
        endColumn = characters.count + 1
        var index = 0
        while index < characters.count {
            let character = characters[index]
            let column = index + 1
            if character.isWhitespace {
                index += 1
            } else if character == "'" {
                var value = ""
                index += 1
                var closed = false
                while index < characters.count {
                    let current = characters[index]
                    if current == "\\", index + 1 < characters.count {
                        value.append(characters[index + 1])
                        index += 2
                    } else if current == "'" {
                        closed = true
                        index += 1
                        break
                    } else {
                        value.append(current)
                        index += 1
                    }
                }
                guard closed else {
                    throw ParseError(detail: "Lexical error at line 1, column \(column). Unterminated string literal.")
                }
                tokens.append((.string(value), column))
            } else if character.isLetter || character == "_" {
                var word = ""
                while index < characters.count,
                    characters[index].isLetter || characters[index].isNumber || characters[index] == "_"
                        || characters[index] == "."
                {
                    word.append(characters[index])
                    index += 1
                }
                tokens.append((.word(word), column))
            } else if character.isNumber
                || (character == "-" && index + 1 < characters.count && characters[index + 1].isNumber)
            {
                var literal = String(character)
                index += 1
                while index < characters.count, characters[index].isNumber || characters[index] == "." {
                    literal.append(characters[index])
                    index += 1
                }
                guard let value = Double(literal) else {
                    throw ParseError(detail: "Lexical error at line 1, column \(column). Invalid number \(literal).")
                }
                tokens.append((.number(value), column))
            } else if character == "<" || character == ">" || character == "!" {
                if index + 1 < characters.count, characters[index + 1] == "=" {
                    tokens.append((.symbol(String(character) + "="), column))
                    index += 2
                } else {
                    tokens.append((.symbol(String(character)), column))
                    index += 1
                }
            } else if "=(),*".contains(character) {
                tokens.append((.symbol(String(character)), column))
                index += 1
            } else {
                throw ParseError(detail: "Lexical error at line 1, column \(column). Encountered: \"\(character)\".")
            }
        }
    }

    // MARK: - Grammar

    private mutating func statement() throws(ParseError) -> QueryStatement {
        try expectKeyword("select")
        let projection: QueryStatement.Projection
        if accept(.symbol("*")) {
            // QuickBooks accepts columns after the star (`select *, Sku from Item`); the star has them all.
            while accept(.symbol(",")) { _ = try identifier() }
            projection = .all
        } else if peek()?.isKeyword("count") == true {
            advance()
            try expect(.symbol("("))
            try expect(.symbol("*"))
            try expect(.symbol(")"))
            projection = .count
        } else {
            var fields = [try identifier()]
            while accept(.symbol(",")) { fields.append(try identifier()) }
            projection = .fields(fields)
        }
        try expectKeyword("from")
        let entity = try identifier()
        var conditions: [QueryStatement.Condition] = []
        if acceptKeyword("where") {
            conditions.append(try condition())
            while true {
                if acceptKeyword("and") {
                    conditions.append(try condition())
                } else if peek()?.isKeyword("or") == true {
                    throw unexpected("OR is not supported by QuickBooks queries")
                } else {
                    break
                }
            }
        }
        var ordering: [QueryStatement.Ordering] = []
        if acceptKeyword("orderby") || (peek()?.isKeyword("order") == true && acceptOrderBy()) {
            repeat {
                let field = try identifier().split(separator: ".").map(String.init)
                var descending = false
                if acceptKeyword("desc") { descending = true } else { _ = acceptKeyword("asc") }
                ordering.append(.init(field: field, descending: descending))
            } while accept(.symbol(","))
        }
        var startPosition = 1
        var maxResults: Int?
        while let next = peek() {
            if next.isKeyword("startposition") {
                advance()
                startPosition = try positiveInteger()
            } else if next.isKeyword("maxresults") {
                advance()
                maxResults = try positiveInteger()
            } else {
                throw unexpected()
            }
        }
        return QueryStatement(
            projection: projection, entity: entity, conditions: conditions, ordering: ordering,
            startPosition: startPosition, maxResults: maxResults
        )
    }

    private mutating func acceptOrderBy() -> Bool {
        // Accept "order by" as well as QuickBooks' "orderby".
        guard position + 1 < tokens.count, tokens[position + 1].token.isKeyword("by") else { return false }
        position += 2
        return true
    }

    private mutating func condition() throws(ParseError) -> QueryStatement.Condition {
        let field = try identifier().split(separator: ".").map(String.init)
        guard let next = peek() else { throw unexpected("a comparison operator was expected") }
        let op: QueryStatement.Operator
        switch next {
        case .symbol("="): op = .equal
        case .symbol("<"): op = .less
        case .symbol(">"): op = .greater
        case .symbol("<="): op = .lessOrEqual
        case .symbol(">="): op = .greaterOrEqual
        case .word(let word) where word.lowercased() == "like": op = .like
        case .word(let word) where word.lowercased() == "in": op = .within
        default: throw unexpected("a comparison operator was expected")
        }
        advance()
        if op == .within {
            try expect(.symbol("("))
            var values = [try literal()]
            while accept(.symbol(",")) { values.append(try literal()) }
            try expect(.symbol(")"))
            return .init(field: field, op: op, values: values)
        }
        return .init(field: field, op: op, values: [try literal()])
    }

    private mutating func literal() throws(ParseError) -> QueryStatement.Literal {
        guard let next = peek() else { throw unexpected("a value was expected") }
        switch next {
        case .string(let text):
            advance()
            return .string(text)
        case .number(let value):
            advance()
            return .number(value)
        case .word(let word) where ["true", "false"].contains(word.lowercased()):
            advance()
            return .bool(word.lowercased() == "true")
        default: throw unexpected("a quoted value was expected")
        }
    }

    private mutating func identifier() throws(ParseError) -> String {
        guard case .word(let word)? = peek() else { throw unexpected("a name was expected") }
        advance()
        return word
    }

    private mutating func positiveInteger() throws(ParseError) -> Int {
        guard case .number(let value)? = peek(), value >= 1, value.rounded() == value, value < 1e9 else {
            throw unexpected("a positive whole number was expected")
        }
        advance()
        return Int(value)
    }

    // MARK: - Token helpers

    private func peek() -> Token? {
        position < tokens.count ? tokens[position].token : nil
    }

    private mutating func advance() {
        position += 1
    }

    private mutating func accept(_ token: Token) -> Bool {
        guard peek() == token else { return false }
        advance()
        return true
    }

    private mutating func acceptKeyword(_ keyword: String) -> Bool {
        guard peek()?.isKeyword(keyword) == true else { return false }
        advance()
        return true
    }

    private mutating func expect(_ token: Token) throws(ParseError) {
        guard accept(token) else { throw unexpected("\"\(token.display)\" was expected") }
    }

    private mutating func expectKeyword(_ keyword: String) throws(ParseError) {
        guard acceptKeyword(keyword) else { throw unexpected("\(keyword.uppercased()) was expected") }
    }

    private func unexpected(_ expectation: String? = nil) -> ParseError {
        let found: String
        let column: Int
        if position < tokens.count {
            found = tokens[position].token.display
            column = tokens[position].column
        } else {
            found = "<EOF>"
            column = endColumn
        }
        var detail = "Encountered \"\(found)\" at line 1, column \(column)."
        if let expectation { detail += " Was expecting: \(expectation)." }
        return ParseError(detail: detail)
    }
}
