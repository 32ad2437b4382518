import Foundation

/// The app's own sign-in: a JWT whose `sub` is the user id call-control puts in `recipients`.
protocol AuthTokenProvider: Sendable {
    func bearerToken() async throws -> String
}

/// Body of `PUT /v1/devices/{deviceId}` (docs/integration.md). Optionals left nil are omitted.
struct RegisterDeviceBody: Encodable, Sendable {
    let bundleId: String
    let environment: String
    let voipToken: String
    let alertToken: String?
    let appVersion: String?
    let locale: String?
}

enum ReceiptStage: String, Encodable, Sendable {
    /// The VoIP push reached the app.
    case received
    /// CallKit accepted the incoming-call report: the phone is ringing.
    case reported
}

/// Body of `POST /v1/calls/{callId}/receipts`.
struct ReceiptBody: Encodable, Sendable {
    let deviceId: String
    let apnsId: String?
    let stage: ReceiptStage
}

/// An answer other than the one expected; `code` is the API's `error.code` (`invalid_request`, ...).
struct APIError: Error, Sendable {
    let status: Int
    let code: String?
    let message: String?
}

/// The registration API of voip-push: every call carries `Authorization: Bearer <JWT>`.
final class RegistrationClient: Sendable {
    private let baseURL: URL
    private let auth: any AuthTokenProvider
    private let session: URLSession

    init(baseURL: URL, auth: any AuthTokenProvider, session: URLSession = .shared) {
        self.baseURL = baseURL
        self.auth = auth
        self.session = session
    }

    /// Creates or refreshes this device; answers 200 with the stored device.
    func registerDevice(deviceId: String, _ body: RegisterDeviceBody) async throws {
        try await send("PUT", ["v1", "devices", deviceId], body: JSONEncoder().encode(body), expecting: 200)
    }

    /// Stops pushes to this device; 204 also when it was already gone.
    func deleteDevice(deviceId: String) async throws {
        try await send("DELETE", ["v1", "devices", deviceId], body: nil, expecting: 204)
    }

    /// Tells the server how far a call's push got on this phone; idempotent.
    func postReceipt(callId: String, _ body: ReceiptBody) async throws {
        try await send("POST", ["v1", "calls", callId, "receipts"], body: JSONEncoder().encode(body), expecting: 200)
    }

    private func send(_ method: String, _ path: [String], body: Data?, expecting status: Int) async throws {
        var url = baseURL
        for segment in path { url.append(path: segment) } // each segment percent-encoded on its own
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 15
        let token = try await auth.bearerToken()
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await session.data(for: request)
        let code = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard code == status else {
            struct Envelope: Decodable { struct Body: Decodable { let code: String; let message: String }; let error: Body }
            let envelope = try? JSONDecoder().decode(Envelope.self, from: data)
            throw APIError(status: code, code: envelope?.error.code, message: envelope?.error.message)
        }
    }
}
