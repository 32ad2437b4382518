package com.example.voip

import android.content.Intent
import android.os.Bundle
import android.view.Gravity
import android.widget.Button
import android.widget.LinearLayout
import android.widget.TextView
import androidx.activity.ComponentActivity
import androidx.lifecycle.lifecycleScope
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch

/**
 * The call screen: the notification's full-screen intent (over the lock screen, see the manifest), its
 * tap target and its Answer button. It closes when the call leaves Telecom, however it ended.
 */
class IncomingCallActivity : ComponentActivity() {
    private lateinit var callId: String
    private lateinit var status: TextView
    private lateinit var answerButton: Button
    private lateinit var end: Button
    private var answered = false

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        callId = intent.getStringExtra(CallNotifications.EXTRA_CALL_ID) ?: return finish()
        status = TextView(this).apply {
            textSize = 28f
            gravity = Gravity.CENTER
        }
        status.text = intent.getStringExtra(CallNotifications.EXTRA_CALLER).orEmpty()
        answerButton = Button(this).apply { text = "Answer" }
        end = Button(this).apply { text = "Decline" }
        answerButton.setOnClickListener { answerCall() }
        end.setOnClickListener {
            if (answered) IncomingCalls.hangUp(callId) else IncomingCalls.decline(callId)
        }
        setContentView(
            LinearLayout(this).apply {
                orientation = LinearLayout.VERTICAL
                gravity = Gravity.CENTER
                addView(status)
                addView(answerButton)
                addView(end)
            }
        )
        if (intent.action == CallNotifications.ACTION_ANSWER) answerCall()
        lifecycleScope.launch {
            IncomingCalls.onScreen.first { callId !in it }
            finish()
        }
    }

    /** The notification's Answer button while this screen is already up (singleTop). */
    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        if (intent.action == CallNotifications.ACTION_ANSWER &&
            intent.getStringExtra(CallNotifications.EXTRA_CALL_ID) == callId
        ) {
            answerCall()
        }
    }

    private fun answerCall() {
        if (answered) return
        answered = true
        IncomingCalls.answer(callId)
        answerButton.isEnabled = false
        status.append("\nconnected")
        end.text = "Hang up"
    }
}
