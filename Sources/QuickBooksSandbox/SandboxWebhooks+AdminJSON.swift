import Foundation

/// The JSON form of ``SandboxWebhooks`` used by the admin API (durations in milliseconds):
///
///     {"url": "http://127.0.0.1:8080/webhooks/quickbooks", "verifierToken": "…",
///      "format": "cloudEvents",            // or "legacy"
///      "batchDelayMs": 1000, "dropRate": 0, "maxAttempts": 4, "retryBackoffMs": 1000, "timeoutMs": 3000}
///
/// A PUT sends any subset of the fields over the settings in force (`url` and `verifierToken` are
/// needed when there are none). Answers leave the verifier token out.
extension SandboxWebhooks: AdminJSONSettings {
    var adminJSON: JSONValue {
        .object([
            "url": .string(url),
            "format": .string(format.rawValue),
            "batchDelayMs": .number(Self.milliseconds(batchDelay)),
            "dropRate": .number(dropRate),
            "maxAttempts": .number(Double(maxAttempts)),
            "retryBackoffMs": .number(Self.milliseconds(retryBackoff)),
            "timeoutMs": .number(Self.milliseconds(timeout)),
        ])
    }

    /// The settings `input` makes of `current` (nil: no webhooks yet).
    static func merging(adminJSON input: JSONValue, over current: SandboxWebhooks?) throws(AdminInputError)
        -> SandboxWebhooks
    {
        guard let fields = input.objectValue else { throw AdminInputError(reason: "the body must be a JSON object") }
        var webhooks: SandboxWebhooks
        if let current {
            webhooks = current
        } else {
            guard let url = fields["url"]?.stringValue, let token = fields["verifierToken"]?.stringValue else {
                throw AdminInputError(reason: "url and verifierToken are needed to turn webhooks on")
            }
            webhooks = SandboxWebhooks(url: url, verifierToken: token)
        }
        for (key, value) in fields {
            switch key {
            case "url":
                guard let url = value.stringValue else { throw AdminInputError(reason: "url must be a string") }
                webhooks.url = url
            case "verifierToken":
                guard let token = value.stringValue else {
                    throw AdminInputError(reason: "verifierToken must be a string")
                }
                webhooks.verifierToken = token
            case "format":
                guard let text = value.stringValue, let format = Self.format(named: text) else {
                    throw AdminInputError(reason: "format must be \"legacy\" or \"cloudEvents\"")
                }
                webhooks.format = format
            case "batchDelayMs": webhooks.batchDelay = .milliseconds(try number(value, key))
            case "dropRate": webhooks.dropRate = try number(value, key)
            case "maxAttempts": webhooks.maxAttempts = Int(try number(value, key))
            case "retryBackoffMs": webhooks.retryBackoff = .milliseconds(try number(value, key))
            case "timeoutMs": webhooks.timeout = .milliseconds(try number(value, key))
            default: throw AdminInputError(reason: "unknown field \(key)")
            }
        }
        do {
            try webhooks.validate()
        } catch {
            throw AdminInputError(reason: error.description)
        }
        return webhooks
    }

    /// `legacy`, `cloudEvents`, in any letter case, with or without a hyphen (`cloud-events`).
    static func format(named text: String) -> Format? {
        let wanted = text.lowercased().replacingOccurrences(of: "-", with: "")
        return Format.allCases.first { $0.rawValue.lowercased() == wanted }
    }
}
