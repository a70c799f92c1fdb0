/// QuickBooks' error body: `{"Fault":{"Error":[{"Message","Detail","code","element"}],"type":"ValidationFault"},"time":…}`.
public struct Fault: Sendable, Hashable, Codable {
    public struct Error: Sendable, Hashable, Codable {
        public var message: String
        public var detail: String?
        public var code: String
        public var element: String?

        public init(message: String, detail: String? = nil, code: String, element: String? = nil) {
            self.message = message
            self.detail = detail
            self.code = code
            self.element = element
        }

        enum CodingKeys: String, CodingKey {
            case message = "Message"
            case detail = "Detail"
            case code, element
        }
    }

    public var errors: [Error]
    public var type: String?

    enum CodingKeys: String, CodingKey {
        case errors = "Error"
        case type
    }
}

/// The envelope a Fault arrives in.
struct FaultResponse: Decodable {
    var fault: Fault
    enum CodingKeys: String, CodingKey { case fault = "Fault" }
}
