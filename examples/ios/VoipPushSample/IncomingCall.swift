import CryptoKit
import Foundation

/// What a voip-push VoIP payload says about a call. The payload's top level carries `type`,
/// `callId`, `caller` { id, displayName?, handle? }, `media`, `createdAt` and `data`.
struct IncomingCall: Sendable {
    let callId: String?
    /// CallKit's id for the call: derived from `callId`, so a repeated push for the same call maps
    /// to the same CallKit call (CallKit answers `callUUIDAlreadyExists`) instead of ringing twice.
    let uuid: UUID
    let callerName: String
    let handle: String?
    let hasVideo: Bool
    let createdAt: Date?
    let ringTimeout: TimeInterval
    /// Sent back in receipts if the payload has it. voip-push's payload does not carry it today (the
    /// `apns-id` header never reaches the app), so receipts go without it.
    let apnsId: String?

    /// When the caller stops ringing; nil when the payload has no usable `createdAt`.
    var ringsUntil: Date? { createdAt?.addingTimeInterval(ringTimeout) }

    /// A push that is not a usable incoming call (no `callId`, wrong `type`, over already) must
    /// still be reported to CallKit, and is then ended at once.
    func isOver(at now: Date = Date()) -> Bool {
        guard callId != nil, let ringsUntil else { return true }
        return ringsUntil <= now
    }

    init(payload: [AnyHashable: Any]) {
        let type = payload["type"] as? String
        let callId = (type == "incoming_call") ? payload["callId"] as? String : nil
        let caller = payload["caller"] as? [String: Any]
        self.callId = callId
        uuid = callId.map(Self.uuid(for:)) ?? UUID()
        handle = caller?["handle"] as? String
        callerName = caller?["displayName"] as? String ?? handle ?? "Unknown caller"
        hasVideo = (payload["media"] as? String) == "video"
        createdAt = (payload["createdAt"] as? String).flatMap(Self.parseDate)
        ringTimeout = (payload["ringTimeoutSeconds"] as? NSNumber)?.doubleValue ?? AppConfig.defaultRingTimeout
        apnsId = payload["apnsId"] as? String
    }

    private static func parseDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// A name-based UUID (SHA-256 of the call id, version and variant bits set as for version 5).
    private static func uuid(for callId: String) -> UUID {
        if let uuid = UUID(uuidString: callId) { return uuid }
        var bytes = Array(SHA256.hash(data: Data("voip-push:\(callId)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return bytes.withUnsafeBytes { UUID(uuid: $0.load(as: uuid_t.self)) }
    }
}
