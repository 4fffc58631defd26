package io.fluxtrace.internal.config;

import org.jspecify.annotations.Nullable;

/**
 * Media upload (see {@code io.fluxtrace.Media}), validated by the builder.
 *
 * @param enabled whether media found in content is uploaded: asked for (builder, {@code LANGFUSE_MEDIA_UPLOAD_ENABLED},
 *     default true) and possible (the tracer exports to Langfuse with keys, through its own HTTP export)
 * @param maxQueued pieces of media waiting for or in upload at most
 * @param maxQueuedBytes bytes of media waiting for or in upload at most; taken from the tracer's
 *     {@code maxQueuedBytes}, whose rest bounds the spans
 * @param maxConcurrentUploads pieces of media being uploaded at once at most
 */
public record MediaSettings(boolean enabled, int maxQueued, long maxQueuedBytes, int maxConcurrentUploads) {

  /** Pieces of media waiting for or in upload at most, by default. */
  public static final int DEFAULT_MAX_QUEUED = 256;
  /** Uploads at once, by default. */
  public static final int DEFAULT_MAX_CONCURRENT_UPLOADS = 4;

  /** Validates the bounds; the builder names the setting first. */
  public MediaSettings {
    if (maxQueued < 1 || maxQueuedBytes < 1 || maxConcurrentUploads < 1) {
      throw new IllegalArgumentException("media bounds must be positive");
    }
  }

  /**
   * The builder's values, validated: off unless asked for ({@code mediaUpload}, else
   * {@code LANGFUSE_MEDIA_UPLOAD_ENABLED}, else on) and {@code possible} (Langfuse with keys, our own export).
   */
  public static MediaSettings resolve(EnvironmentDefaults defaults, @Nullable Boolean mediaUpload,
      int maxQueuedMedia, @Nullable Long maxQueuedMediaBytes, long maxQueuedBytes, boolean possible) {
    boolean wanted = mediaUpload != null ? mediaUpload : defaults.bool("LANGFUSE_MEDIA_UPLOAD_ENABLED", true);
    EndpointValidation.require(maxQueuedMedia >= 1, "maxQueuedMedia", "at least 1", String.valueOf(maxQueuedMedia));
    long bytes = maxQueuedMediaBytes != null ? maxQueuedMediaBytes : Math.max(1, maxQueuedBytes / 4);
    if (maxQueuedMediaBytes != null) {
      EndpointValidation.require(maxQueuedMediaBytes >= 1024 && maxQueuedMediaBytes <= maxQueuedBytes / 2,
          "maxQueuedMediaBytes", "from 1024 to half of maxQueuedBytes (" + maxQueuedBytes / 2 + ")",
          String.valueOf(maxQueuedMediaBytes));
    }
    return new MediaSettings(wanted && possible, maxQueuedMedia, bytes, DEFAULT_MAX_CONCURRENT_UPLOADS);
  }

  /** No media upload: content is sent as it is. */
  public static MediaSettings disabled() {
    return new MediaSettings(false, DEFAULT_MAX_QUEUED, 1, DEFAULT_MAX_CONCURRENT_UPLOADS);
  }

  /** The bytes of the tracer's {@code maxQueuedBytes} kept for media: none when media upload is off. */
  public long reservedBytes() {
    return enabled ? maxQueuedBytes : 0;
  }
}
