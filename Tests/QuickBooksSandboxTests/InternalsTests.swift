import Foundation
import Testing

@testable import QuickBooksSandbox

@Suite("Parsing and formatting internals")
struct InternalsTests {
    @Test("JSON round-trips escapes, unicode and numbers")
    func jsonRoundTrip() throws {
        let text = #"{"a":"O'Neil \"q\" \\ \n é 😀 \u00e9 \ud83d\ude00","n":[1,2.5,-3e2,0],"t":true,"z":null,"o":{}}"#
        let value = try JSONParser.parse(Array(text.utf8))
        #expect(value["a"]?.stringValue == "O'Neil \"q\" \\ \n é 😀 é 😀")
        #expect(value["n"]?.arrayValue?.compactMap(\.numberValue) == [1, 2.5, -300, 0])
        let again = try JSONParser.parse(JSONWriter.serialize(value))
        #expect(again == value)
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(Array(#"{"a":}"#.utf8)) }
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(Array(#"[1,]"#.utf8)) }
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(Array(#"{"a":1} x"#.utf8)) }
    }

    @Test("numbers are kept as the decimals sent: 450.00 stays 450.00, and digits a Double would lose are kept")
    func exactNumbers() throws {
        let text = #"{"a":450.00,"b":12345678901234567.89,"c":0.30000000000000004,"d":"128.35"}"#
        let value = try JSONParser.parse(Array(text.utf8))
        #expect(value["a"]?.numberValue == Decimal(string: "450.00"))
        #expect(value["b"]?.numberValue == Decimal(string: "12345678901234567.89"))  // a Double reads 12345678901234568
        #expect(value["d"]?.numberValue == Decimal(string: "128.35"))
        let written = String(decoding: JSONWriter.serialize(value), as: UTF8.self)
        #expect(written == #"{"a":450,"b":12345678901234567.89,"c":0.30000000000000004,"d":"128.35"}"#)
        // Cents round half away from zero in decimal: 0.145 is 14.499999… in binary floating point.
        #expect(Money.cents(try #require(Decimal(string: "0.145"))) == 15)
        #expect(Money.cents(try #require(Decimal(string: "-0.145"))) == -15)
        #expect(Money.lineCents(quantity: 14.5, unitPrice: try #require(Decimal(string: "128.35"))) == 186_108)
    }

    @Test("timestamps are written like Intuit's and parsed back")
    func timestamps() throws {
        let instant = Date(timeIntervalSince1970: 1_437_674_292.099)  // 2015-07-23T17:58:12.099Z
        #expect(IntuitTime.responseTime(instant) == "2015-07-23T10:58:12.099-07:00")
        #expect(IntuitTime.metadataTime(instant) == "2015-07-23T10:58:12-07:00")
        #expect(IntuitTime.calendarDate(instant) == "2015-07-23")
        let parsed = try #require(IntuitTime.parse("2015-07-23T10:58:12.099-07:00"))
        #expect(abs(parsed.timeIntervalSince(instant)) < 0.001)
        #expect(IntuitTime.parse("2015-07-23T17:58:12Z") != nil)
        #expect(IntuitTime.parse("2015-02-30") == nil)
        #expect(IntuitTime.addingDays(30, to: "2024-02-10") == "2024-03-11")
    }

    @Test("money rounds half away from zero in decimal")
    func money() {
        #expect(Money.lineCents(quantity: 128.35, unitPrice: 14.5) == 186_108)
        #expect(Money.lineCents(quantity: 4.5, unitPrice: 75) == 33_750)
        #expect(Money.cents(0.1 + 0.2) == 30)
        #expect(Money.text(-2005) == "-20.05")
    }

    @Test("random latency stays within its bounds and forced 429s are spent one per request")
    func faultPlans() {
        let clock = ContinuousClock()
        let schedule = FaultSchedule(
            SandboxFaults(latency: .uniform(min: .milliseconds(20), max: .milliseconds(40)), forced429Count: 1),
            now: clock.now)
        #expect(schedule.plan(now: clock.now).forced429)
        let latencies = (0..<200).map { _ in schedule.plan(now: clock.now).latency }
        #expect(latencies.allSatisfy { $0 >= .milliseconds(20) && $0 <= .milliseconds(40) })
        #expect(Set(latencies).count > 1)
    }

    @Test("the query parser reads what clients send and rejects what QuickBooks rejects")
    func queryParser() throws {
        let statement = try QueryParser.parse(
            #"SELECT * FROM Customer WHERE DisplayName = 'Jane O\'Neil' AND Active IN (true, false) STARTPOSITION 11 MAXRESULTS 10"#
        )
        #expect(statement.entity == "Customer")
        #expect(statement.conditions.count == 2)
        #expect(statement.conditions[0].values == [.string("Jane O'Neil")])
        #expect(statement.conditions[1].values == [.bool(true), .bool(false)])
        #expect(statement.startPosition == 11)
        #expect(statement.maxResults == 10)
        #expect(try QueryParser.parse("select *, Sku from Item").projection == .all)
        #expect(throws: QueryParser.ParseError.self) { try QueryParser.parse("select * from") }
        #expect(throws: QueryParser.ParseError.self) {
            try QueryParser.parse("select * from Customer where Name = 'open")
        }
        #expect(throws: QueryParser.ParseError.self) { try QueryParser.parse("select * from Customer maxresults 0") }
    }
}
