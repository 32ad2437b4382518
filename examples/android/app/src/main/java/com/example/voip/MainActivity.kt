package com.example.voip

import android.Manifest
import android.app.NotificationManager
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import android.os.Build
import android.os.Bundle
import android.provider.Settings
import android.widget.Button
import android.widget.LinearLayout
import android.widget.TextView
import androidx.activity.ComponentActivity
import androidx.activity.result.contract.ActivityResultContracts
import com.google.firebase.messaging.FirebaseMessaging

/** Asks for what a calling app needs, and registers this device at every launch. */
class MainActivity : ComponentActivity() {
    private val askNotifications =
        registerForActivityResult(ActivityResultContracts.RequestPermission()) { }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        CallNotifications.createChannels(this)
        val layout = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }
        layout.addView(
            TextView(this).apply {
                text =
                    "voip-push sample\ndevice ${Backend.deviceId(this@MainActivity)}"
            }
        )

        // Android 13+: without this runtime permission no call can be shown.
        if (Build.VERSION.SDK_INT >= 33 &&
            checkSelfPermission(Manifest.permission.POST_NOTIFICATIONS) !=
            PackageManager.PERMISSION_GRANTED
        ) {
            askNotifications.launch(Manifest.permission.POST_NOTIFICATIONS)
        }
        // Android 14+: full-screen intents are for calling and alarm apps, and the user can turn them off.
        // Without them a call shows as a heads-up notification only, not over the lock screen.
        if (Build.VERSION.SDK_INT >= 34 &&
            !getSystemService(NotificationManager::class.java).canUseFullScreenIntent()
        ) {
            layout.addView(
                Button(this).apply {
                    text = "Allow full-screen calls"
                    setOnClickListener {
                        startActivity(
                            Intent(
                                Settings.ACTION_MANAGE_APP_USE_FULL_SCREEN_INTENT,
                                Uri.fromParts("package", packageName, null)
                            )
                        )
                    }
                }
            )
        }
        setContentView(layout)

        // FCM hands out the current token; registering at every launch also refreshes the server's
        // record before it expires (180 days unused). onNewToken covers rotations.
        FirebaseMessaging.getInstance().token.addOnSuccessListener { token ->
            Backend.register(applicationContext, token)
        }
    }
}
