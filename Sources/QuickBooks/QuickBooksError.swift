import SyncCore

/// A failed QuickBooks call, with what QuickBooks said.
public struct QuickBooksError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status, nil when no response arrived (timeout, connection refused).
    public var httpStatus: Int?
    /// The Fault `type` (ValidationFault, SystemFault, AuthenticationFault, AuthorizationFault)
    /// or the OAuth `error` ("invalid_grant").
    public var faultType: String?
    /// The errors QuickBooks listed; empty for transport failures.
    public var errors: [Fault.Error]
    /// The operation that failed, for logs ("POST customer", "refresh token").
    public var operation: String
    /// The underlying transport error, when there was one.
    public var transportError: String?

    public init(httpStatus: Int?, faultType: String?, errors: [Fault.Error], operation: String, transportError: String? = nil) {
        self.httpStatus = httpStatus
        self.faultType = faultType
        self.errors = errors
        self.operation = operation
        self.transportError = transportError
    }

    /// The first error's code ("6240", "003001", "invalid_grant", or "http-<status>"/"transport").
    public var code: String {
        if let code = errors.first?.code, !code.isEmpty { return code }
        if faultType == "invalid_grant" { return "invalid_grant" }
        if let httpStatus { return "http-\(httpStatus)" }
        return "transport"
    }

    /// How the sync rules see this failure.
    public var problem: QuickBooksProblem {
        let first = errors.first
        let message = first?.message ?? transportError ?? faultType ?? "HTTP \(httpStatus.map(String.init) ?? "-")"
        return QuickBooksProblem(kind: kind, code: code, message: message, detail: first?.detail)
    }

    var kind: QuickBooksProblem.Kind {
        if httpStatus == 429 || code == "003001" { return .throttled }
        switch faultType {
        case "AuthenticationFault", "invalid_grant": return .authentication
        case "AuthorizationFault": return .authorization
        case "SystemFault": return .unavailable
        case "ValidationFault": return .validation
        default: break
        }
        switch httpStatus {
        case nil: return .unavailable
        case 401?: return .authentication
        case 403?: return .authorization
        case let status? where status >= 500: return .unavailable
        default: return .validation
        }
    }

    public var description: String {
        var text = "QuickBooks \(operation) failed"
        if let httpStatus { text += " with HTTP \(httpStatus)" }
        if let faultType { text += " (\(faultType))" }
        for error in errors {
            text += ": [\(error.code)] \(error.message)"
            if let detail = error.detail, !detail.isEmpty { text += " — \(detail)" }
        }
        if let transportError { text += ": \(transportError)" }
        return text
    }
}
