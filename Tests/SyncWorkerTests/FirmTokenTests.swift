import Foundation
import Postgres
import QuickBooks
import QuickBooksSandbox
import Testing

@testable import SyncWorker

@Suite("QuickBooks tokens: sealed at rest, refreshed under the firm's lock", .timeLimit(.minutes(2)))
struct FirmTokenTests {
    @Test("tokens are stored sealed: no plaintext in the database, and they open only with the key and for their firm")
    func sealedAtRest() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let (client, access) = try await env.apiAccess(realm: realm)
            _ = client
            let row = try #require(
                try await env.database.withConnection { connection in
                    try await connection.query("select refresh_token, access_token from firms where firm_id = 'f1'")
                }.first)
            let sealedRefresh = try row.decode([UInt8].self, "refresh_token")
            let sealedAccess = try row.decode([UInt8].self, "access_token")
            let cipher = try TokenCipher(keyMaterial: env.tokenKey)
            let refresh = try cipher.open(sealedRefresh, firmID: "f1")
            let accessToken = try cipher.open(sealedAccess, firmID: "f1")
            #expect(!refresh.isEmpty && !accessToken.isEmpty)
            for token in [refresh, accessToken, access.accessToken] {
                #expect(!contains(sealedRefresh, token) && !contains(sealedAccess, token), "a token is readable in the database")
            }
            #expect(throws: TokenCipherError.self) { try cipher.open(sealedRefresh, firmID: "f2") }
            let otherKey = try TokenCipher(keyMaterial: (0..<32).map { _ in UInt8.random(in: 0...255) })
            #expect(throws: TokenCipherError.self) { try otherKey.open(sealedRefresh, firmID: "f1") }
        }
    }

    @Test("a key that is not 32 bytes is refused with a message saying how to make one")
    func keyLength() {
        #expect(throws: WorkerConfigurationError.self) { try TokenCipher(keyMaterial: Array(repeating: 1, count: 16)) }
        var configuration = WorkerConfiguration()
        configuration.tokenKey = []
        #expect { try configuration.validate() } throws: { error in
            String(describing: error).contains("openssl rand -base64 32")
        }
        #expect(throws: WorkerConfigurationError.self) { try WorkerConfiguration.fromEnvironment(["QBSYNC_TOKEN_KEY": "c2hvcnQ="]) }
        #expect(throws: WorkerConfigurationError.self) { try WorkerConfiguration.fromEnvironment(["QBSYNC_HTTP_PORT": "eighty"]) }
    }

    @Test("workers refreshing the same firm at once all get a token, and the firm stays connected")
    func concurrentRefresh() async throws {
        try await TestEnvironment.with { env in
            _ = try await env.connectFirm("f1")
            // Make the stored access token stale so every worker wants to refresh.
            try await env.database.withConnection { connection in
                try await connection.execute("update firms set access_token_expires_at = now() - interval '1 minute' where firm_id = 'f1'")
            }
            let configuration = env.workerConfiguration()
            let cipher = try TokenCipher(keyMaterial: env.tokenKey)
            // Separate sessions stand for separate worker processes: only the row lock keeps them apart.
            let sessions = (0..<6).map { _ in
                FirmSessions(
                    database: env.database, client: QuickBooksClient(configuration: configuration.quickBooks, logger: env.logger),
                    cipher: cipher, logger: env.logger)
            }
            let tokens = try await withThrowingTaskGroup(of: String.self) { group in
                for session in sessions { group.addTask { try await session.access(for: "f1").accessToken } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(tokens.count == 6)
            #expect(Set(tokens).count == 1, "one refresh served everyone; a second refresh would have spent the rolled token")
            let status = try await env.database.withConnection { connection in
                try await connection.query("select connection_status from firms where firm_id = 'f1'")
            }
            #expect(try status.first?.decode(String.self, "connection_status") == "synced")
        }
    }
}

private func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
    let bytes = Array(needle.utf8)
    guard !bytes.isEmpty, haystack.count >= bytes.count else { return false }
    return (0...(haystack.count - bytes.count)).contains { Array(haystack[$0..<($0 + bytes.count)]) == bytes }
}
