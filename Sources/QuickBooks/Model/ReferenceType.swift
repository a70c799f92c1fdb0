/// A reference to another QuickBooks object: `{"value":"58","name":"Jane O'Neil"}`.
public struct ReferenceType: Sendable, Hashable, Codable {
    public var value: String
    public var name: String?

    public init(value: String, name: String? = nil) {
        self.value = value
        self.name = name
    }
}

/// Creation and update times QuickBooks keeps on every object.
public struct ModificationMetaData: Sendable, Hashable, Codable {
    public var createTime: String?
    public var lastUpdatedTime: String?

    enum CodingKeys: String, CodingKey {
        case createTime = "CreateTime"
        case lastUpdatedTime = "LastUpdatedTime"
    }
}
