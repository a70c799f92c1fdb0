import Foundation
import QuickBooksSandbox
import Testing

@testable import SyncWorker

/// "A new customer gets the customer type 'Individual' when the company has one."
@Suite("New customers' type", .timeLimit(.minutes(2)))
struct CustomerTypeTests {
    @Test("a customer qbsync creates is an Individual when the company has that type, and has no type when it does not")
    func individual() async throws {
        for types in [["Business", "Individual"], ["Business"]] {
            var sandbox = SandboxConfiguration()
            sandbox.customerTypes = types
            try await TestEnvironment.with(sandboxConfiguration: sandbox) { env in
                let realm = try await env.connectFirm("f1")
                let worker = try await env.startWorker()
                try await env.send(
                    TestEvents.syncRequested(firm: "f1", account: "a1", name: "Jane Doe", mode: "create"),
                    TestEvents.syncRequested(firm: "f1", account: "a2", name: "John Roe"))
                _ = try await env.status.wait("f1:account:a1", is: "synced")
                _ = try await env.status.wait("f1:account:a2", is: "synced")
                let customers = try await env.objects(realm: realm, .customer)
                let individual = try await env.objects(realm: realm, .customerType).first { $0.string("Name") == "Individual" }
                #expect(customers.count == 2)
                #expect((individual != nil) == types.contains("Individual"))
                for customer in customers {
                    #expect(customer.string("CustomerTypeRef", "value") == individual?.id, "types \(types)")
                }
                try await worker.stop()
            }
        }
    }
}
