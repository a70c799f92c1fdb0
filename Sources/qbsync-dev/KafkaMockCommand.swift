import ArgumentParser
import CommandLineSupport
import Foundation
import Kafka
import SyncWorker
import UnixSignals

/// librdkafka's mock cluster as a process of its own, so several workers can share it and
/// outlive each other (a test may kill workers; the cluster stays).
struct KafkaMockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka-mock",
        abstract: "Run librdkafka's embedded mock cluster with qbsync's topics created; prints the bootstrap servers.")

    @OptionGroup var logging: LoggingOptions
    @Option(help: "Number of mock brokers.") var brokers = 1
    @Option(help: "Partitions per topic.") var partitions = 6
    @Option(help: "Also write the bootstrap servers to this file (ports are chosen by librdkafka).") var bootstrapFile: String?

    func run() async throws {
        let logger = logging.bootstrap()
        let cluster = try KafkaMockCluster(brokerCount: brokers, logger: logger)
        let topics = try WorkerConfiguration.fromEnvironment().topics
        for topic in topics.ingress + [topics.syncStatus, topics.deadLetter] {
            try cluster.createTopic(topic, partitions: partitions)
        }
        if let bootstrapFile {
            try cluster.bootstrapServers.write(toFile: bootstrapFile, atomically: true, encoding: .utf8)
        }
        print(cluster.bootstrapServers)
        logger.info("Kafka mock cluster running", metadata: ["bootstrap": "\(cluster.bootstrapServers)", "brokers": "\(brokers)"])
        for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) { break }
        logger.info("Kafka mock cluster stopping")
        withExtendedLifetime(cluster) {}
    }
}
