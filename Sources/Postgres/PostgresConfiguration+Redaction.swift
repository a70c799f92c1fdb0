import Foundation

extension PostgresConfiguration {
    /// `connectionString` with its password replaced by `********`, whether it is a URL
    /// (`postgresql://user:secret@host/db`, `?password=secret`) or keyword pairs (`password=secret`);
    /// safe to put in an error message or a log line even when libpq cannot parse it.
    public static func redacted(_ connectionString: String) -> String {
        redaction(of: connectionString).text
    }

    /// `message` with every password of `connectionString` masked (libpq quotes the input it cannot parse).
    static func redact(_ message: String, passwordsOf connectionString: String) -> String {
        redaction(of: connectionString).secrets.filter { $0.count >= 2 }.reduce(message) {
            $0.replacingOccurrences(of: $1, with: "********")
        }
    }

    private static func redaction(of connectionString: String) -> (text: String, secrets: [String]) {
        var text = connectionString
        var secrets: [String] = []
        // URL userinfo: scheme://user:password@host
        if let scheme = text.range(of: "://") {
            let rest = text[scheme.upperBound...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
                let range = text.index(after: colon)..<at
                secrets.append(String(text[range]))
                text.replaceSubrange(range, with: "********")
            }
        }
        // password=… as a URL query parameter or a keyword pair (possibly quoted).
        var result = ""
        var remainder = Substring(text)
        while let match = remainder.range(of: "password=", options: .caseInsensitive) {
            result += remainder[..<match.upperBound]
            let start = match.upperBound
            var end: Substring.Index
            if start < remainder.endIndex, remainder[start] == "'" {
                end =
                    remainder[remainder.index(after: start)...].firstIndex(of: "'").map { remainder.index(after: $0) } ?? remainder.endIndex
            } else {
                end = remainder[start...].firstIndex(where: { $0 == "&" || $0 == " " }) ?? remainder.endIndex
            }
            secrets.append(String(remainder[start..<end]).trimmingCharacters(in: CharacterSet(charactersIn: "'")))
            result += "********"
            remainder = remainder[end...]
        }
        return (result + remainder, secrets)
    }
}
