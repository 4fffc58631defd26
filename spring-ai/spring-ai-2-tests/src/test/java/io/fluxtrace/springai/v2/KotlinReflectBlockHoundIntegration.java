package io.fluxtrace.springai.v2;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Spring AI 2 brings kotlin-reflect, which reads Kotlin's built-in class metadata from its jar once, on first use,
 * on whatever thread first asks (here a Netty event loop, through Spring's handler-method invocation). That one-time
 * read is the dependency's class loading, not fluxtrace's or the app's work, so it is allowed.
 */
public final class KotlinReflectBlockHoundIntegration implements BlockHoundIntegration {

  @Override
  public void applyTo(BlockHound.Builder builder) {
    builder.allowBlockingCallsInside(
        "kotlin.reflect.jvm.internal.impl.builtins.jvm.JvmBuiltInsPackageFragmentProvider", "findPackage");
  }
}
