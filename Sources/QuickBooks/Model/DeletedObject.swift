/// What QuickBooks answers to `operation=delete`: `{"Invoice":{"Id":"42","status":"Deleted","domain":"QBO"}}`.
public struct DeletedObject: Sendable, Hashable, Codable {
    public var id: String
    /// "Deleted".
    public var status: String?

    public init(id: String, status: String? = "Deleted") {
        self.id = id
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case status
    }
}
