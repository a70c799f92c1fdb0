enum HarnessError: Error, CustomStringConvertible {
    case unexpected(String, SandboxHarness.Reply)
    case missing(String)

    var description: String {
        switch self {
        case .unexpected(let step, let reply): return "Unexpected answer to \(step): \(reply)"
        case .missing(let what): return "Missing \(what) in the answer"
        }
    }
}
