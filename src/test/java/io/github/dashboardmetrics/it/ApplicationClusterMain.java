package io.github.dashboardmetrics.it;

import java.io.File;
import java.util.Arrays;
import org.apache.flink.client.deployment.application.ApplicationClusterEntryPoint;
import org.apache.flink.client.program.PackagedProgram;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.PluginUtils;
import org.apache.flink.runtime.entrypoint.ClusterEntrypoint;
import org.apache.flink.runtime.resourcemanager.StandaloneResourceManagerFactory;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.runtime.util.JvmShutdownSafeguard;
import org.apache.flink.runtime.util.SignalHandler;

/**
 * A JobManager in application mode, as Flink's {@code StandaloneApplicationClusterEntryPoint}
 * (standalone-job.sh; it lives in flink-dist, which is not on Maven Central) starts it: the job's
 * {@code main()} runs inside this process, and again whenever it starts over with HA state.
 * Arguments: {@code CONF_DIR JOB_JAR MAIN_CLASS [program arguments...]}.
 */
public final class ApplicationClusterMain extends ApplicationClusterEntryPoint {
    private ApplicationClusterMain(Configuration configuration, PackagedProgram program) {
        super(configuration, program, StandaloneResourceManagerFactory.getInstance());
    }

    public static void main(String[] args) {
        EnvironmentInformation.logEnvironmentInfo(LOG, ApplicationClusterMain.class.getSimpleName(), args);
        SignalHandler.register(LOG);
        JvmShutdownSafeguard.installAsShutdownHook(LOG);
        Configuration configuration = GlobalConfiguration.loadConfiguration(args[0]);
        PackagedProgram program = null;
        try {
            FileSystem.initialize(configuration, PluginUtils.createPluginManagerFromRootFolder(configuration));
            program = PackagedProgram.newBuilder()
                    .setJarFile(new File(args[1]))
                    .setEntryPointClassName(args[2])
                    .setArguments(Arrays.copyOfRange(args, 3, args.length))
                    .setConfiguration(configuration)
                    .build();
            configureExecution(configuration, program);
        } catch (Exception e) {
            LOG.error("Could not create the application program.", e);
            System.exit(1);
        }
        ClusterEntrypoint.runClusterEntrypoint(new ApplicationClusterMain(configuration, program));
    }
}
