import Foundation

/// Reads `{"<Entity>": {...}, "time": …}` where the entity name is only known at run time.
struct DynamicEntityKey: CodingKey {
    static let userInfoKey = CodingUserInfoKey(rawValue: "qbsync.entityKey")!
    var stringValue: String
    var intValue: Int? { nil }
    init(_ stringValue: String) { self.stringValue = stringValue }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }

    static func entity(in decoder: any Decoder) throws -> DynamicEntityKey {
        guard let name = decoder.userInfo[userInfoKey] as? String else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "entity name missing"))
        }
        return DynamicEntityKey(name)
    }
}

struct EntityEnvelope<Object: Decodable>: Decodable {
    var object: Object
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: DynamicEntityKey.self)
        object = try container.decode(Object.self, forKey: try .entity(in: decoder))
    }
}

/// `{"QueryResponse":{"Customer":[…],"startPosition":1,"maxResults":1},"time":…}`; an empty
/// result has no entity key at all.
struct QueryEnvelope<Object: Decodable>: Decodable {
    var objects: [Object]
    init(from decoder: any Decoder) throws {
        let outer = try decoder.container(keyedBy: DynamicEntityKey.self)
        let response = try outer.nestedContainer(keyedBy: DynamicEntityKey.self, forKey: DynamicEntityKey("QueryResponse"))
        objects = try response.decodeIfPresent([Object].self, forKey: try .entity(in: decoder)) ?? []
    }
}

/// The OAuth token endpoint's error body: `{"error":"invalid_grant","error_description":…}`.
struct OAuthErrorBody: Decodable {
    var error: String
    var errorDescription: String?
    enum CodingKeys: String, CodingKey {
        case error
        case errorDescription = "error_description"
    }
}

/// The XML Fault QuickBooks sends on some throttled responses:
/// `<IntuitResponse><Fault type="…"><Error code="003001"><Message>…</Message><Detail>…</Detail></Error></Fault></IntuitResponse>`.
struct XMLFault {
    var type: String?
    var errors: [Fault.Error]

    init?(_ text: String) {
        guard text.contains("<Fault") else { return nil }
        type = Self.attribute("type", in: text)
        guard var code = Self.attribute("code", in: text) else { return nil }
        // The XML throttling body drops the leading zeros of 003001; give callers the one code
        // QuickBooks uses everywhere else.
        if code == "3001" { code = "003001" }
        errors = [Fault.Error(message: Self.element("Message", in: text) ?? "", detail: Self.element("Detail", in: text), code: code)]
    }

    private static func attribute(_ name: String, in text: String) -> String? {
        guard let start = text.range(of: "\(name)=\"") else { return nil }
        guard let end = text[start.upperBound...].firstIndex(of: "\"") else { return nil }
        return String(text[start.upperBound..<end])
    }

    private static func element(_ name: String, in text: String) -> String? {
        guard let start = text.range(of: "<\(name)>"), let end = text.range(of: "</\(name)>", range: start.upperBound..<text.endIndex)
        else { return nil }
        return String(text[start.upperBound..<end.lowerBound])
    }
}
