import ArgumentParser
import AsyncHTTPClient

/// A health probe for images without curl: exits 0 when the URL answers 2xx.
struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe", abstract: "Exit 0 when an HTTP URL answers 2xx (container health checks).")

    @Option(help: "The URL to GET.") var url: String

    func run() async throws {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(3))
        guard (200..<300).contains(response.status.code) else {
            throw ValidationError("\(url) answered \(response.status.code)")
        }
    }
}
