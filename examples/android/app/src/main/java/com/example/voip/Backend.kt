package com.example.voip

import android.content.Context
import android.net.Uri
import android.util.Log
import java.net.HttpURLConnection
import java.net.URL
import java.util.Locale
import java.util.UUID
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import org.json.JSONObject

/** The app's own sign-in: a JWT whose `sub` is the user id call-control puts in `recipients`. */
fun interface AuthTokenProvider {
    /** The signed-in session's bearer JWT (refreshed as needed), or null when nobody is signed in. */
    fun bearerToken(): String?
}

/** Stand-in for your sign-in: a token from `npm run --silent dev-token -- <userId>`, set at build time. */
object DevTokenAuth : AuthTokenProvider {
    override fun bearerToken(): String? = BuildConfig.DEV_TOKEN.ifEmpty { null }
}

/** An answer other than the one expected; [code] is the API's `error.code` (`invalid_request`, ...). */
class ApiException(val status: Int, val code: String?, message: String?) :
    Exception("HTTP $status ${code.orEmpty()} ${message.orEmpty()}")

/** The registration API of voip-push (docs/integration.md, openapi.yaml). Blocking: not on the main thread. */
class ApiClient(private val baseUrl: String, private val auth: AuthTokenProvider) {

    /** `PUT /v1/devices/{deviceId}` for an Android device: 200 with the stored device. */
    fun registerDevice(
        deviceId: String,
        bundleId: String,
        fcmToken: String,
        appVersion: String?,
        locale: String?
    ) {
        val body = JSONObject()
            .put("platform", "android")
            .put("bundleId", bundleId)
            .put("fcmToken", fcmToken) // as FCM gave it: case-sensitive, length not assumed
            .putOpt("appVersion", appVersion)
            .putOpt("locale", locale)
        send("PUT", listOf("v1", "devices", deviceId), body, expected = 200)
    }

    /** `POST /v1/calls/{callId}/receipts`, idempotent. No `apnsId`: an FCM message has none. */
    fun postReceipt(callId: String, deviceId: String, stage: String) {
        val body = JSONObject().put("deviceId", deviceId).put("stage", stage)
        send("POST", listOf("v1", "calls", callId, "receipts"), body, expected = 200)
    }

    private fun send(method: String, path: List<String>, body: JSONObject, expected: Int) {
        val token = auth.bearerToken() ?: throw ApiException(401, "unauthorized", "not signed in")
        // Ids are [A-Za-z0-9._:-]: each segment is encoded on its own, ':' kept as the iOS sample does.
        val url = URL(baseUrl.trimEnd('/') + path.joinToString("") { "/" + Uri.encode(it, ":") })
        val connection = url.openConnection() as HttpURLConnection
        try {
            connection.requestMethod = method
            connection.connectTimeout = 10_000
            connection.readTimeout = 15_000
            connection.doOutput = true
            connection.setRequestProperty("Authorization", "Bearer $token")
            connection.setRequestProperty("Content-Type", "application/json")
            connection.outputStream.use { it.write(body.toString().toByteArray()) }
            val status = connection.responseCode
            if (status != expected) {
                // { "error": { "code", "message" } }; API Gateway's own 401/429 bodies have no "error".
                val text = connection.errorStream?.bufferedReader()?.use { it.readText() }
                val error = text?.let {
                    runCatching { JSONObject(it).optJSONObject("error") }.getOrNull()
                }
                throw ApiException(status, error?.optString("code"), error?.optString("message"))
            }
            connection.inputStream.use { it.readBytes() }
        } finally {
            connection.disconnect()
        }
    }
}

/**
 * What the rest of the sample calls: device registration and receipts, best effort, on one background
 * thread, one after another (an older registration never lands after a newer one).
 */
object Backend {
    private const val TAG = "voip-push"
    private const val PREFS = "voip-push"
    private const val KEY_DEVICE_ID = "deviceId"

    /** Replace [DevTokenAuth] with your app's sign-in, and call [register] again after each sign-in. */
    private val api = ApiClient(BuildConfig.API_URL, DevTokenAuth)
    private val requests = Executors.newSingleThreadExecutor()
    private val retries = Executors.newSingleThreadScheduledExecutor()

    /** The `{deviceId}` of this installation: made on first use, kept in SharedPreferences. */
    @Synchronized
    fun deviceId(context: Context): String {
        val prefs = context.getSharedPreferences(PREFS, Context.MODE_PRIVATE)
        prefs.getString(KEY_DEVICE_ID, null)?.let { return it }
        val fresh = UUID.randomUUID().toString() // within the API's [A-Za-z0-9._:-]{1,128}
        prefs.edit().putString(KEY_DEVICE_ID, fresh).commit()
        return fresh
    }

    /** Registers (or refreshes) this device with its FCM token. Failures wait for the next launch or token. */
    fun register(context: Context, fcmToken: String) {
        val app = context.applicationContext
        requests.execute {
            try {
                api.registerDevice(
                    deviceId(app),
                    app.packageName,
                    fcmToken,
                    BuildConfig.VERSION_NAME,
                    locale()
                )
                Log.i(TAG, "device registered")
            } catch (e: Exception) {
                Log.w(TAG, "device registration failed: ${e.message}") // never log the token
            }
        }
    }

    /**
     * Posts a receipt (`received` or `reported`); a failure is only logged. A 404 may mean the server has
     * not written the push's result yet (it writes them in batches once the pushes are answered): retried,
     * 50 ms doubling to 1 s, for up to 10 s, without holding up the requests behind it.
     */
    fun receipt(context: Context, callId: String, stage: String) {
        postReceipt(context.applicationContext, callId, stage, 0, System.currentTimeMillis() + 10_000)
    }

    private fun postReceipt(app: Context, callId: String, stage: String, attempt: Int, giveUpAt: Long) {
        requests.execute {
            try {
                api.postReceipt(callId, deviceId(app), stage)
            } catch (e: Exception) {
                val delayMs = minOf(1_000L, 50L shl attempt)
                if (e is ApiException && e.status == 404 && System.currentTimeMillis() + delayMs < giveUpAt) {
                    retries.schedule({ postReceipt(app, callId, stage, attempt + 1, giveUpAt) }, delayMs, TimeUnit.MILLISECONDS)
                } else {
                    Log.w(TAG, "receipt $stage for $callId failed: ${e.message}")
                }
            }
        }
    }

    /** A BCP-47 tag the API accepts (`en-US`); Android 14's `-u-` regional preferences are dropped. */
    private fun locale(): String? = Locale.getDefault().stripExtensions().toLanguageTag().takeIf {
        it != "und" &&
            it.length <= 35
    }
}
