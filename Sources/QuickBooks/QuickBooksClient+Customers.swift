extension QuickBooksClient {
    /// Customers whose DisplayName is exactly `displayName`, inactive ones included
    /// (a name stays taken while its customer is inactive).
    public func customers(named displayName: String, access: RealmAccess) async throws(QuickBooksError) -> [Customer] {
        let statement = "select * from Customer where DisplayName = \(QueryLiteral.quoted(displayName)) and Active in (true, false)"
        return try await query(statement, entity: "Customer", as: Customer.self, access: access)
    }

    /// One page of customers by DisplayName, for a picker: those whose name contains `search`
    /// (QuickBooks' `like` ignores case; empty matches all), active or inactive ones.
    /// - Parameters:
    ///   - startPosition: 1-based, as QuickBooks counts.
    ///   - maxResults: at most 1,000 (QuickBooks' limit per query).
    public func customers(
        containing search: String, active: Bool, startPosition: Int, maxResults: Int,
        access: RealmAccess
    ) async throws(QuickBooksError) -> [Customer] {
        var conditions = ["Active = \(active)"]
        if !search.isEmpty { conditions.insert("DisplayName like \(QueryLiteral.quoted("%\(search)%"))", at: 0) }
        let statement =
            "select * from Customer where \(conditions.joined(separator: " and ")) orderby DisplayName"
            + " startposition \(max(1, startPosition)) maxresults \(min(1000, max(1, maxResults)))"
        return try await query(statement, entity: "Customer", as: Customer.self, access: access)
    }

    public func createCustomer(
        displayName: String, customerType: ReferenceType? = nil, requestID: String,
        access: RealmAccess
    ) async throws(QuickBooksError) -> Customer {
        try await create(
            "Customer", Customer(displayName: displayName, customerTypeRef: customerType), requestID: requestID, access: access)
    }

    /// The company's active customer type named `name` ("Individual"), if it has one set up.
    public func customerType(named name: String, access: RealmAccess) async throws(QuickBooksError) -> ReferenceType? {
        struct CustomerType: Decodable, Sendable {
            var id: String
            var name: String
            enum CodingKeys: String, CodingKey {
                case id = "Id"
                case name = "Name"
            }
        }
        let statement = "select * from CustomerType where Name = \(QueryLiteral.quoted(name))"
        return try await query(statement, entity: "CustomerType", as: CustomerType.self, access: access).first
            .map { ReferenceType(value: $0.id, name: $0.name) }
    }

    public func customer(id: String, access: RealmAccess) async throws(QuickBooksError) -> Customer {
        try await read("Customer", id: id, as: Customer.self, access: access)
    }

    /// Makes an inactive customer active again so documents can be written to it.
    public func reactivate(_ customer: Customer, requestID: String, access: RealmAccess) async throws(QuickBooksError) -> Customer {
        var change = Customer(id: customer.id, syncToken: customer.syncToken, displayName: customer.displayName, active: true)
        change.metaData = nil
        return try await update("Customer", change, sparse: true, requestID: requestID, access: access)
    }
}
