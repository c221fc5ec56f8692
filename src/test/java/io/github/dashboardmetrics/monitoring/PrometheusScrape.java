package io.github.dashboardmetrics.monitoring;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One scrape of a Prometheus endpoint, in the text exposition format: every sample line
 * {@code name{labels} value}, summed per metric name over its label sets.
 */
public final class PrometheusScrape {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Map<String, Double> sums = new TreeMap<>();
    private final String body;

    private PrometheusScrape(String body) {
        this.body = body;
        for (String line : body.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int nameEnd = line.indexOf('{') >= 0 ? line.indexOf('{') : line.indexOf(' ');
            String name = line.substring(0, nameEnd);
            String value = line.substring(line.lastIndexOf(' ') + 1);
            double parsed = value.equals("NaN") ? 0 : Double.parseDouble(value);
            sums.merge(name, parsed, Double::sum);
        }
    }

    /** GET http://localhost:PORT/metrics. */
    public static PrometheusScrape of(int port) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("scrape of port " + port + " answered " + response.statusCode());
        }
        return new PrometheusScrape(response.body());
    }

    public Set<String> names() {
        return sums.keySet();
    }

    /** Sum of all samples of {@code name}; fails when the endpoint does not export it. */
    public double sum(String name) {
        Double sum = sums.get(name);
        if (sum == null) {
            throw new AssertionError("the endpoint does not export " + name);
        }
        return sum;
    }

    public String body() {
        return body;
    }

    @Override
    public String toString() {
        return sums.toString();
    }
}
