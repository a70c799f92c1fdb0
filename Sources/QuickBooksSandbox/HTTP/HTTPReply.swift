import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// Builds the HTTP responses the sandbox sends.
enum HTTPReply {
    private static let intuitTransactionId = HTTPField.Name("intuit_tid")
    /// Transaction ids: a random prefix per process and a counter, cheaper than fresh randomness per answer.
    private static let transactionPrefix = RandomToken.make(prefix: "1-", length: 12)
    private static let transactionCounter = NIOLockedValueBox<UInt64>(0)

    static func json(_ status: Int, _ body: JSONValue, headers extra: HTTPFields = [:]) -> Response {
        json(status, encoded: JSONWriter.serialize(body), headers: extra)
    }

    static func json(_ status: Int, encoded: [UInt8], headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "application/json;charset=UTF-8"
        // QuickBooks tags every answer with a transaction id that support asks for.
        if let name = intuitTransactionId {
            let sequence = transactionCounter.withLockedValue { counter -> UInt64 in
                counter &+= 1
                return counter
            }
            headers[name] = "\(transactionPrefix)-\(String(sequence, radix: 16))"
        }
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: encoded))
        )
    }

    static func fault(_ fault: QuickBooksFault, at time: Date, headers: HTTPFields = [:]) -> Response {
        json(fault.httpStatus, fault.document(at: time), headers: headers)
    }

    static func xml(_ status: Int, _ text: String) -> Response {
        Response(
            status: HTTPResponse.Status(code: status),
            headers: [.contentType: "application/xml;charset=UTF-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }

    static func empty(_ status: Int) -> Response {
        Response(status: HTTPResponse.Status(code: status))
    }

    /// Collects a request body, or nil when it is larger than the limit.
    static func collectBody(_ request: Request, limit: Int) async -> [UInt8]? {
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch {
            // Larger than the limit, or the client went away; the caller answers with a fault.
            return nil
        }
    }
}
