package com.example.voip

import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.net.Uri
import android.telecom.DisconnectCause
import android.util.Log
import androidx.core.telecom.CallAttributesCompat
import androidx.core.telecom.CallControlResult
import androidx.core.telecom.CallControlScope
import androidx.core.telecom.CallException
import androidx.core.telecom.CallsManager
import java.util.concurrent.ConcurrentHashMap
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeoutOrNull

/**
 * Rings through Jetpack core-telecom: a self-managed call that Telecom knows about (watches, cars and
 * other calling apps see it, and the app keeps foreground priority while it lasts; below Android 14 the
 * library runs its own ConnectionService), shown by a CallStyle notification with a full-screen intent.
 * A call rings until it is answered or declined, a `missed_call` dismisses it, or its ring window ends.
 */
object IncomingCalls {
    private const val TAG = "voip-push"

    private enum class Action { ANSWER, ANSWERED_ELSEWHERE, DECLINE, HANG_UP, DISMISS }

    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private val actions = ConcurrentHashMap<String, Channel<Action>>()
    private val onScreenIds = MutableStateFlow<Set<String>>(emptySet())
    private var callsManager: CallsManager? = null

    /** The callIds of the calls Telecom has now (ringing or answered); the call screen closes when its id leaves. */
    val onScreen: StateFlow<Set<String>> = onScreenIds.asStateFlow()

    /** Rings [call]. [onShown] runs once Telecom has the call and its notification is posted. */
    fun show(context: Context, call: IncomingCallPush, onShown: () -> Unit) {
        val app = context.applicationContext
        val inbox = Channel<Action>(Channel.UNLIMITED)
        if (actions.putIfAbsent(call.callId, inbox) != null) return // this process already shows it
        onScreenIds.update { it + call.callId }
        scope.launch {
            try {
                callsManager(app).addCall(
                    attributes(call),
                    // Answered on another surface: a watch, a car, ...
                    onAnswer = { inbox.trySend(Action.ANSWERED_ELSEWHERE) },
                    onDisconnect = { }, // ended by Telecom or another surface: addCall returns
                    onSetActive = { },
                    onSetInactive = { }
                ) {
                    if (CallNotifications.incoming(app, call)) onShown()
                    launch { ring(app, call, inbox) }
                }
            } catch (e: CallException) {
                // For example ERROR_CALL_NOT_PERMITTED_AT_PRESENT_TIME (an emergency call is going on).
                Log.w(TAG, "Telecom did not take call ${call.callId}: code ${e.code}")
            } finally {
                actions.remove(call.callId)
                onScreenIds.update { it - call.callId }
                CallNotifications.cancel(app, call.callId)
            }
        }
    }

    fun answer(callId: String) = send(callId, Action.ANSWER)
    fun decline(callId: String) = send(callId, Action.DECLINE)
    fun hangUp(callId: String) = send(callId, Action.HANG_UP)

    /** A `missed_call` for [callId]: stops it if it still rings (an answered call goes on). */
    fun dismiss(callId: String) = send(callId, Action.DISMISS)

    private fun send(callId: String, action: Action) {
        actions[callId]?.trySend(action)
    }

    /** Inside Telecom's call scope: every way out disconnects, which ends the scope and `addCall`. */
    private suspend fun CallControlScope.ring(
        app: Context,
        call: IncomingCallPush,
        inbox: Channel<Action>
    ) {
        val ringMs = (call.ringsUntilMs - System.currentTimeMillis()).coerceAtLeast(0)
        when (withTimeoutOrNull(ringMs) { inbox.receive() }) {
            Action.ANSWER -> if (answer(callType(call)) !is CallControlResult.Success) {
                disconnect(DisconnectCause(DisconnectCause.ERROR))
                return
            }

            Action.ANSWERED_ELSEWHERE -> Unit

            Action.DECLINE, Action.HANG_UP -> {
                disconnect(DisconnectCause(DisconnectCause.REJECTED))
                return
            }

            // Dismissed by a missed_call, or the ring window ended (null).
            Action.DISMISS, null -> {
                disconnect(DisconnectCause(DisconnectCause.MISSED))
                return
            }
        }
        // Answered. Connect the call's media here (your calling SDK) and tell your signalling.
        CallNotifications.ongoing(app, call)
        while (true) {
            val next = inbox.receive()
            if (next == Action.HANG_UP || next == Action.DECLINE) break
        }
        disconnect(DisconnectCause(DisconnectCause.LOCAL))
    }

    private fun attributes(call: IncomingCallPush): CallAttributesCompat {
        val handle = call.handle
        val address = if (handle != null && handle.startsWith("+")) {
            Uri.fromParts("tel", handle, null) // +E.164: shown as a phone number
        } else {
            Uri.fromParts("sip", handle ?: call.callerId, null)
        }
        return CallAttributesCompat(
            displayName = call.callerName,
            address = address,
            direction = CallAttributesCompat.DIRECTION_INCOMING,
            callType = callType(call)
        )
    }

    private fun callType(call: IncomingCallPush) = if (call.video) {
        CallAttributesCompat.CALL_TYPE_VIDEO_CALL
    } else {
        CallAttributesCompat.CALL_TYPE_AUDIO_CALL
    }

    @Synchronized
    private fun callsManager(context: Context): CallsManager =
        callsManager ?: CallsManager(context).also {
            it.registerAppWithTelecom(
                CallsManager.CAPABILITY_BASELINE or CallsManager.CAPABILITY_SUPPORTS_VIDEO_CALLING
            )
            callsManager = it
        }
}

/** The notification's Decline and Hang up buttons (Answer opens [IncomingCallActivity]). */
class CallActionReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        val callId = intent.getStringExtra(CallNotifications.EXTRA_CALL_ID) ?: return
        when (intent.action) {
            CallNotifications.ACTION_DECLINE -> IncomingCalls.decline(callId)
            CallNotifications.ACTION_HANG_UP -> IncomingCalls.hangUp(callId)
        }
    }
}
