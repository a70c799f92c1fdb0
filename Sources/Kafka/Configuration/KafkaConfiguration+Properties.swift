extension KafkaConfiguration {
    /// Validates the connection settings and writes them into `properties`.
    func apply(to properties: inout LibrdkafkaProperties) throws(KafkaError) {
        let servers = self.bootstrapServers.filter { !$0.isEmpty }
        guard !servers.isEmpty else {
            throw .invalidConfiguration("bootstrapServers is empty; give at least one host:port of the Kafka cluster")
        }
        properties.set("bootstrap.servers", servers.joined(separator: ","), ownedBy: "bootstrapServers")
        guard !self.clientID.isEmpty else {
            throw .invalidConfiguration("clientID is empty; use the service name")
        }
        properties.set("client.id", self.clientID, ownedBy: "clientID")
        try self.security.apply(to: &properties)
        properties.reserve("log.queue", "log_level", "log_cb", "opaque", for: "the library's logging (pass a Logger)")
    }
}

extension KafkaSecurity {
    func apply(to properties: inout LibrdkafkaProperties) throws(KafkaError) {
        properties.set("security.protocol", self.securityProtocol.rawValue, ownedBy: "security.securityProtocol")
        properties.reserve("sasl.mechanisms", "sasl.mechanism", for: "security.saslMechanism")
        properties.reserve("sasl.username", for: "security.saslUsername")
        properties.reserve("sasl.password", for: "security.saslPassword")
        properties.reserve("ssl.ca.location", for: "security.sslCALocation")
        properties.reserve("ssl.certificate.location", for: "security.sslCertificateLocation")
        properties.reserve("ssl.key.location", for: "security.sslKeyLocation")
        properties.reserve("ssl.key.password", for: "security.sslKeyPassword")
        properties.reserve("ssl.endpoint.identification.algorithm", for: "security.verifyBrokerHostname")

        let hasSASLSettings = self.saslMechanism != nil || self.saslUsername != nil || self.saslPassword != nil
        if self.securityProtocol.usesSASL {
            guard let mechanism = self.saslMechanism, let username = self.saslUsername, let password = self.saslPassword,
                !username.isEmpty
            else {
                throw .invalidConfiguration(
                    "security protocol \(self.securityProtocol.rawValue) needs saslMechanism, saslUsername and saslPassword"
                )
            }
            properties.set("sasl.mechanisms", mechanism.rawValue, ownedBy: "security.saslMechanism")
            properties.set("sasl.username", username, ownedBy: "security.saslUsername")
            properties.set("sasl.password", password, ownedBy: "security.saslPassword")
        } else if hasSASLSettings {
            throw .invalidConfiguration(
                "SASL credentials are set but the security protocol is \(self.securityProtocol.rawValue); use sasl_ssl (or sasl_plaintext)"
            )
        }

        let hasTLSSettings = self.sslCALocation != nil || self.sslCertificateLocation != nil || self.sslKeyLocation != nil
        if self.securityProtocol.usesTLS {
            if let location = self.sslCALocation {
                properties.set("ssl.ca.location", location, ownedBy: "security.sslCALocation")
            }
            if let location = self.sslCertificateLocation {
                properties.set("ssl.certificate.location", location, ownedBy: "security.sslCertificateLocation")
            }
            if let location = self.sslKeyLocation {
                properties.set("ssl.key.location", location, ownedBy: "security.sslKeyLocation")
            }
            if let password = self.sslKeyPassword {
                properties.set("ssl.key.password", password, ownedBy: "security.sslKeyPassword")
            }
            properties.set(
                "ssl.endpoint.identification.algorithm",
                self.verifyBrokerHostname ? "https" : "none",
                ownedBy: "security.verifyBrokerHostname"
            )
        } else if hasTLSSettings {
            throw .invalidConfiguration(
                "TLS files are set but the security protocol is \(self.securityProtocol.rawValue); use ssl (or sasl_ssl)"
            )
        }
    }
}
