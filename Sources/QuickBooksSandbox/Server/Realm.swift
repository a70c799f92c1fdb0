import NIOConcurrencyHelpers

/// One QuickBooks company in the sandbox: its data, its traffic limits and counters, and its
/// own fault-injection settings when they differ from the sandbox-wide ones.
final class Realm: Sendable {
    let id: String
    let companyName: String
    let store: RealmStore
    let traffic: RealmTraffic
    private let faultOverride = NIOLockedValueBox<FaultSchedule?>(nil)

    init(id: String, companyName: String, store: RealmStore, traffic: RealmTraffic) {
        self.id = id
        self.companyName = companyName
        self.store = store
        self.traffic = traffic
    }

    var faultSchedule: FaultSchedule? {
        faultOverride.withLockedValue { $0 }
    }

    func overrideFaults(_ schedule: FaultSchedule?) {
        faultOverride.withLockedValue { $0 = schedule }
    }
}
