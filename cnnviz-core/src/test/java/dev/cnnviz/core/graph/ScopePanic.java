package dev.cnnviz.core.graph;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Switches ND4J to {@code SCOPE_PANIC} for every test run (registered through
 * {@code META-INF/services}, shipped in core's test jar so that the other modules' tests get it too): any
 * operator that reads an array of a closed {@link ForwardPass} (whose {@link Arena} memory the next pass
 * reuses) then fails with "leaked workspace pointer" instead of silently computing on stale memory.
 */
public final class ScopePanic implements LauncherSessionListener {

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        Nd4j.getExecutioner().setProfilingMode(OpExecutioner.ProfilingMode.SCOPE_PANIC);
    }
}
