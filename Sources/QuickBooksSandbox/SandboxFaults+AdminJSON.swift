/// The JSON form of ``SandboxFaults`` used by the admin API (durations in milliseconds):
///
///     {"latency": {"mode": "fixed", "ms": 200}            // or {"mode": "uniform", "minMs": 10, "maxMs": 50}, {"mode": "none"}
///      "serverErrorRate": 0.05, "timeoutRate": 0.01, "timeoutHoldMs": 60000, "timeoutAfterWrite": true,
///      "outage": {"startsInMs": 0, "durationMs": 5000},   // or null
///      "forced429Count": 3, "throttleBodyFormat": "xml"}
///
/// A PUT sends any subset of the fields; the others keep their values.
extension SandboxFaults: AdminJSONSettings {
    var adminJSON: JSONValue {
        let latencyJSON: JSONValue
        switch latency {
        case .none: latencyJSON = .object(["mode": .string("none")])
        case .fixed(let delay):
            latencyJSON = .object(["mode": .string("fixed"), "ms": .number(Self.milliseconds(delay))])
        case .uniform(let low, let high):
            latencyJSON = .object([
                "mode": .string("uniform"), "minMs": .number(Self.milliseconds(low)),
                "maxMs": .number(Self.milliseconds(high)),
            ])
        }
        return .object([
            "latency": latencyJSON,
            "serverErrorRate": .number(serverErrorRate),
            "timeoutRate": .number(timeoutRate),
            "timeoutHoldMs": .number(Self.milliseconds(timeoutHold)),
            "timeoutAfterWrite": .bool(timeoutAfterWrite),
            "outage": outage.map {
                .object([
                    "startsInMs": .number(Self.milliseconds($0.startsAfter)),
                    "durationMs": .number(Self.milliseconds($0.duration)),
                ])
            } ?? .null,
            "forced429Count": .number(Double(forced429Count)),
            "throttleBodyFormat": .string(throttleBodyFormat.rawValue),
        ])
    }

    func merging(adminJSON input: JSONValue) throws(AdminInputError) -> SandboxFaults {
        guard let fields = input.objectValue else { throw AdminInputError(reason: "the body must be a JSON object") }
        var faults = self
        for (key, value) in fields {
            switch key {
            case "latency":
                faults.latency = try Self.latency(value)
            case "serverErrorRate":
                faults.serverErrorRate = try Self.number(value, key)
            case "timeoutRate":
                faults.timeoutRate = try Self.number(value, key)
            case "timeoutHoldMs":
                faults.timeoutHold = .milliseconds(try Self.number(value, key))
            case "timeoutAfterWrite":
                guard let flag = value.boolValue else {
                    throw AdminInputError(reason: "timeoutAfterWrite must be true or false")
                }
                faults.timeoutAfterWrite = flag
            case "outage":
                if value.isNull {
                    faults.outage = nil
                } else {
                    let startsIn =
                        try value["startsInMs"].map { v throws(AdminInputError) in try Self.number(v, "startsInMs") }
                        ?? 0
                    guard let duration = value["durationMs"] else {
                        throw AdminInputError(reason: "outage needs durationMs")
                    }
                    faults.outage = Outage(
                        startsAfter: .milliseconds(startsIn),
                        duration: .milliseconds(try Self.number(duration, "durationMs")))
                }
            case "forced429Count":
                faults.forced429Count = Int(try Self.number(value, key))
            case "throttleBodyFormat":
                guard let format = value.stringValue.flatMap(ThrottleBodyFormat.init(rawValue:)) else {
                    throw AdminInputError(reason: "throttleBodyFormat must be \"json\" or \"xml\"")
                }
                faults.throttleBodyFormat = format
            default:
                throw AdminInputError(reason: "unknown field \(key)")
            }
        }
        do {
            try faults.validate()
        } catch {
            throw AdminInputError(reason: error.description)
        }
        return faults
    }

    private static func latency(_ value: JSONValue) throws(AdminInputError) -> Latency {
        switch value["mode"]?.stringValue {
        case "none", nil: return .none
        case "fixed":
            guard let ms = value["ms"] else { throw AdminInputError(reason: "fixed latency needs ms") }
            return .fixed(.milliseconds(try number(ms, "ms")))
        case "uniform":
            guard let low = value["minMs"], let high = value["maxMs"] else {
                throw AdminInputError(reason: "uniform latency needs minMs and maxMs")
            }
            return .uniform(min: .milliseconds(try number(low, "minMs")), max: .milliseconds(try number(high, "maxMs")))
        case let mode?:
            throw AdminInputError(reason: "latency mode must be none, fixed or uniform; got \(mode)")
        }
    }
}
