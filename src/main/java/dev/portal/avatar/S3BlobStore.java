package dev.portal.avatar;

import java.util.Optional;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Blobs in an S3-compatible bucket, through the AWS SDK: path-style addressing (what MinIO, R2 and most
 * self-hosted stores expect), and checksums only where the protocol requires them, since not every
 * S3-compatible store accepts the SDK's newer trailing checksums.
 */
public final class S3BlobStore implements BlobStore, AutoCloseable {
    private final S3Client s3;
    private final String bucket;

    public S3BlobStore(S3Properties properties) {
        AwsCredentialsProvider credentials = properties.accessKey().isEmpty() ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(properties.accessKey(), properties.secretKey()));
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder().build())
                .region(Region.of(properties.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (properties.endpoint() != null && !properties.endpoint().toString().isEmpty()) {
            builder.endpointOverride(properties.endpoint());
        }
        this.s3 = builder.build();
        this.bucket = properties.bucket();
    }

    @Override
    public void put(String name, byte[] bytes, String contentType) {
        s3.putObject(r -> r.bucket(bucket).key(BlobStore.checkName(name)).contentType(contentType),
                RequestBody.fromBytes(bytes));
    }

    @Override
    public Optional<byte[]> get(String name) {
        try {
            return Optional.of(s3.getObjectAsBytes(r -> r.bucket(bucket).key(BlobStore.checkName(name))).asByteArray());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    @Override
    public void delete(String name) {
        s3.deleteObject(r -> r.bucket(bucket).key(BlobStore.checkName(name)));
    }

    @Override
    public void close() {
        s3.close();
    }
}
