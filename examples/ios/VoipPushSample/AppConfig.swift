import Foundation

/// Build-time settings of the sample.
enum AppConfig {
    /// Base URL of the registration API: the HTTP API's URL in AWS, or `apiUrl` from the local
    /// stack's `READY` line. Set `VoipPushAPIBaseURL` in Info.plist (per build configuration).
    static let apiBaseURL: URL = {
        guard let text = Bundle.main.object(forInfoDictionaryKey: "VoipPushAPIBaseURL") as? String,
              let url = URL(string: text)
        else { preconditionFailure("Set VoipPushAPIBaseURL in Info.plist") }
        return url
    }()

    /// The APNs environment that issued this build's tokens. A Debug build is signed for development
    /// (`aps-environment` = development) and gets sandbox tokens; Release builds go out through
    /// TestFlight or the App Store (`aps-environment` = production) and get production tokens.
    /// A token sent to the other environment answers 400 BadDeviceToken, so this must match signing.
    static let apnsEnvironment: String = {
        #if DEBUG
        return "sandbox"
        #else
        return "production"
        #endif
    }()

    /// The ring window when the push does not say: the call event's default `ringTimeoutSeconds`.
    static let defaultRingTimeout: TimeInterval = 30
}
