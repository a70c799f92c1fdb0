import SyncCore
import Testing

@Suite("Values")
struct ValuesTests {
    @Test(
        "decimal strings parse exactly and print canonically",
        arguments: [
            ("450.00", "450.00"), ("0.1", "0.10"), ("-12.5", "-12.50"), ("0.333333", "0.333333"), ("7", "7.00"),
            ("1234567890123.99", "1234567890123.99"),
        ])
    func decimals(text: String, canonical: String) {
        #expect(FixedDecimal(text)?.description == canonical)
    }

    @Test(
        "malformed decimals are refused",
        arguments: ["", "-", ".5", "5.", "1.2.3", "1e3", "abc", "1.0000001", "12345678901234", " 1", "+1"])
    func badDecimals(text: String) {
        #expect(FixedDecimal(text) == nil)
    }

    @Test("amounts add up exactly where binary floats would not")
    func exactSums() {
        let sum = (0..<10).reduce(FixedDecimal.zero) { total, _ in total + FixedDecimal("0.10")! }
        #expect(sum == FixedDecimal("1.00"))
    }

    @Test("dates respect month lengths and leap years")
    func dates() {
        #expect(CalendarDate("2024-02-29") != nil)
        #expect(CalendarDate("2023-02-29") == nil)
        #expect(CalendarDate("1900-02-29") == nil)
        #expect(CalendarDate("2000-02-29") != nil)
        #expect(CalendarDate("2026-04-31") == nil)
        #expect(CalendarDate("2026-1-01") == nil)
        #expect(CalendarDate("2026-01-01")! < CalendarDate("2026-01-02")!)
    }

    @Test("request ids are deterministic, distinct per meaning, and fit the batch limit")
    func requestIDs() {
        let a = RequestID.derive(firm: "f", entity: "customer", id: "a1", operation: "create", revision: "1")
        #expect(a == RequestID.derive(firm: "f", entity: "customer", id: "a1", operation: "create", revision: "1"))
        #expect(a.count == 36)
        // Pinned: ids derived before an upgrade must match those derived after (QuickBooks
        // remembers requestids; a status event republished keeps its id). SHA-256 of the parts,
        // each followed by 0x1F, first 16 bytes as lower-case hex in UUID groups.
        #expect(a == "048a870b-aa53-9b49-03c8-e1e9e8e741cb")
        #expect(RequestID.stableUUID(["status", "f1:invoice:\u{FC}-1", "7"]) == "056bf83e-5b66-2bf8-ba93-e9251a039771")
        #expect(a != RequestID.derive(firm: "f", entity: "customer", id: "a1", operation: "create", revision: "2"))
        #expect(
            RequestID.derive(firm: "f", entity: "ab", id: "c", operation: "x", revision: "")
                != RequestID.derive(firm: "f", entity: "a", id: "bc", operation: "x", revision: ""))
    }
}

@Suite("Committed offsets")
struct OffsetTrackerTests {
    @Test("the committable offset is the lowest one not yet done")
    func outOfOrder() {
        var tracker = OffsetTracker()
        for offset in Int64(10)...14 { tracker.begin(offset) }
        #expect(tracker.complete(12) == nil)
        #expect(tracker.complete(11) == nil)
        #expect(tracker.committable == nil)
        #expect(tracker.complete(10) == 13)
        #expect(tracker.complete(14) == nil)
        #expect(tracker.complete(13) == 15)
        #expect(tracker.pendingCount == 0)
    }

    @Test("completing an unknown offset changes nothing")
    func unknown() {
        var tracker = OffsetTracker()
        tracker.begin(5)
        #expect(tracker.complete(6) == nil)
        #expect(tracker.complete(5) == 6)
        #expect(tracker.complete(5) == nil)
    }
}
