/// A row holds a value this qbsync cannot read (an unknown status, an unreadable amount): the
/// database was changed by hand, or by a newer qbsync whose migrations this one does not know.
/// Not transient; the operator must look at the row the message names.
public struct StoredDataError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "unreadable stored data: \(message)" }
}
