import Foundation
import QuickBooksSandbox
import SyncCore
import Testing

@testable import QuickBooks

@Suite("Money leaves and returns as exact decimals")
struct ExactAmountTests {
    private func json(_ value: some Encodable) throws -> String {
        String(decoding: try QuickBooksClient.encoded(value, operation: "test"), as: UTF8.self)
    }

    @Test("450.00 goes out as the exact JSON number 450, and 0.1 + 0.2 as 0.3: never a binary floating-point neighbour")
    func exactValues() throws {
        let sum = amount("0.1") + amount("0.2")
        let line = SalesLine.salesItem(
            ReferenceType(value: "7"), quantity: amount("3"), unitPrice: amount("0.1"), amount: sum)
        let invoice = Invoice(customerRef: ReferenceType(value: "1"), lines: [line])
        let text = try json(invoice)
        #expect(text.contains(#""Amount":0.3"#))
        #expect(text.contains(#""UnitPrice":0.1"#))
        #expect(text.contains(#""Qty":3"#))
        #expect(!text.contains("0000000") && !text.contains("9999999"))
        #expect(try json(amount("450.00")) == "450")
        #expect(try json(amount("-12.5")) == "-12.5")
        #expect(try json(amount("0.333333")) == "0.333333")
        #expect(try json(amount("1234567890123.45")) == "1234567890123.45")
        // What leaves is the same amount: read back through Decimal it is 450.00 to the cent.
        #expect(try read(try json(amount("450.00"))) == "450.00")
        #expect(try read(try json(sum)) == "0.30")
    }

    @Test("the body is valid JSON that reads back into the same model")
    func roundTripsThroughJSONDecoder() throws {
        let payment = Payment(
            customerRef: ReferenceType(value: "12", name: "Zoë \"Z\" O'Brien\\\n\u{1}"), totalAmt: amount("1861.08"),
            txnDate: date("2025-02-28"), paymentRefNum: "chq 1001", lines: [.invoice("130", amount: amount("1861.08"))])
        let data = try QuickBooksClient.encoded(payment, operation: "test")
        let decoded = try JSONDecoder().decode(Payment.self, from: data)
        #expect(decoded == payment)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""TotalAmt":1861.08"#))
        #expect(text.contains(#""TxnDate":"2025-02-28""#))
        #expect(text.contains(#"\"Z\" O'Brien\\\n\u0001"#))
        // Absent optionals are left out, not sent as null (a sparse update must not clear them).
        #expect(!text.contains("null"))
        #expect(!text.contains("DepositToAccountRef"))
    }

    private struct Holder: Decodable { var a: QuickBooksDecimal }

    /// Reads `text` as the JSON value of an amount.
    private func read(_ text: String) throws -> String {
        let document = Data("{\"a\":\(text)}".utf8)
        let holder = try JSONDecoder().decode(Holder.self, from: document)
        return holder.a.description
    }

    @Test("amounts QuickBooks sends back are read through Decimal, not Double")
    func decoding() throws {
        #expect(try read("0.3") == "0.30")
        #expect(try read("0.30000000000000004") == "0.30")
        #expect(try read("1234567890123.45") == "1234567890123.45")
        #expect(try read("0.1234565") == "0.123457")  // half away from zero, in decimal
        #expect(try read(#""450.00""#) == "450.00")
        #expect(throws: DecodingError.self) { try read("1e30") }
    }

    @Test("a sparse update is its change with sparse set beside its fields, amounts exact")
    func sparseUpdate() throws {
        let change = Invoice(
            id: "5", syncToken: "2",
            lines: [
                .salesItem(ReferenceType(value: "1"), quantity: amount("1"), unitPrice: amount("450.00"), amount: amount("450.00"))
            ])
        let body = try QuickBooksClient.encoded(SparseUpdate(change), operation: "update Invoice")
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(object["sparse"] as? Bool == true)
        #expect(object["Id"] as? String == "5")
        #expect(object["SyncToken"] as? String == "2")
        #expect(object["CustomerRef"] == nil)  // not named, so QuickBooks keeps it
        let reread = try JSONDecoder().decode(Invoice.self, from: body)
        #expect(reread.lines?.first?.amount == amount("450.00"))
        let bare = try #require(
            try JSONSerialization.jsonObject(
                with: QuickBooksClient.encoded(
                    SparseUpdate(Invoice(id: "9", syncToken: "0")), operation: "update Invoice")) as? [String: Any])
        #expect(Set(bare.keys) == ["Id", "SyncToken", "sparse"])
    }

    @Test("0.1 + 0.2-style amounts round-trip exactly through the sandbox")
    func sandboxRoundTrip() async throws {
        try await SandboxCompany.run { company in
            let customer = try await company.newCustomer("Exact Amounts Inc")
            let item = try await company.newServiceItem("Bookkeeping")
            let itemRef = try #require(item.reference)
            let tenth = amount("0.1")
            let lines: [SalesLine] = [
                .salesItem(itemRef, quantity: amount("3"), unitPrice: tenth, amount: tenth + tenth + tenth),
                .salesItem(itemRef, quantity: amount("1"), unitPrice: amount("0.2"), amount: amount("0.2")),
                .salesItem(itemRef, quantity: amount("14.5"), unitPrice: amount("128.35"), amount: amount("1861.08")),
                .salesItem(itemRef, quantity: amount("1"), unitPrice: amount("9999999999.99"), amount: amount("9999999999.99")),
            ]
            let expectedTotal = lines.compactMap(\.amount).reduce(QuickBooksDecimal.zero, +)
            #expect(expectedTotal == amount("10000001861.57"))
            let created = try await company.client.createInvoice(
                Invoice(customerRef: ReferenceType(value: try #require(customer.id)), lines: lines),
                requestID: SandboxCompany.requestID(), access: company.access)
            #expect(created.totalAmt == expectedTotal)
            let reread = try await company.client.invoice(id: try #require(created.id), access: company.access)
            #expect(reread.totalAmt == expectedTotal)
            #expect(reread.balance == expectedTotal)
            #expect(reread.lines?.filter(\.isSalesItem).map(\.amount) == lines.map(\.amount))
            #expect(
                reread.lines?.filter(\.isSalesItem).map(\.salesItemLineDetail?.unitPrice) == lines.map(\.salesItemLineDetail?.unitPrice))

            let payment = try await company.client.createPayment(
                Payment(
                    customerRef: ReferenceType(value: try #require(customer.id)), totalAmt: amount("0.3"),
                    lines: [.invoice(try #require(created.id), amount: amount("0.1") + amount("0.2"))]),
                requestID: SandboxCompany.requestID(), access: company.access)
            #expect(payment.totalAmt == amount("0.30"))
            #expect(payment.unappliedAmt == .zero)
            let paid = try await company.client.invoice(id: try #require(created.id), access: company.access)
            #expect(paid.balance == expectedTotal - amount("0.30"))
        }
    }

    @Test("a line whose Qty × UnitPrice is not its Amount is refused with 6070")
    func amountMismatch() async throws {
        try await SandboxCompany.run { company in
            let customer = try await company.newCustomer("Careless Maths")
            let item = try await company.newServiceItem("Advice")
            let error = await quickBooksFailure {
                try await company.newInvoice(for: customer, item: item, quantity: "3", unitPrice: "0.10", total: "0.31")
            }
            #expect(error?.code == "6070")
            #expect(error?.problem.kind == .validation)
        }
    }
}
