package dev.portal.avatar;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import dev.portal.support.AvatarFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SPEC §4 avatar rules and SECURITY items 20–21 through real HTTP: accepted formats by content, the
 * re-encoded sizes and their headers, v1 and /api following the upload, the old blobs removed on
 * replacement; and every hostile file, size and declaration refused with a 4xx and nothing stored.
 */
class AvatarUploadTest extends AvatarFixtures {

    private String publicUrl() {
        return url("");
    }

    @Test
    void aPngUploadIsServedBackAtEverySizeAndEveryViewFollowsIt() throws IOException {
        long id = createUser(0);
        Credential session = signedIn(id);

        Response uploaded = upload(png(300, 200), session);

        assertThat(uploaded.status()).as(uploaded.body()).isEqualTo(200);
        assertThat(uploaded.header("Content-Type")).startsWith("application/json");
        JsonNode user = uploaded.json();
        assertThat(user.get("id").stringValue()).isEqualTo(Long.toString(id));
        String key = uploadKey(id);
        assertThat(key).matches("[A-Za-z0-9_-]{22}");
        assertThat(avatarSource(id)).isEqualTo("upload");
        String avatarUrl = publicUrl() + "/avatars/" + key + "/256.png";
        assertThat(user.get("avatarUrl").stringValue()).isEqualTo(avatarUrl);
        assertThat(get("/api/user", session).json().get("avatarUrl").stringValue()).isEqualTo(avatarUrl);
        JsonNode v1 = get("/v1/users/me", session).json();
        assertThat(v1.get("avatar_url").stringValue()).isEqualTo(avatarUrl);
        assertThat(v1.get("avatar_source").stringValue()).isEqualTo("upload");

        for (int size : new int[] {64, 256, 512}) {
            HttpResponse<byte[]> image = getBytes("/avatars/" + key + "/" + size + ".png");
            assertThat(image.statusCode()).isEqualTo(200);
            assertThat(image.headers().firstValue("Content-Type")).hasValue("image/png");
            assertThat(image.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            assertThat(image.headers().firstValue("Cache-Control")).hasValue("public, max-age=31536000, immutable");
            assertThat(image.headers().firstValue("Content-Security-Policy")).hasValue("default-src 'none'");
            assertThat(image.headers().firstValue("Content-Disposition")).hasValue("inline");
            BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(image.body()));
            assertThat(decoded.getWidth()).isEqualTo(size);
            assertThat(decoded.getHeight()).isEqualTo(size);
            // Centre-cropped from a red-to-blue diagonal: neither corner colour is lost to padding.
            assertThat(new java.awt.Color(decoded.getRGB(size / 2, size / 2)).getAlpha()).isEqualTo(255);
        }
        assertThat(blobFiles()).contains("avatars/" + key + "/64.png", "avatars/" + key + "/256.png",
                "avatars/" + key + "/512.png");
    }

    static Stream<Arguments> acceptedFormats() {
        return Stream.of(
                Arguments.of("jpeg", jpeg(640, 480)),
                Arguments.of("animated gif", animatedGif(100, 120)),
                Arguments.of("webp", webp()),
                Arguments.of("png, tiny", png(1, 1)),
                Arguments.of("png, 4096 wide", png(4096, 16)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptedFormats")
    void everyAcceptedFormatIsReEncodedToPng(String what, byte[] file) throws IOException {
        long id = createUser(0);

        Response uploaded = upload(file, "picture.bin", "application/octet-stream", signedIn(id));

        assertThat(uploaded.status()).as(uploaded.body()).isEqualTo(200);
        HttpResponse<byte[]> image = getBytes("/avatars/" + uploadKey(id) + "/64.png");
        assertThat(image.statusCode()).isEqualTo(200);
        assertThat(image.body()).startsWith(0x89, 'P', 'N', 'G');
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(image.body()));
        assertThat(decoded.getWidth()).isEqualTo(64);
    }

    @Test
    void aPngDeclaredAsTextIsJudgedByItsContent() {
        long id = createUser(0);

        Response uploaded = upload(png(50, 50), "notes.txt", "text/plain", signedIn(id));

        assertThat(uploaded.status()).as(uploaded.body()).isEqualTo(200);
        assertThat(uploadKey(id)).isNotNull();
    }

    @Test
    void aBearerTokenUploadsTooAndNoCredentialIsRefused() {
        long id = createUser(0);
        String token = apiTokenService.create(id, "avatar test", null, "127.0.0.1").value();

        Response byToken = upload(png(40, 40), Credential.bearer(token));
        Response anonymous = upload(png(40, 40), Credential.NONE);

        assertThat(byToken.status()).as(byToken.body()).isEqualTo(200);
        assertProblem(anonymous, 401, "unauthenticated");
    }

    @Test
    void aReplacedAvatarsBlobsAreRemovedAndItsUrlNoLongerAnswers() {
        long id = createUser(0);
        Credential session = signedIn(id);
        assertThat(upload(png(100, 100), session).status()).isEqualTo(200);
        String first = uploadKey(id);

        Response second = upload(jpeg(120, 90), session);

        assertThat(second.status()).as(second.body()).isEqualTo(200);
        String replacement = uploadKey(id);
        assertThat(replacement).isNotEqualTo(first);
        assertThat(blobFiles()).noneMatch(f -> f.startsWith("avatars/" + first + "/"))
                .contains("avatars/" + replacement + "/256.png");
        assertThat(java.nio.file.Files.exists(dev.portal.support.ImageHost.BLOB_DIR.resolve("avatars/" + first))).isFalse();
        assertProblem(get("/avatars/" + first + "/256.png", Credential.NONE), 404, "not_found");
        assertThat(jdbc.sql("select count(*) from blob_deletions where key = :key").param("key", first)
                .query(Integer.class).single()).isZero();
        assertThat(jdbc.sql("select count(*) from audit_events where action = 'avatar_uploaded' and target_id = :id")
                .param("id", id).query(Integer.class).single()).isEqualTo(2);
    }

    @Test
    void v1CanChooseTheUploadAgainAfterSwitchingAway() {
        long id = createUser(0);
        Credential session = signedIn(id);
        linkDiscord(id, uniqueDiscordId(), unique("disc"));
        assertThat(v1Update(session, "discord").status()).isEqualTo(200);
        assertThat(v1Update(session, "upload").json().get("errors").get("avatar_source")).isNotNull();

        assertThat(upload(png(64, 64), session).status()).isEqualTo(200);
        assertThat(v1Update(session, "discord_3").status()).isEqualTo(200);
        Response back = v1Update(session, "upload");

        assertThat(back.status()).as(back.body()).isEqualTo(200);
        assertThat(back.json().get("errors").isNull()).isTrue();
        JsonNode me = get("/v1/users/me", session).json();
        assertThat(me.get("avatar_source").stringValue()).isEqualTo("upload");
        assertThat(me.get("avatar_url").stringValue()).isEqualTo(publicUrl() + "/avatars/" + uploadKey(id) + "/256.png");
    }

    private Response v1Update(Credential session, String source) {
        return post("/v1/users/me/update", "{\"avatar_source\": \"" + source + "\"}", session);
    }

    static Stream<Arguments> hostileFiles() {
        byte[] pngMagic = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
        byte[] zip = {'P', 'K', 3, 4, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        byte[] goodPng = png(32, 32);
        byte[] goodJpeg = jpeg(32, 32);
        byte[] goodGif = animatedGif(16, 16);
        return Stream.of(
                Arguments.of("svg", bytes("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><rect width=\"9\" height=\"9\"/></svg>"), "image/svg+xml"),
                Arguments.of("svg with an xml prolog", bytes("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), "image/png"),
                Arguments.of("html", bytes("<!doctype html><html><script>alert(document.cookie)</script></html>"), "text/html"),
                Arguments.of("html declared image/png", bytes("<html><body onload=alert(1)>hi</body></html>"), "image/png"),
                Arguments.of("html behind a png signature", concat(pngMagic, bytes("<html><script>alert(1)</script></html>")), "image/png"),
                Arguments.of("html behind a gif signature", bytes("GIF89a<html><script>alert(1)</script></html>"), "image/gif"),
                Arguments.of("png then html after IEND", concat(goodPng, bytes("<html><script>alert(1)</script></html>")), "image/png"),
                Arguments.of("png then a zip after IEND", concat(goodPng, zip), "image/png"),
                Arguments.of("jpeg then html after EOI", concat(goodJpeg, bytes("<script>alert(1)</script>")), "image/jpeg"),
                Arguments.of("gif then html after the trailer", concat(goodGif, bytes("<script>alert(1)</script>")), "image/gif"),
                Arguments.of("a small png declaring 20000x20000", pngDeclaring(20000, 20000), "image/png"),
                Arguments.of("a png declaring 4097x1", pngDeclaring(4097, 1), "image/png"),
                Arguments.of("a truncated png", java.util.Arrays.copyOf(goodPng, goodPng.length / 2), "image/png"),
                Arguments.of("a truncated jpeg", java.util.Arrays.copyOf(goodJpeg, goodJpeg.length / 2), "image/jpeg"),
                Arguments.of("a png whose pixels are garbage", pngDeclaring(64, 64), "image/png"),
                Arguments.of("a pdf", bytes("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF"), "image/png"),
                Arguments.of("an empty file", new byte[0], "image/png"),
                Arguments.of("a riff that is not webp", concat(bytes("RIFF"), new byte[] {4, 0, 0, 0, 'A', 'V', 'I', ' '}), "image/webp"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileFiles")
    void hostileFilesAreRefusedWith415AndNothingIsStored(String what, byte[] file, String declared) {
        long id = createUser(0);
        Credential session = signedIn(id);
        Set<String> before = blobFiles();

        Response refused = upload(file, "avatar.png", declared, session);

        JsonNode problem = assertProblem(refused, 415, "unsupported_media_type");
        assertThat(problem.get("detail").stringValue()).isNotBlank();
        assertThat(uploadKey(id)).isNull();
        assertThat(avatarSource(id)).isNull();
        assertThat(blobFiles()).isEqualTo(before);
    }

    @Test
    void aHugeDeclaredSizeIsRefusedFromTheHeaderAlone() {
        long id = createUser(0);

        // 57 bytes that would be 1.6 GB of pixels: the header is enough to refuse them.
        JsonNode problem = assertProblem(upload(pngDeclaring(20000, 20000), signedIn(id)), 415, "unsupported_media_type");

        assertThat(problem.get("detail").stringValue()).contains("20000×20000").contains("4096×4096");
    }

    @Test
    void aRefusedUploadLeavesTheCurrentAvatarAlone() {
        long id = createUser(0);
        Credential session = signedIn(id);
        assertThat(upload(png(80, 80), session).status()).isEqualTo(200);
        String key = uploadKey(id);
        Set<String> before = blobFiles();

        assertProblem(upload(bytes("<svg/>"), session), 415, "unsupported_media_type");

        assertThat(uploadKey(id)).isEqualTo(key);
        assertThat(blobFiles()).isEqualTo(before);
        assertThat(getBytes("/avatars/" + key + "/512.png").statusCode()).isEqualTo(200);
    }

    @Test
    void aDeclaredBodyOverTheCapIsAnswered413BeforeItIsSent() {
        long id = createUser(0);
        Set<String> before = blobFiles();

        // 9 MiB declared, 64 KiB sent, then the client waits: the answer can only come from the headers.
        RawAnswer answer = rawUpload(signedIn(id), 9L * 1024 * 1024, 64 * 1024);

        assertThat(answer.status()).as(answer.body()).isEqualTo(413);
        assertThat(answer.body()).contains("\"code\":\"payload_too_large\"");
        assertThat(answer.sentWhenAnswered()).isLessThan(9L * 1024 * 1024);
        assertThat(uploadKey(id)).isNull();
        assertThat(blobFiles()).isEqualTo(before);
    }

    @Test
    void aChunkedBodyOverTheCapIsCutOffWith413() {
        long id = createUser(0);
        Set<String> before = blobFiles();

        // Up to 64 MiB offered; the server stops reading at the cap.
        RawAnswer answer = rawUpload(signedIn(id), -1, 64L * 1024 * 1024);

        assertThat(answer.status()).as(answer.body()).isEqualTo(413);
        assertThat(answer.body()).contains("\"code\":\"payload_too_large\"");
        assertThat(answer.sentWhenAnswered()).isLessThan(64L * 1024 * 1024);
        assertThat(uploadKey(id)).isNull();
        assertThat(blobFiles()).isEqualTo(before);
    }

    @Test
    void aFileOverEightMibWithinTheRequestAllowanceIs413NotA500() {
        long id = createUser(0);
        byte[] file = concat(png(8, 8), new byte[8 * 1024 * 1024]);

        RawAnswer answer = rawUpload(signedIn(id), multipart(file, "a.png", "image/png").length, Long.MAX_VALUE);

        assertThat(answer.status()).as(answer.body()).isEqualTo(413);
        assertThat(answer.body()).contains("\"code\":\"payload_too_large\"");
        assertThat(uploadKey(id)).isNull();
    }

    @Test
    void notMultipartOrNoFilePartIsRefusedClearly() {
        Credential session = signedIn(createUser(0));

        Response json = post("/api/user/avatar/upload", "{\"file\": \"x\"}", session);
        Response noPart = postBytes("/api/user/avatar/upload",
                bytes("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nhello\r\n--" + BOUNDARY + "--\r\n"),
                "multipart/form-data; boundary=" + BOUNDARY, session);

        assertProblem(json, 415, "unsupported_media_type");
        assertThat(assertProblem(noPart, 400, "validation_failed").get("errors").get("file")).isNotNull();
    }

    @Test
    void aCookieUploadFromAnotherSiteIsRefused() {
        long id = createUser(0);
        Response refused = postBytesWithOrigin(multipart(png(10, 10), "a.png", "image/png"), signedIn(id), "https://evil.example");

        assertProblem(refused, 403, "csrf");
        assertThat(uploadKey(id)).isNull();
    }

    @Test
    void unknownKeysAndSizesAre404() {
        long id = createUser(0);
        assertThat(upload(png(20, 20), signedIn(id)).status()).isEqualTo(200);
        String key = uploadKey(id);

        assertProblem(get("/avatars/AAAAAAAAAAAAAAAAAAAAAA/256.png", Credential.NONE), 404, "not_found");
        assertProblem(get("/avatars/" + key + "/100.png", Credential.NONE), 404, "not_found");
        assertProblem(get("/avatars/" + key + "/big.png", Credential.NONE), 404, "not_found");
        assertProblem(get("/avatars/not.a.key/256.png", Credential.NONE), 404, "not_found");
        assertThat(get("/avatars/" + key + "/64.png", Credential.NONE).status()).isEqualTo(200);
    }

    @Test
    void uploadsAreRateLimitedPerUser() {
        Credential session = signedIn(createUser(0));

        // The limit is counted before the body is read, so refused bodies count too.
        for (int i = 0; i < 20; i++) {
            assertThat(upload(bytes("not an image"), session).status()).isEqualTo(415);
        }
        Response limited = upload(png(10, 10), session);

        assertProblem(limited, 429, "rate_limited");
        assertThat(limited.header("Retry-After")).isNotNull();
    }

    @Test
    void bothEndpointsAreInTheOpenApiDocument() {
        JsonNode paths = get("/v3/api-docs", Credential.NONE).json().get("paths");

        assertThat(paths.get("/api/user/avatar/upload").get("post").get("requestBody").get("content")
                .get("multipart/form-data")).isNotNull();
        assertThat(paths.get("/api/user/avatar/from-url").get("post")).isNotNull();
    }

    @Test
    void jsonEndpointsStillAnswerJsonWhenXmlIsAsked() {
        Credential session = signedIn(createUser(0));

        Response user = get("/api/user", session, "Accept", "application/xml");
        Response v1 = get("/v1/users/me", session, "Accept", "application/xml");

        assertThat(user.header("Content-Type")).doesNotContain("xml");
        assertThat(v1.header("Content-Type")).doesNotContain("xml");
    }
}
