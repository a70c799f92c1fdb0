import Hummingbird

/// Routes of the sandbox: the Accounting API, the OAuth endpoints and the admin API.
enum SandboxRouter {
    static func build(state: SandboxState) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let api = APIEndpoint(state: state)
        let tokens = TokenEndpoint(state: state)
        let admin = AdminEndpoint(state: state)

        router.get("/v3/company/:realmId/:resource") { request, context in
            await api.respond(
                to: request, realmId: context.parameters.get("realmId") ?? "",
                resource: context.parameters.get("resource") ?? "", entityId: nil)
        }
        router.post("/v3/company/:realmId/:resource") { request, context in
            await api.respond(
                to: request, realmId: context.parameters.get("realmId") ?? "",
                resource: context.parameters.get("resource") ?? "", entityId: nil)
        }
        router.get("/v3/company/:realmId/:resource/:id") { request, context in
            await api.respond(
                to: request, realmId: context.parameters.get("realmId") ?? "",
                resource: context.parameters.get("resource") ?? "", entityId: context.parameters.get("id"))
        }

        router.post("/oauth2/v1/tokens/bearer") { request, _ in await tokens.token(request) }
        router.post("/oauth2/v1/tokens/revoke") { request, _ in await tokens.revoke(request) }

        let group = router.group("/admin/v1")
        group.get("/health") { request, _ in
            admin.isAuthorized(request) ? admin.health() : admin.unauthorized()
        }
        group.post("/realms") { request, _ in
            admin.isAuthorized(request) ? await admin.createRealm(request) : admin.unauthorized()
        }
        group.get("/realms") { request, _ in
            admin.isAuthorized(request) ? await admin.listRealms() : admin.unauthorized()
        }
        group.get("/realms/:realmId") { request, context in
            admin.isAuthorized(request) ? await admin.realmSummary(realmId(context)) : admin.unauthorized()
        }
        group.delete("/realms/:realmId") { request, context in
            admin.isAuthorized(request) ? admin.removeRealm(realmId(context)) : admin.unauthorized()
        }
        group.post("/realms/:realmId/authorization-codes") { request, context in
            admin.isAuthorized(request) ? admin.authorizationCode(realmId(context)) : admin.unauthorized()
        }
        group.get("/realms/:realmId/entities/:entity") { request, context in
            guard admin.isAuthorized(request) else { return admin.unauthorized() }
            return await admin.entities(realmId(context), context.parameters.get("entity") ?? "")
        }
        group.post("/realms/:realmId/entities/:entity/:id/:action") { request, context in
            guard admin.isAuthorized(request) else { return admin.unauthorized() }
            return await admin.accountantChange(
                request, realmId: realmId(context), entityName: context.parameters.get("entity") ?? "",
                id: context.parameters.get("id") ?? "", action: context.parameters.get("action") ?? "")
        }
        group.get("/webhooks") { request, _ in
            admin.isAuthorized(request) ? admin.webhooks() : admin.unauthorized()
        }
        group.put("/webhooks") { request, _ in
            admin.isAuthorized(request) ? await admin.setWebhooks(request) : admin.unauthorized()
        }
        group.delete("/webhooks") { request, _ in
            admin.isAuthorized(request) ? admin.clearWebhooks() : admin.unauthorized()
        }
        group.post("/webhooks/flush") { request, _ in
            admin.isAuthorized(request) ? await admin.flushWebhooks() : admin.unauthorized()
        }
        group.get("/realms/:realmId/counters") { request, context in
            admin.isAuthorized(request) ? admin.counters(realmId(context)) : admin.unauthorized()
        }
        group.post("/realms/:realmId/counters/reset") { request, context in
            admin.isAuthorized(request) ? admin.resetCounters(realmId(context)) : admin.unauthorized()
        }
        group.post("/counters/reset") { request, _ in
            admin.isAuthorized(request) ? admin.resetCounters(nil) : admin.unauthorized()
        }
        group.post("/realms/:realmId/revoke-tokens") { request, context in
            admin.isAuthorized(request) ? admin.revokeTokens(realmId(context)) : admin.unauthorized()
        }
        group.get("/faults") { request, _ in
            admin.isAuthorized(request) ? admin.faults(nil) : admin.unauthorized()
        }
        group.put("/faults") { request, _ in
            admin.isAuthorized(request) ? await admin.setFaults(request, realmId: nil) : admin.unauthorized()
        }
        group.delete("/faults") { request, _ in
            admin.isAuthorized(request) ? admin.clearFaults(nil) : admin.unauthorized()
        }
        group.get("/realms/:realmId/faults") { request, context in
            admin.isAuthorized(request) ? admin.faults(realmId(context)) : admin.unauthorized()
        }
        group.put("/realms/:realmId/faults") { request, context in
            admin.isAuthorized(request)
                ? await admin.setFaults(request, realmId: realmId(context)) : admin.unauthorized()
        }
        group.delete("/realms/:realmId/faults") { request, context in
            admin.isAuthorized(request) ? admin.clearFaults(realmId(context)) : admin.unauthorized()
        }
        return router
    }

    private static func realmId(_ context: BasicRequestContext) -> String {
        context.parameters.get("realmId") ?? ""
    }
}
