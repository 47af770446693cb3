package io.cdclr.connector.kinesis;

import java.net.URI;
import java.util.function.Consumer;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * Learns the endpoint the SDK resolved (region, partition, FIPS and dual-stack settings, or the endpoint override) from
 * the first request it sends, so that {@link DirectPutRecords} goes exactly where the SDK would have gone, without
 * resolving endpoints itself.
 */
final class EndpointCapture implements ExecutionInterceptor {
    private volatile Consumer<URI> listener = endpoint -> { };
    private volatile URI endpoint;

    /** Called once, with the endpoint, when the SDK sends its first request (at once if it did already). */
    void onResolved(Consumer<URI> then) {
        listener = then;
        URI known = endpoint;
        if (known != null) {
            then.accept(known);
        }
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes executionAttributes) {
        if (endpoint == null) {
            // getUri() leaves a standard port out, as the Host header and the signature must
            URI sent = context.httpRequest().getUri();
            String path = sent.getRawPath() == null || sent.getRawPath().isEmpty() ? "/" : sent.getRawPath();
            URI resolved = URI.create(sent.getScheme() + "://" + sent.getRawAuthority() + path);
            endpoint = resolved;
            listener.accept(resolved);
        }
    }
}
