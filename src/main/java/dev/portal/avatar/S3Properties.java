package dev.portal.avatar;

import java.net.URI;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * An S3-compatible blob store ({@code portal.s3.*}, or {@code PORTAL_S3_*}); used when {@code bucket} is set,
 * else blobs live under {@code PORTAL_DATA_DIR/blobs}.
 *
 * @param endpoint the store's URL (MinIO, R2, a local test server); empty for AWS itself
 * @param region the signing region; most S3-compatible stores take any
 * @param bucket the bucket, which must exist
 * @param accessKey with {@code secretKey}: static credentials; empty uses the AWS SDK's default chain
 */
@ConfigurationProperties("portal.s3")
public record S3Properties(
        URI endpoint,
        @DefaultValue("us-east-1") String region,
        @DefaultValue("") String bucket,
        @DefaultValue("") String accessKey,
        @DefaultValue("") String secretKey) {

    public boolean enabled() {
        return !bucket.isBlank();
    }

    /** Without the secret key: a record's own toString would print it. */
    @Override
    public String toString() {
        return "S3Properties[endpoint=" + endpoint + ", region=" + region + ", bucket=" + bucket + ", accessKey="
                + accessKey + ", secretKey=" + (secretKey.isEmpty() ? "" : "(set)") + "]";
    }
}
