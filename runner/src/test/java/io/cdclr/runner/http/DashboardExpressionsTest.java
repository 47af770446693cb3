package io.cdclr.runner.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The dashboard parses, and the metric names of its expressions are found (MetricsConventionIT checks them). */
class DashboardExpressionsTest {

    @Test
    void metricNamesWithoutFunctionsLabelsOrRanges() {
        assertEquals(Set.of("cdc_commit_to_acknowledged_seconds_bucket"), DashboardExpressions.metricNames(
                "histogram_quantile(0.99, sum by (le) (rate(cdc_commit_to_acknowledged_seconds_bucket{instance=~\"$instance\"}[$__rate_interval])))"));
        assertEquals(Set.of("cdc_kinesis_retries_total"), DashboardExpressions.metricNames(
                "sum by (reason) (rate(cdc_kinesis_retries_total{reason=\"throttled\"}[5m]))"));
        assertEquals(Set.of("jvm_memory_used_bytes", "jvm_memory_max_bytes"), DashboardExpressions.metricNames(
                "sum(jvm_memory_used_bytes{area=\"heap\"}) / sum(jvm_memory_max_bytes{area=\"heap\"})"));
    }

    @Test
    void theDashboardCoversWhatIssue20AsksFor() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Path.of("..", "deploy", "grafana", "cdc-runner-dashboard.json").toFile());
        assertEquals("cdc-runner", dashboard.get("uid").asText());
        Set<String> names = MetricsConventionIT.dashboardMetrics();
        for (String name : new String[] {"cdc_changes_delivered_total", "cdc_commit_to_acknowledged_seconds_bucket",
                "cdc_kinesis_put_records_seconds_bucket", "cdc_replication_lag_seconds", "cdc_slot_retained_wal_bytes",
                "cdc_ready", "cdc_kinesis_retries_total", "jvm_memory_used_bytes", "jvm_gc_collection_seconds_sum",
                "process_cpu_seconds_total", "cdc_build_info"}) {
            assertTrue(names.contains(name), name + " in " + names);
        }
        long quantiles = dashboard.findValues("expr").stream().filter(e -> e.asText().startsWith("histogram_quantile(")).count();
        assertTrue(quantiles >= 6, "percentiles of both histograms: " + quantiles);
    }
}
