import Foundation

/// All entities of one type in a realm, with the indexes the hot paths need: unique names for
/// name lists and document numbers for sales forms, so neither a create nor an
/// `where DisplayName = '…'` query scans the table.
struct EntityTable: Sendable {
    var rows: [Int: StoredEntity] = [:]
    /// Ids in creation order, which is also ascending order.
    var order: [Int] = []
    var nextId = 1
    /// Normalised name → id, inactive entities included (they still hold their name).
    var nameIndex: [String: Int] = [:]
    /// Normalised DocNumber → id, deleted documents excluded (their numbers can be reused).
    var docNumberIndex: [String: Int] = [:]
    var nextDocNumber = 1001

    /// QuickBooks compares names and document numbers without regard to letter case or
    /// surrounding blanks.
    static func normalise(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// The next free automatic document number.
    mutating func takeDocNumber() -> String {
        while docNumberIndex[String(nextDocNumber)] != nil { nextDocNumber += 1 }
        defer { nextDocNumber += 1 }
        return String(nextDocNumber)
    }
}
