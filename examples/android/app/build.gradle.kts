plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
    // Reads app/google-services.json (from the Firebase console; not in git).
    id("com.google.gms.google-services")
}

val apiUrl = providers.gradleProperty("voipPushApiUrl").getOrElse("http://10.0.2.2:3000")
val devToken = providers.gradleProperty("voipPushDevToken").getOrElse("")

android {
    namespace = "com.example.voip"
    compileSdk = 35

    defaultConfig {
        // The package name is the device's bundleId on the server: it must match the package of
        // google-services.json and the bundleId of the FCM credential the server holds.
        applicationId = "com.example.voip"
        minSdk = 26 // core-telecom
        targetSdk = 35
        versionCode = 1
        versionName = "1.0"
        buildConfigField("String", "API_URL", "\"$apiUrl\"")
        buildConfigField("String", "DEV_TOKEN", "\"\"")
        manifestPlaceholders["usesCleartextTraffic"] = "false"
    }

    buildTypes {
        getByName("debug") {
            // Local testing only: a JWT from the local stack, and plain HTTP to it.
            buildConfigField("String", "DEV_TOKEN", "\"$devToken\"")
            manifestPlaceholders["usesCleartextTraffic"] = "true"
        }
    }

    buildFeatures {
        buildConfig = true
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    kotlinOptions {
        jvmTarget = "17"
    }
}

dependencies {
    implementation("com.google.firebase:firebase-messaging:24.1.0")
    implementation("androidx.core:core-ktx:1.15.0")
    implementation("androidx.core:core-telecom:1.0.0")
    implementation("androidx.activity:activity-ktx:1.9.3")
    implementation("androidx.lifecycle:lifecycle-runtime-ktx:2.8.7")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.9.0")
}
