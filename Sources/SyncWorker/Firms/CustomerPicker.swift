import Foundation
import Logging
import Postgres
import QuickBooks
import SyncCore

/// "Select from the list of available QuickBooks clients": the firm's QuickBooks customers by
/// name, active ones first and inactive ones on request, a page at a time, each marked with the
/// platform accounts already linked to it. Read through the realm's budget (the worker's
/// gateway), and answered from a short-lived cache when the same firm asks the same again.
public struct CustomerPicker: Sendable {
    public struct Request: Sendable, Hashable {
        /// Part of the DisplayName, any case (QuickBooks' `like`); empty lists every customer.
        public var search: String
        public var includeInactive: Bool
        public var limit: Int
        /// From the previous page's ``Page/nextCursor``.
        public var cursor: String?

        public init(search: String = "", includeInactive: Bool = false, limit: Int = 50, cursor: String? = nil) {
            self.search = search
            self.includeInactive = includeInactive
            self.limit = limit
            self.cursor = cursor
        }
    }

    public struct Entry: Sendable, Hashable, Codable {
        public var qboID: String
        public var displayName: String
        public var active: Bool
        /// Platform accounts linked to this customer.
        public var linkedAccounts: [String]

        enum CodingKeys: String, CodingKey {
            case qboID = "qbo_id"
            case displayName = "display_name"
            case active
            case linkedAccounts = "linked_accounts"
        }
    }

    public struct Page: Sendable, Hashable, Codable {
        public var customers: [Entry]
        /// Pass as `cursor` for the next page; nil on the last one.
        public var nextCursor: String?

        enum CodingKeys: String, CodingKey {
            case customers
            case nextCursor = "next_cursor"
        }
    }

    /// Why no page can be given, in words for the admin who asked.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case invalidRequest(String)
        case notConnected(firmID: String)
        case mustReconnect(String)
        case unavailable(String)

        public var description: String {
            switch self {
            case .invalidRequest(let message): message
            case .notConnected(let firm): "firm '\(firm)' is not connected to QuickBooks; connect it first"
            case .mustReconnect(let detail): detail
            case .unavailable(let detail): "QuickBooks could not be asked: \(detail)"
            }
        }
    }

    static let maxLimit = 1000
    let database: PostgresClient
    let gateway: QuickBooksGateway
    private let cache = PageCache(lifetime: .seconds(30))

    init(database: PostgresClient, gateway: QuickBooksGateway) {
        self.database = database
        self.gateway = gateway
    }

    public func page(firmID: String, _ request: Request) async throws(Failure) -> Page {
        guard (1...Self.maxLimit).contains(request.limit) else {
            throw .invalidRequest("limit must be between 1 and \(Self.maxLimit), got \(request.limit)")
        }
        guard request.search.unicodeScalars.count <= 100 else { throw .invalidRequest("search is longer than 100 characters") }
        var position = Position.first
        if let cursor = request.cursor {
            guard let decoded = Position(cursor: cursor), decoded.inactive == false || request.includeInactive else {
                throw .invalidRequest(
                    "cursor '\(cursor.prefix(40))' is not one this list gave (or belongs to a list with inactive customers)")
            }
            position = decoded
        }
        if let cached = await cache.page(firmID: firmID, request) { return cached }
        var customers: [Customer] = []
        var next: Position?
        while customers.count < request.limit {
            let wanted = request.limit - customers.count
            let found = try await fetch(firmID: firmID, search: request.search, at: position, count: wanted + 1)
            customers += found.prefix(wanted)
            if found.count > wanted {
                next = Position(inactive: position.inactive, start: position.start + wanted)
                break
            }
            guard !position.inactive, request.includeInactive else { break }
            position = Position(inactive: true, start: 1)
        }
        let page = Page(customers: try await entries(firmID: firmID, customers), nextCursor: next?.cursor)
        await cache.store(page, firmID: firmID, request)
        return page
    }

    private func fetch(firmID: String, search: String, at position: Position, count: Int) async throws(Failure) -> [Customer] {
        do {
            return try await gateway.perform(firmID: firmID, "list customers") { client, access throws(QuickBooksError) in
                try await client.customers(
                    containing: search, active: !position.inactive, startPosition: position.start,
                    maxResults: count, access: access)
            }
        } catch let problem as QuickBooksProblem {
            if problem.code == "not_connected" { throw .notConnected(firmID: firmID) }
            switch problem.disposition {
            case .firmConnection: throw .mustReconnect(FailureDetail.firmConnectionLost(problem))
            case .retryLater, .account: throw .unavailable("\(problem.code): \(problem.detail ?? problem.message)")
            }
        } catch {
            throw .unavailable("\(error)")
        }
    }

    private func entries(firmID: String, _ customers: [Customer]) async throws(Failure) -> [Entry] {
        let ids = customers.compactMap(\.id)
        var linked: [String: [String]] = [:]
        do {
            let rows = try await database.withConnection { connection in
                try await connection.query(
                    """
                    select qbo_customer_id, account_id from accounts where firm_id = $1 and qbo_customer_id = any($2) order by account_id
                    """, [.text(firmID), .textArray(ids)])
            }
            for row in rows {
                linked[try row.decode(String.self, "qbo_customer_id"), default: []].append(try row.decode(String.self, "account_id"))
            }
        } catch {
            throw .unavailable("the accounts linked to these customers could not be read: \(error)")
        }
        return customers.compactMap { customer in
            customer.id.map {
                Entry(qboID: $0, displayName: customer.displayName, active: customer.isActive, linkedAccounts: linked[$0] ?? [])
            }
        }
    }

    /// Where a page starts: which half of the list (active, then inactive) and the 1-based position in it.
    struct Position: Sendable, Hashable {
        var inactive: Bool
        var start: Int
        static let first = Position(inactive: false, start: 1)

        /// Opaque to clients: base64url of `a|i` and the position.
        var cursor: String {
            Data("\(inactive ? "i" : "a")\(start)".utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }

        init(inactive: Bool, start: Int) {
            self.inactive = inactive
            self.start = start
        }

        init?(cursor: String) {
            var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while base64.count % 4 != 0 { base64 += "=" }
            guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8), let kind = text.first,
                kind == "a" || kind == "i", let start = Int(text.dropFirst()), start >= 1
            else { return nil }
            self.init(inactive: kind == "i", start: start)
        }
    }

    /// Recent pages per firm and request, so a picker's repeated asks cost QuickBooks nothing.
    actor PageCache {
        private struct Key: Hashable {
            var firmID: String
            var request: Request
        }
        private let lifetime: Duration
        private var pages: [Key: (page: Page, until: ContinuousClock.Instant)] = [:]

        init(lifetime: Duration) { self.lifetime = lifetime }

        func page(firmID: String, _ request: Request) -> Page? {
            let key = Key(firmID: firmID, request: request)
            guard let entry = pages[key] else { return nil }
            guard entry.until > .now else {
                pages[key] = nil
                return nil
            }
            return entry.page
        }

        func store(_ page: Page, firmID: String, _ request: Request) {
            let now = ContinuousClock.now
            if pages.count > 1000 { pages = pages.filter { $0.value.until > now } }
            pages[Key(firmID: firmID, request: request)] = (page, now + lifetime)
        }
    }
}

extension CustomerPicker {
    /// A picker for one command (`qbsync customers`): its own database pool and a realm gate with
    /// the configured limits, both released when `body` returns.
    public static func withStandalone<T: Sendable>(
        configuration: WorkerConfiguration, logger: Logger, _ body: (CustomerPicker) async throws -> T
    ) async throws -> T {
        try await QuickBooksGateway.withStandalone(configuration: configuration, applicationName: "qbsync-customers", logger: logger) {
            database, gateway in
            try await body(CustomerPicker(database: database, gateway: gateway))
        }
    }
}
