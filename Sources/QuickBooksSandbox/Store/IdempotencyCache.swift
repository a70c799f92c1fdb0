/// Answers already given per `requestid`, so a retried write returns the original answer and
/// writes nothing again. Bounded: the oldest ids are forgotten first.
struct IdempotencyCache: Sendable {
    /// Kept serialised: a fraction of the memory of the JSON tree, and replayed byte for byte.
    struct Answer: Sendable {
        let status: Int
        let body: [UInt8]
    }

    private var answers: [String: Answer] = [:]
    private var arrival: [String] = []
    private var oldest = 0
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    func answer(for requestId: String) -> Answer? {
        answers[requestId]
    }

    mutating func remember(_ answer: Answer, for requestId: String) {
        guard answers.updateValue(answer, forKey: requestId) == nil else { return }
        arrival.append(requestId)
        while answers.count > limit, oldest < arrival.count {
            answers[arrival[oldest]] = nil
            oldest += 1
        }
        if oldest > 4096, oldest * 2 > arrival.count {
            arrival.removeFirst(oldest)
            oldest = 0
        }
    }
}
