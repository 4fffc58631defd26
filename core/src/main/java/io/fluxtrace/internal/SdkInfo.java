package io.fluxtrace.internal;

/** How fluxtrace names itself to a backend ({@code x-langfuse-sdk-name}, {@code x-langfuse-sdk-version}). */
public final class SdkInfo {

  /** The SDK name. */
  public static final String NAME = "fluxtrace";
  /** The SDK version: the jar's {@code Implementation-Version}, or {@code dev} when run from classes. */
  public static final String VERSION = version();

  private SdkInfo() {}

  private static String version() {
    String v = SdkInfo.class.getPackage().getImplementationVersion();
    return v == null || v.isBlank() ? "dev" : v;
  }
}
