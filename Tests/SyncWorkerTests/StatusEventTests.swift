import Foundation
import SyncCore
import Testing

@testable import SyncWorker

/// Status events are written without `JSONEncoder`; they must read exactly as the same envelope
/// encoded by it would, whatever their strings hold.
@Suite("Status event JSON")
struct StatusEventTests {
    /// The envelope as `JSONEncoder` writes it: the reference.
    private struct Reference: Encodable {
        var specversion = "1.0"
        var id: String
        var source = StatusEvent.source
        var type = StatusEvent.type
        var time: String
        var subject: String
        var datacontenttype = "application/json"
        var traceparent: String?
        var tracestate: String?
        var data: StatusChange
    }

    private static func parsed(_ bytes: [UInt8]) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary)
    }

    static let details: [String?] = [
        nil, "", "plain", #"a "quoted" name"#, #"back\slash"#, "line\nbreak", "tab\there\r", "bell\u{07} and \u{1F} and \u{00}",
        "slash / and </script>", "café, 東京, 🧾", "\u{2028}\u{2029}",
    ]

    @Test("each event reads as JSONEncoder's envelope would, with any text in its strings", arguments: details)
    func sameAsJSONEncoder(detail: String?) throws {
        let time = Date(timeIntervalSince1970: 1_796_000_000.25)
        for trace in [
            TraceHeaders(), TraceHeaders(traceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", traceState: "k=v"),
        ] {
            let change = StatusChange(
                firmID: "firm \(detail ?? "none")", entity: .invoice, entityID: "inv-\"1\"", accountID: detail == nil ? nil : "acct/1",
                status: .failed, previousStatus: detail == nil ? nil : .syncing, detail: detail, errorCode: detail.map { _ in "6000" },
                qboID: nil, sequence: Int64.max - 1, causedBy: "evt-\(detail?.count ?? 0)")
            let written = StatusEvent.encode(change, trace: trace, at: time)
            let reference = Reference(
                id: RequestID.stableUUID(["status", change.key, String(change.sequence)]), time: time.formatted(.iso8601),
                subject: change.key, traceparent: trace.traceParent, tracestate: trace.traceState, data: change)
            #expect(try Self.parsed(written) == Self.parsed(Array(try JSONEncoder().encode(reference))))
            #expect(String(validating: written, as: UTF8.self) != nil)
        }
    }
}
