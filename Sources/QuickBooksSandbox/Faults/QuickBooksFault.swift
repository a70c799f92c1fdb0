import Foundation

/// A QuickBooks Online fault: the `{"Fault":{"Error":[…],"type":…},"time":…}` body and the HTTP
/// status it travels with.
struct QuickBooksFault: Error, Sendable {
    enum Kind: String, Sendable {
        case validation = "ValidationFault"
        case system = "SystemFault"
        case authentication = "AuthenticationFault"
        case authorization = "AuthorizationFault"
        /// What QuickBooks puts in `type` for throttling faults.
        case service = "SERVICE"
    }

    struct Entry: Sendable {
        var message: String
        var detail: String
        var code: String
        var element: String
    }

    var kind: Kind
    var entries: [Entry]
    var httpStatus: Int

    init(kind: Kind, httpStatus: Int, code: String, message: String, detail: String, element: String = "") {
        self.kind = kind
        self.httpStatus = httpStatus
        self.entries = [Entry(message: message, detail: detail, code: code, element: element)]
    }

    var code: String { entries.first?.code ?? "" }

    /// The `{"Error":[…],"type":…}` object, as it appears inside a batch item.
    var faultObject: JSONValue {
        .object([
            "Error": .array(
                entries.map { entry in
                    .object([
                        "Message": .string(entry.message),
                        "Detail": .string(entry.detail),
                        "code": .string(entry.code),
                        "element": .string(entry.element),
                    ])
                }
            ),
            "type": .string(kind.rawValue),
        ])
    }

    /// The whole response document.
    func document(at time: Date) -> JSONValue {
        .object(["Fault": faultObject, "time": .string(IntuitTime.responseTime(time))])
    }

    /// The XML body QuickBooks sometimes sends for throttling even to JSON clients.
    func xmlDocument(at time: Date) -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#
        xml += #"<IntuitResponse time="\#(IntuitTime.responseTime(time))" xmlns="http://schema.intuit.com/finance/v3">"#
        xml += #"<Fault type="\#(kind.rawValue)">"#
        for entry in entries {
            // QuickBooks drops the leading zeros of the code in its XML throttling body.
            let code = entry.code.drop(while: { $0 == "0" })
            xml += #"<Error code="\#(code)"><Message>\#(Self.escapeXML(entry.message))</Message>"#
            xml += "<Detail>\(Self.escapeXML(entry.detail))</Detail></Error>"
        }
        xml += "</Fault></IntuitResponse>"
        return xml
    }

    private static func escapeXML(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
