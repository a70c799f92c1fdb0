import Foundation
import QuickBooksSandbox
import SyncCore
import Testing

@testable import SyncWorker

/// "Changing a firm setting applies to what is still held back, not only to what arrives later."
@Suite("Firm settings that change", .timeLimit(.minutes(2)))
struct SettingsChangeTests {
    static func withWorker(_ env: TestEnvironment, _ body: (String) async throws -> Void) async throws {
        try await env.withHTTPWorker { port in try await body("http://127.0.0.1:\(port)/admin/firms/f1/settings") }
    }

    static func invoice(_ id: String, date: String) -> TestEvents.Message {
        TestEvents.invoice(
            firm: "f1", account: "a1", name: "Client", invoice: id, number: "N-\(id)", issueDate: date, dueDate: nil,
            lines: [TestEvents.Line(service: "Bookkeeping", quantity: "1", rate: "100.00", amount: "100.00")])
    }

    @Test("an earlier sync start date sends the invoices it held, oldest first, once; a later one leaves QuickBooks alone")
    func startDate() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1") { $0.syncStartDate = CalendarDate("2026-11-15") }
            try await Self.withWorker(env) { url in
                try await env.send(
                    Self.invoice("late", date: "2026-11-20"), Self.invoice("mid", date: "2026-11-10"),
                    Self.invoice("early", date: "2026-11-05"))
                _ = try await env.status.wait("f1:invoice:late", is: "synced")
                _ = try await env.status.wait("f1:invoice:mid", is: "not_synced", detailContaining: "sync start date")
                _ = try await env.status.wait("f1:invoice:early", is: "not_synced")
                let lateEvents = await env.status.events.filter { $0.key == "f1:invoice:late" }.count

                let answer = try await HTTP.response("PATCH", url, token: "test-admin-token", body: #"{"sync_start_date":"2026-11-01"}"#)
                #expect(answer.status == 200 && answer.body.contains("\"released_documents\":2"), "\(answer.body)")
                _ = try await env.status.wait("f1:invoice:early", is: "synced")
                _ = try await env.status.wait("f1:invoice:mid", is: "synced")
                let numbers = try await env.objects(realm: realm, .invoice).map { $0.string("DocNumber") }
                #expect(numbers == ["N-late", "N-early", "N-mid"], "held invoices go oldest first")

                let later = try await HTTP.response("PATCH", url, token: "test-admin-token", body: #"{"sync_start_date":"2026-11-25"}"#)
                #expect(later.status == 200 && later.body.contains("\"released_documents\":0"), "\(later.body)")
                try await env.send(Self.invoice("after", date: "2026-11-21"))
                _ = try await env.status.wait("f1:invoice:after", is: "not_synced")
                let events = await env.status.events
                #expect(
                    events.filter { $0.key == "f1:invoice:late" }.count == lateEvents,
                    "what is in QuickBooks keeps its column: nothing published")
                #expect(events.last { $0.key == "f1:invoice:late" }?.status == "synced")
                #expect(try await env.objects(realm: realm, .invoice).count == 3, "each once")
                #expect(
                    try await HTTP.status(
                        "PATCH", url.replacingOccurrences(of: "/f1/", with: "/nobody/"), token: "test-admin-token",
                        body: #"{"policy":"all_accounts"}"#) == 404)
                #expect(try await HTTP.status("PATCH", url, token: "test-admin-token", body: #"{"sync_start_date":"2026-02-30"}"#) == 400)
            }
        }
    }

    @Test("switching to all_accounts syncs every known account; a changed payments default applies to payments not yet written")
    func policyAndPaymentsDefault() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1") { $0.manualPaymentsSync = false }
            try await Self.withWorker(env) { url in
                try await env.send(
                    TestEvents.accountUpserted(firm: "f1", account: "quiet", name: "Quiet Client"),
                    TestEvents.payment(firm: "f1", account: "a2", name: "Payer", payment: "manual", amount: "40.00"),
                    TestEvents.payment(firm: "f1", account: "a2", name: "Payer", payment: "ticked", amount: "25.00", sync: true))
                _ = try await env.status.wait("f1:payment:manual", is: "skipped")
                _ = try await env.status.wait("f1:payment:ticked", is: "synced")
                _ = try await env.status.wait("f1:account:quiet", is: "not_synced")

                let answer = try await HTTP.response(
                    "PATCH", url, token: "test-admin-token", body: #"{"policy":"all_accounts","manual_payments_sync":true}"#)
                #expect(answer.status == 200 && answer.body.contains("\"started_accounts\":1"), "\(answer.body)")
                _ = try await env.status.wait("f1:account:quiet", is: "synced")
                _ = try await env.status.wait("f1:payment:manual", is: "synced")
                #expect(try await env.objects(realm: realm, .payment).count == 2)
                #expect(
                    await env.status.events.filter { $0.key == "f1:payment:ticked" }.map(\.status) == ["syncing", "synced"],
                    "a payment with its own checkbox is not touched")
            }
        }
    }
}
