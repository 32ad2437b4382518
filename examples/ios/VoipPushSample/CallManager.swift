import CallKit
import Foundation

/// The app's single CallKit provider. Calls are answered and ended through the system UI; the
/// media side (your calling SDK) starts in `CXAnswerCallAction` and stops in `CXEndCallAction`.
@MainActor
final class CallManager: NSObject {
    private let provider: CXProvider
    private var ringTimers: [UUID: Task<Void, Never>] = [:]
    private var uuidsByCallId: [String: UUID] = [:]

    override init() {
        let configuration = CXProviderConfiguration()
        configuration.supportsVideo = true
        configuration.maximumCallGroups = 1
        configuration.maximumCallsPerCallGroup = 1
        configuration.supportedHandleTypes = [.phoneNumber, .generic]
        configuration.includesCallsInRecents = true
        provider = CXProvider(configuration: configuration)
        super.init()
        provider.setDelegate(self, queue: nil) // nil: delegate calls arrive on the main queue
    }

    /// Reports the call to CallKit now, synchronously (iOS ends an app that does not report every
    /// VoIP push). A call that is over, or a `repeated` one (its callId rang before), is ended as soon as
    /// CallKit has it. `ringing` runs on the main actor when CallKit has accepted a call that now rings.
    func reportIncomingCall(
        _ call: IncomingCall,
        repeated: Bool,
        ringing: @escaping @MainActor @Sendable () -> Void
    ) {
        let update = CXCallUpdate()
        update.remoteHandle = call.handle.map { CXHandle(type: $0.hasPrefix("+") ? .phoneNumber : .generic, value: $0) }
        update.localizedCallerName = call.callerName
        update.hasVideo = call.hasVideo
        update.supportsHolding = false
        update.supportsGrouping = false
        update.supportsUngrouping = false
        update.supportsDTMF = false

        provider.reportNewIncomingCall(with: call.uuid, update: update) { error in
            // Errors: callUUIDAlreadyExists (a repeated push while the call is still on screen: it keeps
            // ringing once), filteredByDoNotDisturb, filteredByBlockList. None of them rings again.
            guard error == nil else { return }
            Task { @MainActor in
                if self.didReport(call, repeated: repeated) { ringing() }
            }
        }
    }

    /// Ends a ringing call, e.g. when a missed-call alert for it arrives while the app is open.
    func endIfRinging(callId: String) {
        guard let uuid = uuidsByCallId[callId], ringTimers[uuid] != nil else { return }
        end(uuid, reason: .remoteEnded)
    }

    /// True when the call now rings; false when it was ended at once.
    private func didReport(_ call: IncomingCall, repeated: Bool) -> Bool {
        let now = Date()
        // Reported only because iOS requires every VoIP push to be, and ended at once: a push that
        // arrives after the ring window (APNs can be late even with apns-expiration 0), one that is not a
        // usable call, or a repeat of a call that already rang and has since ended (declined, answered and
        // hung up, timed out): the same CallKit UUID, so CallKit accepted it as a new call.
        guard !repeated, !call.isOver(at: now), let callId = call.callId, let ringsUntil = call.ringsUntil else {
            provider.reportCall(with: call.uuid, endedAt: now, reason: .remoteEnded)
            return false
        }
        uuidsByCallId[callId] = call.uuid
        let uuid = call.uuid
        ringTimers[uuid] = Task { [weak self] in
            try? await Task.sleep(for: .seconds(ringsUntil.timeIntervalSince(now)))
            guard !Task.isCancelled else { return }
            self?.end(uuid, reason: .unanswered)
        }
        return true
    }

    private func end(_ uuid: UUID, reason: CXCallEndedReason) {
        stopRinging(uuid)
        provider.reportCall(with: uuid, endedAt: Date(), reason: reason)
    }

    private func stopRinging(_ uuid: UUID) {
        ringTimers.removeValue(forKey: uuid)?.cancel()
        uuidsByCallId = uuidsByCallId.filter { $0.value != uuid }
    }
}

extension CallManager: CXProviderDelegate {
    nonisolated func providerDidReset(_ provider: CXProvider) {
        MainActor.assumeIsolated {
            for uuid in Array(ringTimers.keys) { stopRinging(uuid) }
            // Tear down any media here.
        }
    }

    nonisolated func provider(_ provider: CXProvider, perform action: CXAnswerCallAction) {
        let uuid = action.callUUID
        MainActor.assumeIsolated { stopRinging(uuid) }
        // Connect the call's media here (your calling SDK), then:
        action.fulfill()
    }

    nonisolated func provider(_ provider: CXProvider, perform action: CXEndCallAction) {
        let uuid = action.callUUID
        MainActor.assumeIsolated { stopRinging(uuid) }
        // Decline or hang up over your own signalling connection here, then:
        action.fulfill()
    }
}
