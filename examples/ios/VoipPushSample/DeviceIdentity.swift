import Foundation
import Security

/// A stable id for this installation (the `{deviceId}` of `PUT /v1/devices/{deviceId}`), kept in
/// the keychain so that it survives app updates and the server keeps one device record per phone.
enum DeviceIdentity {
    private static let service = "voip-push"
    private static let account = "device-id"

    /// The device id, made on first use. `nil` only while the keychain is unreadable (a phone that
    /// has not been unlocked since it booted): callers skip their request and try again later.
    static func current() -> String? {
        switch read() {
        case .found(let id):
            return id
        case .unavailable:
            return nil
        case .missing:
            // Lower-case UUID: within the API's [A-Za-z0-9._:-]{1,128}.
            let fresh = UUID().uuidString.lowercased()
            switch store(fresh) {
            case errSecSuccess: return fresh
            case errSecDuplicateItem: if case .found(let id) = read() { return id } else { return nil }
            default: return nil
            }
        }
    }

    private enum Lookup { case found(String), missing, unavailable }

    private static func read() -> Lookup {
        let query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecReturnData as String: true,
            kSecMatchLimit as String: kSecMatchLimitOne,
        ]
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        if status == errSecItemNotFound { return .missing }
        guard status == errSecSuccess, let data = item as? Data, let id = String(data: data, encoding: .utf8)
        else { return .unavailable }
        return .found(id)
    }

    private static func store(_ id: String) -> OSStatus {
        let item: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecValueData as String: Data(id.utf8),
            // A VoIP push may wake the app while the phone is locked: readable after first unlock.
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        return SecItemAdd(item as CFDictionary, nil)
    }
}

extension Data {
    /// APNs and PushKit tokens as the API wants them: lower-case hex, two characters a byte. Their
    /// length varies: never assume 32 bytes.
    var lowercaseHex: String { map { String(format: "%02x", $0) }.joined() }
}
