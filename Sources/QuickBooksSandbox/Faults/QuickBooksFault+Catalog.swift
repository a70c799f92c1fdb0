import Foundation

/// The faults the sandbox raises, with the codes, messages and details QuickBooks uses.
extension QuickBooksFault {
    /// Codes in one place so the lead can line them up with the worker's error mapping.
    enum Code {
        static let authentication = "3200"
        static let authorization = "3100"
        static let objectNotFound = "610"
        static let unsupportedOperation = "500"
        static let invalidProperty = "2010"
        static let requiredParameter = "2020"
        static let stringTooLong = "2050"
        static let queryParse = "4000"
        static let queryValidation = "4001"
        static let staleObject = "5010"
        static let businessValidation = "6000"
        static let accountTypeMissing = "6010"
        static let amountCalculation = "6070"
        /// SPEC.md §4 names 6210 for a duplicate document number. Public reports of real
        /// QuickBooks responses show 6140 ("Duplicate Document Number Error"); change it here
        /// if the project decides to follow those instead.
        static let duplicateDocumentNumber = "6210"
        static let duplicateName = "6240"
        static let throttled = "003001"
        static let systemFailure = "10000"
    }

    static func staleObject() -> QuickBooksFault {
        QuickBooksFault(
            kind: .validation, httpStatus: 400, code: Code.staleObject, message: "Stale Object Error",
            detail: "Stale Object Error : You and root were working on this at the same time. "
                + "root finished before you did, so your work was not saved."
        )
    }

    static func duplicateName(_ entity: QuickBooksEntityType, name: String) -> QuickBooksFault {
        let who: String
        switch entity {
        case .item: who = "Another product or service is already using this name."
        case .account: who = "Another account is already using this name."
        default: who = "Another customer, vendor or employee is already using this name."
        }
        return QuickBooksFault(
            kind: .validation, httpStatus: 400, code: Code.duplicateName, message: "Duplicate Name Exists Error",
            detail: "The name supplied already exists. : \(who) Please use a different name. Name=\(name)"
        )
    }

    static func duplicateDocumentNumber(
        _ docNumber: String, entity: QuickBooksEntityType, existingId: Int
    )
        -> QuickBooksFault
    {
        QuickBooksFault(
            kind: .validation, httpStatus: 400, code: Code.duplicateDocumentNumber,
            message: "Duplicate Document Number Error",
            detail: "Duplicate Document Number Error : You must specify a different number. This number has "
                + "already been used. DocNumber=\(docNumber) is assigned to TxnType=\(entity.rawValue) "
                + "with TxnId=\(existingId)",
            element: "DocNumber"
        )
    }

    static func objectNotFound(_ element: String = "", detail: String? = nil) -> QuickBooksFault {
        QuickBooksFault(
            kind: .validation, httpStatus: 400, code: Code.objectNotFound, message: "Object Not Found",
            detail: detail
                ?? ("Object Not Found : Something you're trying to use has been made inactive. "
                    + "Check the fields with accounts, customers, items, vendors or employees."),
            element: element
        )
    }

    static func requiredParameter(_ name: String) -> QuickBooksFault {
        QuickBooksFault(
            kind: .validation, httpStatus: 400, code: Code.requiredParameter,
            message: "Required param missing, need to supply the required value for the API",
            detail: "Required parameter \(name) is missing in the request", element: name
        )
    }

    static func invalidProperty(_ name: String, detail: String) -> QuickBooksFault {
        QuickBooksFault(
            kind: .validation, httpStatus: 400, code: Code.invalidProperty,
            message: "Request has invalid or unsupported property",
            detail: "Property Name:\(name) specified is unsupported or invalid. \(detail)", element: name
        )
    }

    static func stringTooLong(_ name: String, maximum: Int, supplied: Int) -> QuickBooksFault {
        QuickBooksFault(
            kind: .validation, httpStatus: 400, code: Code.stringTooLong,
            message: "String length is either shorter or longer than supported by specification",
            detail: "String length specified does not match the supported length. Min:0 Max:\(maximum) "
                + "supported. Supplied length:\(supplied)",
            element: name
        )
    }

    static func malformedBody(_ reason: String) -> QuickBooksFault {
        QuickBooksFault(
            kind: .validation, httpStatus: 400, code: Code.invalidProperty,
            message: "Request has invalid or unsupported property",
            detail: "Request body is not valid JSON: \(reason)"
        )
    }

    static func queryParse(_ detail: String) -> QuickBooksFault {
        QuickBooksFault(
            kind: .validation, httpStatus: 400, code: Code.queryParse, message: "Error parsing query",
            detail: "QueryParserError: \(detail)"
        )
    }

    static func queryValidation(_ detail: String) -> QuickBooksFault {
        QuickBooksFault(
            kind: .validation, httpStatus: 400, code: Code.queryValidation, message: "Invalid query",
            detail: "QueryValidationError: \(detail)"
        )
    }

    static func amountCalculation(supplied: Decimal, expectedCents: Int) -> QuickBooksFault {
        QuickBooksFault(
            kind: .validation, httpStatus: 400, code: Code.amountCalculation,
            message: "Amount calculation incorrect in the request",
            detail: "Amount is not equal to UnitPrice * Qty. Supplied value:\(supplied), "
                + "expected value:\(Money.text(expectedCents))",
            element: "Amount"
        )
    }

    static func businessValidation(_ detail: String, element: String = "") -> QuickBooksFault {
        QuickBooksFault(
            kind: .validation, httpStatus: 400, code: Code.businessValidation,
            message: "A business validation error has occurred while processing your request",
            detail: "Business Validation Error: \(detail)", element: element
        )
    }

    static func accountTypeMissing() -> QuickBooksFault {
        QuickBooksFault(
            kind: .validation, httpStatus: 400, code: Code.accountTypeMissing,
            message: "Invalid Account.AccountType && Account.SubType",
            detail: "Either an Account.AccountType or an Account.AccountSubType must be specified",
            element: "AccountType"
        )
    }

    static func unsupportedOperation(_ detail: String) -> QuickBooksFault {
        QuickBooksFault(
            kind: .validation, httpStatus: 400, code: Code.unsupportedOperation,
            message: "Unsupported Operation", detail: "Operation \(detail) is not supported."
        )
    }

    static func unknownResource(_ name: String) -> QuickBooksFault {
        QuickBooksFault(
            kind: .validation, httpStatus: 400, code: "2000", message: "Invalid or unsupported object name",
            detail: "Object Name: \(name) is not supported by this sandbox"
        )
    }

    static func retiredMinorVersion(_ supplied: String) -> QuickBooksFault {
        QuickBooksFault(
            kind: .validation, httpStatus: 400, code: Code.invalidProperty,
            message: "Request has invalid or unsupported property",
            detail: "minorversion=\(supplied) is retired; minor versions below 75 are no longer supported. "
                + "Send minorversion=75.",
            element: "minorversion"
        )
    }

    /// What QuickBooks answers a CDC call reaching back more than 30 days (its wording; the
    /// code is the invalid-property one, as public reports do not show another).
    static func changedSinceTooOld(_ supplied: String) -> QuickBooksFault {
        QuickBooksFault(
            kind: .validation, httpStatus: 400, code: Code.invalidProperty,
            message: "Request has invalid or unsupported property",
            detail: "Operation cdc with changedSince date \(supplied) which is older than fixed days is not supported. "
                + "changedSince can reach back at most 30 days; read everything with a query instead.",
            element: "changedSince"
        )
    }

    static func invalidRequestId(limit: Int, supplied: Int) -> QuickBooksFault {
        QuickBooksFault(
            kind: .validation, httpStatus: 400, code: Code.invalidProperty,
            message: "Request has invalid or unsupported property",
            detail: "requestid must be 1 to \(limit) characters; supplied length: \(supplied)",
            element: "requestid"
        )
    }

    static func authentication(_ detail: String) -> QuickBooksFault {
        QuickBooksFault(
            kind: .authentication, httpStatus: 401, code: Code.authentication,
            message: "message=AuthenticationFailed; errorCode=003200; statusCode=401", detail: detail
        )
    }

    static func authorization(_ detail: String) -> QuickBooksFault {
        QuickBooksFault(
            kind: .authorization, httpStatus: 403, code: Code.authorization,
            message: "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403", detail: detail
        )
    }

    static func throttled() -> QuickBooksFault {
        QuickBooksFault(
            kind: .service, httpStatus: 429, code: Code.throttled,
            message: "message=ThrottleExceeded; errorCode=003001; statusCode=429",
            detail: "The request limit was reached.  Try again later"
        )
    }

    static func systemFailure(_ detail: String) -> QuickBooksFault {
        QuickBooksFault(
            kind: .system, httpStatus: 500, code: Code.systemFailure,
            message: "An application error has occurred while processing your request",
            detail: "System Failure Error: \(detail)"
        )
    }

    static func serviceUnavailable() -> QuickBooksFault {
        QuickBooksFault(
            kind: .system, httpStatus: 503, code: Code.systemFailure, message: "Service Unavailable",
            detail: "System Failure Error: QuickBooks Online is temporarily unavailable. Try again later."
        )
    }

    static func gatewayTimeout() -> QuickBooksFault {
        QuickBooksFault(
            kind: .system, httpStatus: 504, code: Code.systemFailure, message: "Gateway Timeout",
            detail: "System Failure Error: The request timed out before QuickBooks answered."
        )
    }
}
