import Foundation

/// The callIds this phone has already rung, kept in UserDefaults for `keep`: a second VoIP push for a call
/// (the server retries a push whose fate it could not know, an event can be delivered twice) must not ring
/// again, also after the user declined it, the call ended, or iOS relaunched the app in between.
@MainActor
enum SeenCalls {
    private static let key = "voip-push.seen-calls"
    /// Longer than any ring window (at most 120 s).
    private static let keep: TimeInterval = 10 * 60

    /// Records `callId`; true the first time, false when this phone has already rung it. Synchronous and
    /// local: safe inside the PushKit handler before the CallKit report.
    static func firstTime(_ callId: String, now: Date = Date()) -> Bool {
        let defaults = UserDefaults.standard
        var seen = (defaults.dictionary(forKey: key) as? [String: Double] ?? [:])
            .filter { now.timeIntervalSince1970 - $0.value <= keep }
        let first = seen[callId] == nil
        if first { seen[callId] = now.timeIntervalSince1970 }
        defaults.set(seen, forKey: key)
        return first
    }
}
