/// The firm's QuickBooks connection as a status of its own.
///
/// A revoked or expired connection is reported once for the firm instead of as a failure of
/// every account; the firm's work waits until it reconnects.
public struct FirmConnectionState: Sendable, Hashable {
    public var status: SyncStatus
    public var detail: String?
    public var errorCode: String?
    public var sequence: Int64

    public init(status: SyncStatus = .synced, detail: String? = nil, errorCode: String? = nil, sequence: Int64 = 0) {
        self.status = status
        self.detail = detail
        self.errorCode = errorCode
        self.sequence = sequence
    }

    public var isConnected: Bool { status == .synced }

    /// The error code of a firm an owner or admin disconnected on purpose.
    public static let disconnectedCode = "disconnected"

    public var isDisconnected: Bool { errorCode == Self.disconnectedCode }

    public enum Input: Sendable, Hashable {
        case connected
        case connectionLost(code: String, detail: String)
        /// The firm disconnected QuickBooks itself: `not_synced` until it connects again.
        case disconnected(detail: String)
    }

    /// Applies `input`; returns the update to publish, or nil when nothing visible changed.
    public mutating func apply(_ input: Input) -> FirmStatusUpdate? {
        let before = self
        switch input {
        case .connected:
            status = .synced
            detail = nil
            errorCode = nil
        case .connectionLost(let code, let detail):
            // A firm that chose to disconnect is not "failed" when its missing tokens are noticed.
            guard !isDisconnected else { return nil }
            status = .failed
            self.detail = detail
            errorCode = code
        case .disconnected(let detail):
            status = .notSynced
            self.detail = detail
            errorCode = Self.disconnectedCode
        }
        guard before.status != status || before.detail != detail || before.errorCode != errorCode else { return nil }
        sequence += 1
        return FirmStatusUpdate(status: status, previousStatus: before.status, detail: detail, errorCode: errorCode, sequence: sequence)
    }
}

/// The firm part of a status event.
public struct FirmStatusUpdate: Sendable, Hashable {
    public var status: SyncStatus
    public var previousStatus: SyncStatus?
    public var detail: String?
    public var errorCode: String?
    public var sequence: Int64
    public init(status: SyncStatus, previousStatus: SyncStatus?, detail: String?, errorCode: String?, sequence: Int64) {
        self.status = status
        self.previousStatus = previousStatus
        self.detail = detail
        self.errorCode = errorCode
        self.sequence = sequence
    }
}
