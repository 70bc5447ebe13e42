package dev.portal.signin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.http.ReadOnlyHTTPRequest;
import com.nimbusds.oauth2.sdk.http.ReadOnlyHTTPResponse;
import dev.portal.outbound.GuardedHttp;
import dev.portal.platform.ApiProblem;
import org.springframework.stereotype.Component;

/**
 * Every request Portal makes to a sign-in provider. One deadline covers the whole exchange (connect,
 * headers and body), so a provider that trickles bytes cannot hold a sign-in longer than
 * {@code PORTAL_SIGNIN_PROVIDER_TIMEOUT}; bodies are capped; redirects are not followed. Failures become
 * 502 {@code provider_unavailable} or 504 {@code provider_timeout}, naming the provider and nothing else.
 */
@Component
public class ProviderHttp {
    /** Token and profile answers are a few KiB; anything near this is not a provider speaking OAuth. */
    static final int MAX_BODY_BYTES = 1 << 20;
    /** Set by the JDK client itself; copying them from a Nimbus request is refused. */
    private static final Set<String> RESTRICTED = Set.of("host", "content-length", "connection", "upgrade", "expect");

    private final HttpClient client;
    private final Duration timeout;

    ProviderHttp(SigninProperties properties) {
        this.timeout = properties.providerTimeout();
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** Sends a Nimbus request; {@code provider} names the other side in the refusal a user sees. */
    public HTTPResponse send(HTTPRequest request, String provider) {
        try {
            return request.send(this::exchange);
        } catch (HttpTimeoutException e) {
            throw timedOut(provider);
        } catch (IOException e) {
            throw unavailable(provider + " could not be reached.");
        }
    }

    private ReadOnlyHTTPResponse exchange(ReadOnlyHTTPRequest request) throws IOException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(request.getURI()).timeout(timeout);
        for (Map.Entry<String, List<String>> header : request.getHeaderMap().entrySet()) {
            if (!RESTRICTED.contains(header.getKey().toLowerCase(Locale.ROOT))) {
                header.getValue().forEach(value -> builder.header(header.getKey(), value));
            }
        }
        String body = request.getBody();
        builder.method(request.getMethod().name(), body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        CompletableFuture<HttpResponse<byte[]>> pending = client.sendAsync(builder.build(), info -> capped());
        HttpResponse<byte[]> response;
        try {
            response = pending.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw new HttpTimeoutException("no complete answer within " + timeout);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        HTTPResponse answer = new HTTPResponse(response.statusCode());
        response.headers().map().forEach((name, values) -> {
            if (!name.startsWith(":")) {
                answer.setHeader(name, values.toArray(String[]::new));
            }
        });
        answer.setBody(new String(response.body(), StandardCharsets.UTF_8));
        return answer;
    }

    /** Collects a body of at most {@link #MAX_BODY_BYTES}; past that the exchange fails. */
    private static HttpResponse.BodySubscriber<byte[]> capped() {
        return new HttpResponse.BodySubscriber<>() {
            private final CompletableFuture<byte[]> result = new CompletableFuture<>();
            private final ByteArrayOutputStream out = new ByteArrayOutputStream();
            private Flow.Subscription subscription;

            @Override
            public CompletionStage<byte[]> getBody() {
                return result;
            }

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                this.subscription = subscription;
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(List<ByteBuffer> items) {
                for (ByteBuffer item : items) {
                    if (out.size() + item.remaining() > MAX_BODY_BYTES) {
                        subscription.cancel();
                        result.completeExceptionally(new IOException("answer larger than " + MAX_BODY_BYTES + " bytes"));
                        return;
                    }
                    byte[] chunk = new byte[item.remaining()];
                    item.get(chunk);
                    out.write(chunk, 0, chunk.length);
                }
            }

            @Override
            public void onError(Throwable throwable) {
                result.completeExceptionally(throwable);
            }

            @Override
            public void onComplete() {
                result.complete(out.toByteArray());
            }
        };
    }

    static ApiProblem unavailable(String detail) {
        return GuardedHttp.unavailable(detail);
    }

    static ApiProblem timedOut(String provider) {
        return GuardedHttp.timedOut(provider);
    }
}
