package dev.portal.avatar;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import javax.imageio.ImageIO;

import com.robothy.s3.rest.LocalS3;
import com.robothy.s3.rest.bootstrap.LocalS3Mode;
import dev.portal.support.AvatarFixtures;
import dev.portal.support.Nodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The S3 blob store against an S3-compatible server in this JVM (local-s3, in memory): the store itself, and
 * a second Portal node configured with {@code portal.s3.*} that stores an upload in the bucket, serves it
 * from there, and removes the replaced avatar's objects.
 */
class BlobStoreS3Test extends AvatarFixtures {
    private static LocalS3 server;
    private static int s3Port;
    private static S3Client s3;

    @TempDir
    Path dataDir;

    @BeforeAll
    static void startS3() {
        s3Port = Nodes.freePort();
        server = LocalS3.builder().port(s3Port).mode(LocalS3Mode.IN_MEMORY).build();
        server.start();
        s3 = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder().build())
                .endpointOverride(URI.create("http://127.0.0.1:" + s3Port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test-access", "test-secret")))
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }

    @AfterAll
    static void stopS3() {
        s3.close();
        server.shutdown();
    }

    private static String newBucket() {
        String bucket = unique("avatars").toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        s3.createBucket(r -> r.bucket(bucket));
        return bucket;
    }

    private static S3Properties settings(String bucket) {
        return new S3Properties(URI.create("http://127.0.0.1:" + s3Port), "us-east-1", bucket, "test-access", "test-secret");
    }

    private static Set<String> objects(String bucket) {
        List<S3Object> listed = s3.listObjectsV2(r -> r.bucket(bucket)).contents();
        Set<String> keys = new TreeSet<>();
        listed.forEach(o -> keys.add(o.key()));
        return keys;
    }

    @Test
    void theStorePutsGetsAndDeletes() {
        String bucket = newBucket();
        try (S3BlobStore store = new S3BlobStore(settings(bucket))) {
            byte[] bytes = png(5, 5);

            store.put("avatars/k1/64.png", bytes, "image/png");

            assertThat(store.get("avatars/k1/64.png")).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes));
            assertThat(objects(bucket)).containsExactly("avatars/k1/64.png");
            assertThat(s3.headObject(r -> r.bucket(bucket).key("avatars/k1/64.png")).contentType()).isEqualTo("image/png");
            store.delete("avatars/k1/64.png");
            store.delete("avatars/never-there/64.png");
            assertThat(store.get("avatars/k1/64.png")).isEmpty();
            assertThat(objects(bucket)).isEmpty();
        }
    }

    @Test
    void aSecondNodeOnS3StoresServesAndRemovesReplacedAvatarsInTheBucket() throws Exception {
        String bucket = newBucket();
        int port = Nodes.freePort();
        long id = createUser(0);
        Credential session = signedIn(id);
        Set<String> localBefore = blobFiles();
        try (Nodes.Node node = startNode(port, dataDir, "--portal.s3.bucket=" + bucket,
                "--portal.s3.endpoint=http://127.0.0.1:" + s3Port, "--portal.s3.access-key=test-access",
                "--portal.s3.secret-key=test-secret", "--portal.avatar.removal-interval=0")) {
            Response first = uploadTo(node.url(""), png(300, 300), session);
            assertThat(first.status()).as(first.body()).isEqualTo(200);
            String firstKey = uploadKey(id);
            assertThat(first.json().get("avatarUrl").stringValue()).isEqualTo(node.url("/avatars/" + firstKey + "/256.png"));
            assertThat(objects(bucket)).containsExactly("avatars/" + firstKey + "/256.png", "avatars/" + firstKey + "/512.png",
                    "avatars/" + firstKey + "/64.png");

            HttpResponse<byte[]> served = getBytes(node.url("/avatars/" + firstKey + "/512.png"));
            assertThat(served.statusCode()).isEqualTo(200);
            assertThat(served.headers().firstValue("Content-Type")).hasValue("image/png");
            BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(served.body()));
            assertThat(decoded.getWidth()).isEqualTo(512);

            Response second = uploadTo(node.url(""), jpeg(100, 80), session);
            assertThat(second.status()).as(second.body()).isEqualTo(200);
            String secondKey = uploadKey(id);

            assertThat(objects(bucket)).containsExactly("avatars/" + secondKey + "/256.png",
                    "avatars/" + secondKey + "/512.png", "avatars/" + secondKey + "/64.png");
            assertThat(getBytes(node.url("/avatars/" + firstKey + "/256.png")).statusCode()).isEqualTo(404);
            assertThat(getBytes(node.url("/avatars/" + secondKey + "/64.png")).statusCode()).isEqualTo(200);
        }
        // Nothing of it went to the local directory.
        assertThat(blobFiles()).isEqualTo(localBefore);
    }
}
