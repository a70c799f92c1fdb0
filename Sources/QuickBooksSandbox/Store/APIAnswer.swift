/// What the store answers to one API call, and what it did, for the realm's counters.
struct APIAnswer: Sendable {
    var status: Int
    var body: JSONValue
    /// The body already serialised (answers remembered for a `requestid`, and their replays).
    var encoded: [UInt8]? = nil
    /// Served from the `requestid` cache.
    var replayed = false
    /// Business-rule faults in the answer (a batch can carry several).
    var validationFaults = 0
    /// Entities created, updated, voided or deleted.
    var writes = 0
    /// Operations in a batch call.
    var batchItems = 0
}
