package io.fluxtrace.experiments;

import io.fluxtrace.testing.BlockHoundInstalledContract;

/** BlockHound is installed in this module's test JVM. */
class BlockHoundInstalledTest extends BlockHoundInstalledContract {}
