import Foundation
import PushKit

/// PushKit's delegate: hands the VoIP token to the registrar and turns each VoIP push into a
/// CallKit incoming call, FIRST, before anything else (a network request must never delay it).
@MainActor
final class VoipPushHandler: NSObject {
    private let registry: PKPushRegistry
    private let registrar: DeviceRegistrar
    private let calls: CallManager
    private let receipts: RegistrationClient

    init(registrar: DeviceRegistrar, calls: CallManager, receipts: RegistrationClient) {
        // The main queue: the delegate methods below then run on the main actor.
        registry = PKPushRegistry(queue: .main)
        self.registrar = registrar
        self.calls = calls
        self.receipts = receipts
        super.init()
    }

    /// Call at every launch, early (in `didFinishLaunching`): a VoIP push may be what launched the app,
    /// and PushKit delivers it only once a delegate is set.
    func start() {
        registry.delegate = self
        registry.desiredPushTypes = [.voIP]
    }

    /// Posts a receipt in the background: detached from the main actor and best effort. A 404 may
    /// mean the server has not written the push's result yet (it writes them in batches once the
    /// pushes are answered): retried, 50 ms doubling to 1 s, for up to 10 s.
    private func sendReceipt(_ stage: ReceiptStage, for call: IncomingCall) {
        guard let callId = call.callId, let deviceId = DeviceIdentity.current() else { return }
        let body = ReceiptBody(deviceId: deviceId, apnsId: call.apnsId, stage: stage)
        let client = receipts
        Task.detached(priority: .utility) {
            let giveUpAt = Date().addingTimeInterval(10)
            var delay: TimeInterval = 0.05
            while true {
                do {
                    try await client.postReceipt(callId: callId, body)
                    return
                } catch let error as APIError where error.status == 404 && Date().addingTimeInterval(delay) < giveUpAt {
                    try? await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
                    delay = min(1, delay * 2)
                } catch {
                    return
                }
            }
        }
    }
}

extension VoipPushHandler: PKPushRegistryDelegate {
    nonisolated func pushRegistry(_ registry: PKPushRegistry, didUpdate pushCredentials: PKPushCredentials, for type: PKPushType) {
        guard type == .voIP else { return }
        let token = pushCredentials.token.lowercaseHex
        MainActor.assumeIsolated { registrar.voipTokenChanged(token) }
    }

    nonisolated func pushRegistry(_ registry: PKPushRegistry, didInvalidatePushTokenFor type: PKPushType) {
        guard type == .voIP else { return }
        MainActor.assumeIsolated { registrar.voipTokenInvalidated() }
    }

    nonisolated func pushRegistry(
        _ registry: PKPushRegistry,
        didReceiveIncomingPushWith payload: PKPushPayload,
        for type: PKPushType,
        completion: @escaping () -> Void
    ) {
        let call = IncomingCall(payload: payload.dictionaryPayload)
        MainActor.assumeIsolated {
            // A callId this phone already rang: a retried or duplicated push. Local and synchronous.
            let repeated = call.callId.map { !SeenCalls.firstTime($0) } ?? false
            // 1. CallKit, at once. Every VoIP push must be reported, even a repeat or one for a call that
            //    is over: CallManager ends such a call as soon as CallKit has accepted it.
            calls.reportIncomingCall(call, repeated: repeated) { [weak self] in
                // 3. CallKit accepted a call that rings (not one ended at once).
                self?.sendReceipt(.reported, for: call)
            }
            // 2. Only now the network, in the background.
            sendReceipt(.received, for: call)
        }
        // The call has been reported; PushKit may now let the app be suspended (CallKit keeps it alive).
        completion()
    }
}
