package io.cdclr.runner.http;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The metric names a PromQL expression of the Grafana dashboard reads (functions, labels and keywords left out). */
final class DashboardExpressions {
    private static final Set<String> NOT_METRICS = Set.of("sum", "min", "max", "avg", "count", "rate", "irate",
            "increase", "histogram_quantile", "by", "without", "on", "ignoring", "and", "or", "unless", "le",
            "clamp_min", "clamp_max", "abs", "delta", "deriv", "topk", "bottomk", "label_values", "time", "offset",
            "bool", "group_left", "group_right", "quantile", "vector", "scalar");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    private DashboardExpressions() {
    }

    static Set<String> metricNames(String expr) {
        String stripped = expr
                .replaceAll("\\{[^}]*}", " ")          // label matchers
                .replaceAll("\\[[^]]*]", " ")          // range selectors ([5m], [$__rate_interval])
                .replaceAll("\"[^\"]*\"", " ")         // strings
                .replaceAll("\\b(by|without)\\s*\\([^)]*\\)", " ") // grouping labels
                .replaceAll("\\$\\w+", " ");           // Grafana variables
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(stripped);
        while (m.find()) {
            String token = m.group();
            int after = m.end();
            boolean call = after < stripped.length() && stripped.substring(after).stripLeading().startsWith("(");
            if (!NOT_METRICS.contains(token) && !call && !token.matches("\\d.*")) {
                names.add(token);
            }
        }
        return names;
    }
}
