/// How clients authenticate to the brokers and protect the connection.
///
/// `description` never prints passwords, so the struct can be logged with the rest of the configuration.
public struct KafkaSecurity: Sendable, Hashable, CustomStringConvertible {
    /// librdkafka's `security.protocol`.
    public enum SecurityProtocol: String, Sendable, Hashable, CaseIterable {
        /// No TLS, no authentication (local development and the mock cluster only).
        case plaintext
        /// TLS, optionally with a client certificate.
        case ssl
        /// SASL authentication without TLS.
        case saslPlaintext = "sasl_plaintext"
        /// SASL authentication over TLS (the usual choice for managed Kafka).
        case saslSSL = "sasl_ssl"

        var usesSASL: Bool { self == .saslPlaintext || self == .saslSSL }
        var usesTLS: Bool { self == .ssl || self == .saslSSL }
    }

    /// librdkafka's `sasl.mechanisms` for username/password authentication.
    public enum SASLMechanism: String, Sendable, Hashable, CaseIterable {
        case plain = "PLAIN"
        case scramSHA256 = "SCRAM-SHA-256"
        case scramSHA512 = "SCRAM-SHA-512"
    }

    /// `security.protocol`; default `.plaintext`.
    public var securityProtocol: SecurityProtocol
    /// `sasl.mechanisms`; required with the SASL protocols.
    public var saslMechanism: SASLMechanism?
    /// `sasl.username`; required with the SASL protocols.
    public var saslUsername: String?
    /// `sasl.password`; required with the SASL protocols. Never logged.
    public var saslPassword: String?
    /// `ssl.ca.location`: a PEM file or directory of CA certificates to trust; `nil` uses the system store.
    public var sslCALocation: String?
    /// `ssl.certificate.location`: client certificate (PEM) for mutual TLS.
    public var sslCertificateLocation: String?
    /// `ssl.key.location`: client private key (PEM) for mutual TLS.
    public var sslKeyLocation: String?
    /// `ssl.key.password`: passphrase of the client key. Never logged.
    public var sslKeyPassword: String?
    /// Whether the broker certificate's host name is verified (`ssl.endpoint.identification.algorithm`); default `true`.
    public var verifyBrokerHostname: Bool

    /// Creates security settings; the defaults are plaintext without authentication.
    public init(
        securityProtocol: SecurityProtocol = .plaintext,
        saslMechanism: SASLMechanism? = nil,
        saslUsername: String? = nil,
        saslPassword: String? = nil,
        sslCALocation: String? = nil,
        sslCertificateLocation: String? = nil,
        sslKeyLocation: String? = nil,
        sslKeyPassword: String? = nil,
        verifyBrokerHostname: Bool = true
    ) {
        self.securityProtocol = securityProtocol
        self.saslMechanism = saslMechanism
        self.saslUsername = saslUsername
        self.saslPassword = saslPassword
        self.sslCALocation = sslCALocation
        self.sslCertificateLocation = sslCertificateLocation
        self.sslKeyLocation = sslKeyLocation
        self.sslKeyPassword = sslKeyPassword
        self.verifyBrokerHostname = verifyBrokerHostname
    }

    /// Plaintext without authentication.
    public static let plaintext = KafkaSecurity()

    public var description: String {
        var parts = ["protocol=\(self.securityProtocol.rawValue)"]
        if let saslMechanism { parts.append("sasl.mechanism=\(saslMechanism.rawValue)") }
        if let saslUsername { parts.append("sasl.username=\(saslUsername)") }
        if self.saslPassword != nil { parts.append("sasl.password=<redacted>") }
        if let sslCALocation { parts.append("ssl.ca.location=\(sslCALocation)") }
        if let sslCertificateLocation { parts.append("ssl.certificate.location=\(sslCertificateLocation)") }
        if let sslKeyLocation { parts.append("ssl.key.location=\(sslKeyLocation)") }
        if self.sslKeyPassword != nil { parts.append("ssl.key.password=<redacted>") }
        if !self.verifyBrokerHostname { parts.append("verify.hostname=false") }
        return "KafkaSecurity(\(parts.joined(separator: ", ")))"
    }
}
