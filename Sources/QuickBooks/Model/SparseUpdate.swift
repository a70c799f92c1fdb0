/// A sparse update's body: `"sparse": true` beside the fields of `change` (its Id, its current
/// SyncToken and only the fields to change); QuickBooks leaves every field it does not name as it is.
struct SparseUpdate<Change: Encodable>: Encodable {
    var change: Change

    init(_ change: Change) {
        self.change = change
    }

    private enum CodingKeys: String, CodingKey { case sparse }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(true, forKey: .sparse)
        try change.encode(to: encoder)  // the same object: its fields join `sparse`
    }
}
