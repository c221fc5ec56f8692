package io.github.dashboardmetrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.cli.Main;
import io.github.dashboardmetrics.cli.RunCommand;
import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.config.StateBackendDefaults;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.source.SourcePreflight;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.GlobalConfiguration;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import picocli.CommandLine;

/**
 * flink-conf/ and deploy/ are working files, not decoration: every Flink key they set is an
 * option Flink knows and can parse, every argument they pass to the job exists, and the
 * PostgreSQL scripts, run as written, give a role the job's preflight accepts.
 */
class DeployFilesTest {
    private static final String[] OPTION_CLASSES = {
        "org.apache.flink.configuration.CheckpointingOptions",
        "org.apache.flink.configuration.StateBackendOptions",
        "org.apache.flink.configuration.StateRecoveryOptions",
        "org.apache.flink.configuration.RestartStrategyOptions",
        "org.apache.flink.configuration.PipelineOptions",
        "org.apache.flink.configuration.MetricOptions",
        "org.apache.flink.configuration.JobManagerOptions",
        "org.apache.flink.configuration.TaskManagerOptions",
        "org.apache.flink.configuration.CoreOptions",
        "org.apache.flink.configuration.RestOptions",
        "org.apache.flink.configuration.HighAvailabilityOptions",
        "org.apache.flink.configuration.ExecutionOptions",
        "org.apache.flink.streaming.api.environment.ExecutionCheckpointingOptions",
        "org.apache.flink.contrib.streaming.state.RocksDBOptions",
        "org.apache.flink.contrib.streaming.state.RocksDBConfigurableOptions",
    };
    /** Options every metric reporter takes, under metrics.reporter.NAME. */
    private static final List<String> REPORTER_SUFFIXES = List.of("factory.class", "port", "interval");

    private static Map<String, ConfigOption<?>> knownOptions() throws Exception {
        Map<String, ConfigOption<?>> options = new HashMap<>();
        for (String className : OPTION_CLASSES) {
            for (Field f : Class.forName(className).getFields()) {
                if (Modifier.isStatic(f.getModifiers()) && ConfigOption.class.isAssignableFrom(f.getType())) {
                    ConfigOption<?> option = (ConfigOption<?>) f.get(null);
                    options.put(option.key(), option);
                    for (FallbackKey k : option.fallbackKeys()) {
                        options.put(k.getKey(), option);
                    }
                }
            }
        }
        return options;
    }

    /** Checks every key is a Flink option (or a reporter option) and that its value parses. */
    private static void assertFlinkOptions(Map<String, String> settings) throws Exception {
        Map<String, ConfigOption<?>> known = knownOptions();
        Configuration conf = new Configuration();
        settings.forEach(conf::setString);
        for (String key : settings.keySet()) {
            if (key.startsWith("metrics.reporter.")) {
                assertThat(REPORTER_SUFFIXES).as("reporter option %s", key)
                        .anyMatch(suffix -> key.matches("metrics\\.reporter\\.[a-z]+\\." + suffix.replace(".", "\\.")));
                continue;
            }
            assertThat(known).as("Flink knows the option %s", key).containsKey(key);
            conf.get(known.get(key)); // throws when the value does not parse as the option's type
        }
    }

    @Test
    void flinkConfYamlSetsOnlyKnownParsableOptions() throws Exception {
        Configuration loaded = GlobalConfiguration.loadConfiguration(Path.of("flink-conf").toString());
        Map<String, String> settings = loaded.toMap();
        assertThat(settings).containsEntry("state.backend.type", "rocksdb")
                .containsEntry("execution.checkpointing.incremental", "true")
                .containsEntry("restart-strategy.type", "exponential-delay")
                .containsEntry("pipeline.generic-types", "false")
                .containsEntry("metrics.reporter.prom.port", "9249");
        assertFlinkOptions(settings);
        // every key carries a comment saying why
        List<String> lines = Files.readAllLines(Path.of("flink-conf/config.yaml"));
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!line.isBlank() && !line.startsWith("#")) {
                assertThat(lines.get(i - 1)).as("comment above %s", line).startsWith("#");
            }
        }
    }

    /** One source of truth: what a local run sets for its state backend is what the cluster file sets. */
    @Test
    void localStateSettingsAgreeWithFlinkConfYaml() throws Exception {
        Map<String, String> yaml = GlobalConfiguration.loadConfiguration(Path.of("flink-conf").toString()).toMap();
        assertThat(StateBackendDefaults.SHARED).isNotEmpty();
        StateBackendDefaults.SHARED.forEach((key, value) -> assertThat(yaml).as("flink-conf/config.yaml sets %s as local runs do", key)
                .containsEntry(key, value));
        Map<String, String> local = StateBackendDefaults.local("rocksdb").toMap();
        assertThat(local).containsAllEntriesOf(StateBackendDefaults.SHARED)
                .containsEntry("taskmanager.memory.managed.size", StateBackendDefaults.LOCAL_MANAGED_MEMORY);
        assertFlinkOptions(local);
        Map<String, String> heap = StateBackendDefaults.local("hashmap").toMap();
        assertThat(heap).containsEntry("state.backend.type", "hashmap")
                .containsEntry("pipeline.max-parallelism", yaml.get("pipeline.max-parallelism"));
        assertFlinkOptions(heap);
    }

    @Test
    @SuppressWarnings("unchecked")
    void kubernetesDeploymentPassesKnownOptionsAndArguments() throws Exception {
        List<Map<String, Object>> docs = new ArrayList<>();
        new Load(LoadSettings.builder().build())
                .loadAllFromString(Files.readString(Path.of("deploy/kubernetes/flinkdeployment.yaml")))
                .forEach(d -> docs.add((Map<String, Object>) d));
        Map<String, Object> secret = docs.stream().filter(d -> "Secret".equals(d.get("kind"))).findFirst().orElseThrow();
        Map<String, Object> deployment =
                docs.stream().filter(d -> "FlinkDeployment".equals(d.get("kind"))).findFirst().orElseThrow();
        Map<String, Object> spec = (Map<String, Object>) deployment.get("spec");

        Map<String, String> flinkConfiguration = new HashMap<>();
        ((Map<String, Object>) spec.get("flinkConfiguration")).forEach((k, v) -> flinkConfiguration.put(k, v.toString()));
        assertFlinkOptions(flinkConfiguration);

        Map<String, Object> job = (Map<String, Object>) spec.get("job");
        assertThat(job.get("entryClass")).isEqualTo(Main.class.getName());
        assertThat(job.get("upgradeMode")).isEqualTo("savepoint");
        List<String> args = (List<String>) job.get("args");
        assertThat(args.get(0)).isEqualTo("run");
        new CommandLine(new RunCommand()).parseArgs(args.subList(1, args.size()).toArray(String[]::new));

        String secretName = ((Map<String, Object>) secret.get("metadata")).get("name").toString();
        assertThat(Files.readString(Path.of("deploy/kubernetes/flinkdeployment.yaml")))
                .contains("name: " + secretName + "\n                  key: password")
                .contains("DASHBOARD_METRICS_DB_PASSWORD");
        String jar = job.get("jarURI").toString();
        assertThat(Files.readString(Path.of("deploy/kubernetes/Dockerfile")))
                .contains(jar.substring("local://".length()));
    }

    @Test
    void standaloneScriptsAreValidBash() throws Exception {
        for (String script : List.of("submit.sh", "stop-with-savepoint.sh", "resume.sh", "common.sh")) {
            Process p = new ProcessBuilder("bash", "-n", "deploy/standalone/" + script).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor()).as("bash -n %s: %s", script, out).isZero();
        }
    }

    @Test
    void postgresScriptsGiveARoleThePreflightAccepts() throws Exception {
        try (EmbeddedDatabase db = EmbeddedDatabase.start()) {
            db.createUnstractSchema("unstract", true);
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                for (String file : List.of("01-prerequisites.sql", "02-unstract-cloud-hitl-queue.sql")) {
                    st.execute(Files.readString(Path.of("deploy/postgres", file)));
                }
            }
            DatabaseTarget asJobRole = new DatabaseTarget(db.jdbcUrl(), "dashboard_metrics", "change-me", "unstract");
            SourcePreflight.Result result = SourcePreflight.check(asJobRole, asJobRole, "dashboard_metrics");
            assertThat(result.capturedTables()).hasSize(9).contains("hitl_queue");
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                st.execute("SELECT pg_create_logical_replication_slot('dashboard_metrics', 'pgoutput')");
                st.execute(Files.readString(Path.of("deploy/postgres/03-retire.sql")));
                try (var rs = st.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'dashboard_metrics'")) {
                    rs.next();
                    assertThat(rs.getLong(1)).isZero();
                }
            }
        }
    }
}
