package com.example.voip

import com.google.firebase.messaging.RemoteMessage
import java.time.OffsetDateTime
import org.json.JSONObject

/**
 * An `incoming_call` FCM data message. Its data has the iOS payload's top-level fields as strings:
 * `type`, `callId`, `caller` (JSON: `id`, `displayName`?, `handle`?), `media`, `createdAt`, `data` (JSON)?.
 */
class IncomingCallPush(
    val callId: String,
    val callerId: String,
    val callerName: String,
    val handle: String?,
    val video: Boolean,
    /** End of the ring window on the phone's clock, ms since the epoch. */
    val ringsUntilMs: Long
) {
    fun isOver(nowMs: Long = System.currentTimeMillis()): Boolean = nowMs >= ringsUntilMs

    companion object {
        /** The call event's default `ringTimeoutSeconds`: used only when the message has no TTL. */
        private const val DEFAULT_RING_SECONDS = 30L

        /** Null when the message is not a usable incoming call (another type, no callId, no ring window). */
        fun from(message: RemoteMessage): IncomingCallPush? {
            val data = message.data
            if (data["type"] != "incoming_call") return null
            val callId = data["callId"]?.takeIf { it.isNotEmpty() } ?: return null
            val caller = data["caller"]?.let { runCatching { JSONObject(it) }.getOrNull() }
            val handle = caller?.optString("handle")?.takeIf { it.isNotEmpty() }
            val ringsUntilMs = ringWindowEnd(message, data["createdAt"]) ?: return null
            return IncomingCallPush(
                callId = callId,
                callerId = caller?.optString("id").orEmpty(),
                callerName =
                    caller?.optString("displayName")?.takeIf { it.isNotEmpty() } ?: handle
                        ?: "Unknown caller",
                handle = handle,
                video = data["media"] == "video",
                ringsUntilMs = ringsUntilMs
            )
        }

        /**
         * The payload has `createdAt` but not `ringTimeoutSeconds`. The server sets the message's TTL to what
         * was left of the ring window when it sent it, and FCM says when it took the message (`sentTime`):
         * `sentTime + ttl` is the end of the ring window, within a second. Without a TTL: `createdAt` + 30 s.
         */
        private fun ringWindowEnd(message: RemoteMessage, createdAt: String?): Long? {
            if (message.ttl > 0 &&
                message.sentTime > 0
            ) {
                return message.sentTime + message.ttl * 1000L
            }
            val created =
                createdAt?.let { runCatching { OffsetDateTime.parse(it) }.getOrNull() }
                    ?: return null
            return created.toInstant().toEpochMilli() + DEFAULT_RING_SECONDS * 1000L
        }
    }
}
