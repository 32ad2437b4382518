import SwiftUI
import UIKit
import UserNotifications

@main
struct VoipPushSampleApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var appDelegate

    var body: some Scene {
        WindowGroup {
            VStack(spacing: 12) {
                Text("voip-push sample").font(.headline)
                Text("device \(DeviceIdentity.current() ?? "-")").font(.footnote.monospaced())
            }
        }
    }
}

@MainActor
final class AppDelegate: NSObject, UIApplicationDelegate {
    private var registrar: DeviceRegistrar?
    private var calls: CallManager?
    private var voip: VoipPushHandler?

    func application(
        _ application: UIApplication,
        didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil
    ) -> Bool {
        let client = RegistrationClient(baseURL: AppConfig.apiBaseURL, auth: SampleAuth())
        let registrar = DeviceRegistrar(client: client)
        let calls = CallManager()
        let voip = VoipPushHandler(registrar: registrar, calls: calls, receipts: client)
        self.registrar = registrar
        self.calls = calls
        self.voip = voip

        // PushKit first: a VoIP push may be the reason the app was launched.
        voip.start()

        // Missed-call notices are standard alert pushes: they need the user's permission and the
        // standard token, which goes to the server with the VoIP token.
        UNUserNotificationCenter.current().delegate = self
        Task {
            _ = try? await UNUserNotificationCenter.current().requestAuthorization(options: [.alert, .sound, .badge])
        }
        application.registerForRemoteNotifications()
        return true
    }

    func application(_ application: UIApplication, didRegisterForRemoteNotificationsWithDeviceToken deviceToken: Data) {
        registrar?.alertTokenChanged(deviceToken.lowercaseHex)
    }

    func application(_ application: UIApplication, didFailToRegisterForRemoteNotificationsWithError error: Error) {
        // Calls still ring without it (VoIP token); only missed-call alerts are lost.
        print("remote notifications unavailable: \(error)")
    }
}

extension AppDelegate: UNUserNotificationCenterDelegate {
    /// A missed-call alert while the app is open: end the call if it still rings, then show the banner.
    nonisolated func userNotificationCenter(
        _ center: UNUserNotificationCenter,
        willPresent notification: UNNotification
    ) async -> UNNotificationPresentationOptions {
        let missed = MissedCall(userInfo: notification.request.content.userInfo)
        if let callId = missed?.callId {
            await MainActor.run { self.calls?.endIfRinging(callId: callId) }
        }
        return [.banner, .list, .sound]
    }

    /// The user tapped a missed-call alert: open the call history, offer a call back, ...
    nonisolated func userNotificationCenter(
        _ center: UNUserNotificationCenter,
        didReceive response: UNNotificationResponse
    ) async {
        if let missed = MissedCall(userInfo: response.notification.request.content.userInfo) {
            print("missed call \(missed.callId) from \(missed.callerName ?? "unknown")")
        }
    }
}

/// The alert push voip-push sends for a `missed_call` event: `aps.alert` plus `type`, `callId`, `caller`.
struct MissedCall: Sendable {
    let callId: String
    let callerName: String?

    init?(userInfo: [AnyHashable: Any]) {
        guard userInfo["type"] as? String == "missed_call", let callId = userInfo["callId"] as? String else { return nil }
        self.callId = callId
        callerName = (userInfo["caller"] as? [String: Any])?["displayName"] as? String
    }
}

/// Stand-in for the app's own sign-in. Locally, paste a token from `npm run --silent dev-token -- <userId>`
/// into Info.plist (`VoipPushDevToken`); in a real app return the signed-in session's JWT (refreshed).
struct SampleAuth: AuthTokenProvider {
    struct NotSignedIn: Error {}

    func bearerToken() async throws -> String {
        guard let token = Bundle.main.object(forInfoDictionaryKey: "VoipPushDevToken") as? String, !token.isEmpty
        else { throw NotSignedIn() }
        return token
    }
}
