extension KafkaConsumerConfiguration {
    /// The same configuration with timings that suit ``KafkaMockCluster`` (librdkafka 2.0.2).
    ///
    /// The mock coordinator waits `session.timeout.ms - 1 s` for members to rejoin on every
    /// rebalance (44 s with the 45 s production default), parks the first join of a group for
    /// 3 s and evicts a member whose join is parked longer than its session timeout, and answers
    /// an empty fetch only after `fetch.wait.max.ms` even when records arrive meanwhile. Hence:
    /// a 4 s session timeout (rebalances take about 3 s), 300 ms heartbeats, 30 s max poll
    /// interval and 20 ms fetch waits. Do not use these against a real cluster.
    public func tunedForMockCluster() -> KafkaConsumerConfiguration {
        var tuned = self
        tuned.sessionTimeout = .seconds(4)
        tuned.heartbeatInterval = .milliseconds(300)
        tuned.maxPollInterval = .seconds(30)
        if tuned.revocationTimeout >= tuned.maxPollInterval {
            tuned.revocationTimeout = .seconds(10)
        }
        tuned.properties["fetch.wait.max.ms"] = "20"
        return tuned
    }
}
