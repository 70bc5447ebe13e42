package dev.portal.platform;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Portal's own settings ({@code portal.*}, or {@code PORTAL_*} in the environment).
 *
 * @param publicUrl the origin users see; its scheme decides whether cookies are Secure
 * @param dataDir where the embedded PostgreSQL keeps its files
 * @param databaseUrl an external PostgreSQL ({@code postgresql://} or JDBC form); empty starts the embedded one
 * @param trustedProxies addresses or CIDR ranges whose {@code X-Forwarded-For} is believed
 * @param allowedOrigins origins besides {@code publicUrl} that may send cookie-authenticated writes
 * @param bootstrapToken if set and no Owner exists, the first Owner's personal access token
 * @param geoipDb a MaxMind City database for the places of new sessions; null or empty leaves them unknown
 * @param secretKey base64 of the 32-byte key that seals stored provider tokens; empty uses {@code dataDir/secret.key}
 */
@ConfigurationProperties("portal")
public record PortalProperties(
        @DefaultValue("http://127.0.0.1:8080") URI publicUrl,
        @DefaultValue("./data") Path dataDir,
        @DefaultValue("") String databaseUrl,
        @DefaultValue("10") int databasePoolSize,
        @DefaultValue List<String> trustedProxies,
        @DefaultValue List<String> allowedOrigins,
        @DefaultValue("") String bootstrapToken,
        @DefaultValue Session session,
        Path geoipDb,
        @DefaultValue("") String secretKey) {

    /**
     * @param idleTimeout a session unused this long ends (last use is written at most once a minute)
     * @param absoluteTimeout a session ends this long after sign-in, used or not
     */
    public record Session(
            @DefaultValue("7d") Duration idleTimeout,
            @DefaultValue("30d") Duration absoluteTimeout) {
    }

    /** Without the bootstrap token and the secret key: a record's own toString would print them. */
    @Override
    public String toString() {
        return "PortalProperties[publicUrl=" + publicUrl + ", dataDir=" + dataDir + ", databaseUrl=" + (databaseUrl.isEmpty()
                ? "" : "(set)") + ", bootstrapToken=" + (bootstrapToken.isEmpty() ? "" : "(set)") + ", secretKey="
                + (secretKey.isEmpty() ? "" : "(set)") + "]";
    }

    public boolean secureCookies() {
        return "https".equalsIgnoreCase(publicUrl.getScheme());
    }

    /** The public URL's origin ({@code scheme://host[:port]}), as browsers send it in {@code Origin}. */
    public String publicOrigin() {
        return Origins.of(publicUrl);
    }
}
