import Hummingbird

/// `/admin/v1/webhooks`: the webhook settings, changeable while the sandbox runs, and a flush.
extension AdminEndpoint {
    func webhooks() -> Response {
        HTTPReply.json(200, webhooksJSON())
    }

    func setWebhooks(_ request: Request) async -> Response {
        guard let bytes = await HTTPReply.collectBody(request, limit: 64 * 1024), !bytes.isEmpty else {
            return Self.error(400, "Send the webhook settings as a JSON object.")
        }
        let updated: SandboxWebhooks
        do {
            updated = try SandboxWebhooks.merging(adminJSON: try JSONParser.parse(bytes), over: state.webhooks.settings)
        } catch let error as AdminInputError {
            return Self.error(400, "Invalid webhook settings: \(error.reason).")
        } catch {
            return Self.error(400, "The body is not valid JSON: \(error)")
        }
        state.webhooks.replaceSettings(updated)
        state.logger.info("Webhook settings changed", metadata: ["url": "\(updated.url)", "format": "\(updated.format)"])
        return webhooks()
    }

    func clearWebhooks() -> Response {
        state.webhooks.replaceSettings(nil)
        state.logger.info("Webhooks turned off")
        return webhooks()
    }

    func flushWebhooks() async -> Response {
        await state.webhooks.flush()
        return webhooks()
    }

    /// `{"webhooks": {…} or null, "pendingChanges": n}`.
    private func webhooksJSON() -> JSONValue {
        .object([
            "webhooks": state.webhooks.settings?.adminJSON ?? .null,
            "pendingChanges": .number(Double(state.webhooks.pendingChanges)),
        ])
    }
}
