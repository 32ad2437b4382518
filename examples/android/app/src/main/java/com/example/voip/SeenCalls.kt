package com.example.voip

import android.content.Context

/**
 * The callIds this phone has already rung, kept in SharedPreferences for [KEEP_MS]: a second message for a
 * call (the server retries a push whose fate it could not know, an event can be delivered twice) must not
 * ring again, also when the process was killed in between or the user already declined the call.
 */
object SeenCalls {
    private const val PREFS = "voip-push-seen-calls"
    private const val KEEP_MS = 10 * 60 * 1000L // longer than any ring window (at most 120 s)

    /** Records [callId] as rung; true the first time, false when this phone has already rung it. */
    @Synchronized
    fun firstTime(
        context: Context,
        callId: String,
        nowMs: Long = System.currentTimeMillis()
    ): Boolean {
        val prefs = context.getSharedPreferences(PREFS, Context.MODE_PRIVATE)
        val seenAt = prefs.all[callId] as? Long
        val editor = prefs.edit()
        for ((key, value) in prefs.all) {
            if (value !is Long || nowMs - value > KEEP_MS) editor.remove(key)
        }
        val first = seenAt == null || nowMs - seenAt > KEEP_MS
        if (first) editor.putLong(callId, nowMs)
        editor.commit() // on disk before the phone rings
        return first
    }
}
