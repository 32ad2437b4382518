package com.example.voip

import android.annotation.SuppressLint
import android.app.Notification
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.media.AudioAttributes
import android.media.RingtoneManager
import android.util.Log
import androidx.core.app.NotificationChannelCompat
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import androidx.core.app.Person

/** The call's notifications: CallStyle with a full-screen intent while it rings, then while it is answered. */
object CallNotifications {
    const val EXTRA_CALL_ID = "callId"
    const val EXTRA_CALLER = "caller"
    const val ACTION_ANSWER = "com.example.voip.ANSWER"
    const val ACTION_DECLINE = "com.example.voip.DECLINE"
    const val ACTION_HANG_UP = "com.example.voip.HANG_UP"

    private const val TAG = "voip-push"
    private const val CHANNEL_INCOMING = "incoming_calls"
    private const val CHANNEL_ONGOING = "ongoing_calls"

    // Also FCM's default channel (manifest meta-data).
    private const val CHANNEL_MISSED = "missed_calls"
    private const val ID_CALL = 1
    private const val ID_MISSED = 2

    /** Idempotent; call it before anything is posted (FCM posts missed calls in the background on its own). */
    fun createChannels(context: Context) {
        val ringtone = RingtoneManager.getDefaultUri(RingtoneManager.TYPE_RINGTONE)
        val ringing = AudioAttributes.Builder()
            .setUsage(AudioAttributes.USAGE_NOTIFICATION_RINGTONE)
            .setContentType(AudioAttributes.CONTENT_TYPE_SONIFICATION)
            .build()
        NotificationManagerCompat.from(context).createNotificationChannelsCompat(
            listOf(
                // High importance: heads-up, and the full-screen intent when the screen is off or locked.
                NotificationChannelCompat.Builder(
                    CHANNEL_INCOMING,
                    NotificationManagerCompat.IMPORTANCE_HIGH
                )
                    .setName(
                        "Incoming calls"
                    ).setSound(ringtone, ringing).setVibrationEnabled(true).build(),
                NotificationChannelCompat.Builder(
                    CHANNEL_ONGOING,
                    NotificationManagerCompat.IMPORTANCE_DEFAULT
                )
                    .setName("Ongoing calls").setSound(null, null).build(),
                NotificationChannelCompat.Builder(
                    CHANNEL_MISSED,
                    NotificationManagerCompat.IMPORTANCE_DEFAULT
                )
                    .setName("Missed calls").build()
            )
        )
    }

    /** The ringing call; false when it could not be shown (notifications are off). */
    fun incoming(context: Context, call: IncomingCallPush): Boolean {
        val screen = screenIntent(context, call, action = null)
        val style = NotificationCompat.CallStyle.forIncomingCall(
            caller(call),
            broadcast(context, call.callId, ACTION_DECLINE),
            screenIntent(context, call, ACTION_ANSWER)
        )
        val notification = NotificationCompat.Builder(context, CHANNEL_INCOMING)
            .setSmallIcon(android.R.drawable.sym_call_incoming)
            .setStyle(style)
            .setCategory(NotificationCompat.CATEGORY_CALL)
            .setContentIntent(screen)
            // Android 14+: only if the app may use full-screen intents, else a heads-up notification.
            .setFullScreenIntent(screen, true)
            .setOngoing(true)
            .build()
        // The ringtone repeats until the notification goes.
        notification.flags = notification.flags or Notification.FLAG_INSISTENT
        return post(context, call.callId, ID_CALL, notification)
    }

    /** The answered call, with its Hang up button (replaces the ringing notification). */
    fun ongoing(context: Context, call: IncomingCallPush) {
        val screen = screenIntent(context, call, action = null)
        val notification = NotificationCompat.Builder(context, CHANNEL_ONGOING)
            .setSmallIcon(android.R.drawable.sym_action_call)
            .setStyle(
                NotificationCompat.CallStyle.forOngoingCall(
                    caller(call),
                    broadcast(context, call.callId, ACTION_HANG_UP)
                )
            )
            .setCategory(NotificationCompat.CATEGORY_CALL)
            .setContentIntent(screen)
            .setFullScreenIntent(screen, false)
            .setOngoing(true)
            .build()
        post(context, call.callId, ID_CALL, notification)
    }

    fun cancel(context: Context, callId: String) {
        NotificationManagerCompat.from(context).cancel(callId, ID_CALL)
    }

    /** A missed_call that arrived in the foreground (in the background, Android shows FCM's notification). */
    fun missed(context: Context, callId: String, title: String?, body: String?) {
        val notification = NotificationCompat.Builder(context, CHANNEL_MISSED)
            .setSmallIcon(android.R.drawable.sym_call_missed)
            .setContentTitle(title ?: "Missed call")
            .setContentText(body)
            .setCategory(NotificationCompat.CATEGORY_MISSED_CALL)
            .setAutoCancel(true)
            .build()
        post(context, callId, ID_MISSED, notification)
    }

    private fun caller(call: IncomingCallPush): Person =
        Person.Builder().setName(call.callerName).setImportant(true).build()

    private fun screenIntent(
        context: Context,
        call: IncomingCallPush,
        action: String?
    ): PendingIntent {
        val intent = Intent(context, IncomingCallActivity::class.java)
            .setAction(action)
            .putExtra(EXTRA_CALL_ID, call.callId)
            .putExtra(EXTRA_CALLER, call.callerName)
        return PendingIntent.getActivity(
            context,
            "${call.callId}/$action".hashCode(),
            intent,
            PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE
        )
    }

    private fun broadcast(context: Context, callId: String, action: String): PendingIntent {
        val intent = Intent(
            context,
            CallActionReceiver::class.java
        ).setAction(action).putExtra(EXTRA_CALL_ID, callId)
        return PendingIntent.getBroadcast(
            context,
            "$callId/$action".hashCode(),
            intent,
            PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE
        )
    }

    @SuppressLint("MissingPermission") // POST_NOTIFICATIONS is checked by areNotificationsEnabled()
    private fun post(
        context: Context,
        callId: String,
        id: Int,
        notification: Notification
    ): Boolean {
        val manager = NotificationManagerCompat.from(context)
        if (!manager.areNotificationsEnabled()) {
            Log.w(TAG, "notifications are off: call $callId cannot be shown")
            return false
        }
        createChannels(context)
        manager.notify(callId, id, notification)
        return true
    }
}
