import SyncCore
import Testing

@Suite("Firm connection status")
struct FirmConnectionStateTests {
    @Test("a lost connection is reported once, not for every failure")
    func reportedOnce() {
        var firm = FirmConnectionState()
        let first = firm.apply(.connectionLost(code: "invalid_grant", detail: "Reconnect"))
        #expect(first?.status == .failed)
        #expect(first?.previousStatus == .synced)
        #expect(first?.errorCode == "invalid_grant")
        for _ in 0..<1000 {
            #expect(firm.apply(.connectionLost(code: "invalid_grant", detail: "Reconnect")) == nil)
        }
        #expect(firm.sequence == 1)
    }

    @Test("reconnecting clears the failure and publishes synced")
    func reconnect() {
        var firm = FirmConnectionState()
        _ = firm.apply(.connectionLost(code: "3200", detail: "Reconnect"))
        let update = firm.apply(.connected)
        #expect(update == FirmStatusUpdate(status: .synced, previousStatus: .failed, detail: nil, errorCode: nil, sequence: 2))
        #expect(firm.apply(.connected) == nil)
    }
}
