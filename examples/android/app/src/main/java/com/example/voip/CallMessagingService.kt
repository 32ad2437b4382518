package com.example.voip

import android.util.Log
import com.google.firebase.messaging.FirebaseMessagingService
import com.google.firebase.messaging.RemoteMessage

/**
 * FCM's entry point. `incoming_call` arrives as a high-priority data message, in the background too;
 * `missed_call` as a notification message, which reaches this code only while the app is in the
 * foreground (in the background Android shows it by itself and does not wake the app).
 */
class CallMessagingService : FirebaseMessagingService() {

    /** A new or rotated token: the server must have it, or this phone stops ringing. */
    override fun onNewToken(token: String) {
        Backend.register(applicationContext, token)
    }

    override fun onMessageReceived(message: RemoteMessage) {
        when (message.data["type"]) {
            "incoming_call" -> onIncomingCall(message)
            "missed_call" -> onMissedCall(message)
        }
    }

    private fun onIncomingCall(message: RemoteMessage) {
        val call = IncomingCallPush.from(message) ?: run {
            Log.w(TAG, "incoming_call without a usable callId or ring window: ignored")
            return
        }
        // The message reached the app, whether it rings or not (a repeated receipt is harmless). Queued on
        // a background thread: it never delays the ring.
        Backend.receipt(applicationContext, call.callId, "received")
        when {
            // FCM drops a message older than its TTL, but one can still arrive at the very end of the
            // window: a ring for a call that is over is worse than none.
            call.isOver() -> Log.i(TAG, "call ${call.callId} is over: not ringing")

            // A repeat of a call this phone already rang (still ringing, answered, declined or ended).
            !SeenCalls.firstTime(applicationContext, call.callId) ->
                Log.i(TAG, "call ${call.callId} already shown: not ringing again")

            // Rings; `reported` once the call UI is on screen.
            else -> IncomingCalls.show(applicationContext, call) {
                Backend.receipt(applicationContext, call.callId, "reported")
            }
        }
    }

    private fun onMissedCall(message: RemoteMessage) {
        val callId = message.data["callId"] ?: return
        IncomingCalls.dismiss(callId) // stops the call if it still rings
        val notification = message.notification
        CallNotifications.missed(
            applicationContext,
            callId,
            notification?.title,
            notification?.body
        )
    }

    private companion object {
        const val TAG = "voip-push"
    }
}
