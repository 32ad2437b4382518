import Foundation
import os

/// Keeps the server's device record in step with the two tokens the app has:
/// the PushKit VoIP token (incoming calls) and the standard APNs token (missed-call alerts).
/// Requests run one after another, so an older registration never lands after a newer one.
@MainActor
final class DeviceRegistrar {
    private let client: RegistrationClient
    private let log = Logger(subsystem: "voip-push.sample", category: "registration")
    private var voipToken: String?
    private var alertToken: String?
    private var last: Task<Void, Never>?

    init(client: RegistrationClient) {
        self.client = client
    }

    /// From `pushRegistry(_:didUpdate:for:)`. PushKit hands the token over at every launch, which
    /// also refreshes the record before the server's 180-day expiry.
    func voipTokenChanged(_ token: String) {
        voipToken = token
        register()
    }

    /// From `application(_:didRegisterForRemoteNotificationsWithDeviceToken:)`.
    func alertTokenChanged(_ token: String) {
        guard token != alertToken else { return }
        alertToken = token
        register()
    }

    /// From `pushRegistry(_:didInvalidatePushTokenFor:)`: the server must stop using the VoIP token.
    func voipTokenInvalidated() {
        voipToken = nil
        guard let deviceId = DeviceIdentity.current() else { return }
        enqueue { client, log in
            do {
                try await client.deleteDevice(deviceId: deviceId)
            } catch {
                log.error("device delete failed: \(String(describing: error), privacy: .public)")
            }
        }
    }

    private func register() {
        // voipToken is required by the API: wait for PushKit; the alert token follows when it comes.
        guard let voipToken, let deviceId = DeviceIdentity.current(), let bundleId = Bundle.main.bundleIdentifier
        else { return }
        let body = RegisterDeviceBody(
            bundleId: bundleId,
            environment: AppConfig.apnsEnvironment,
            voipToken: voipToken,
            alertToken: alertToken,
            appVersion: Bundle.main.object(forInfoDictionaryKey: "CFBundleShortVersionString") as? String,
            locale: Locale.current.identifier(.bcp47)
        )
        enqueue { client, log in
            do {
                try await client.registerDevice(deviceId: deviceId, body)
            } catch {
                // Not retried here: the next launch (or token change) registers again.
                log.error("device registration failed: \(String(describing: error), privacy: .public)")
            }
        }
    }

    private func enqueue(_ work: @escaping @Sendable (RegistrationClient, Logger) async -> Void) {
        let previous = last
        let client = client
        let log = log
        last = Task {
            await previous?.value
            await work(client, log)
        }
    }
}
