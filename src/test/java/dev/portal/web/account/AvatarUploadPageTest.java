package dev.portal.web.account;

import java.io.ByteArrayOutputStream;

import dev.portal.support.AvatarFixtures;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The avatar upload form on /account: multipart with the form token, errors under the file field. */
class AvatarUploadPageTest extends AvatarFixtures {
    /** The form as a browser sends it: the _form field, then the file part. */
    private static byte[] form(String token, byte[] file) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (token != null) {
            body.writeBytes(bytes("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"_form\"\r\n\r\n" + token + "\r\n"));
        }
        body.writeBytes(multipart(file, "me.png", "image/png"));
        return body.toByteArray();
    }

    @Test
    void anUploadThroughThePageBecomesTheAvatar() {
        long id = createUser(0);
        linkDiscord(id, uniqueDiscordId(), unique("disc"));
        Credential me = signedIn(id);
        String page = get("/account", me).body();
        assertThat(page).contains("enctype=\"multipart/form-data\"", "accept=\"image/png,image/jpeg,image/gif,image/webp\"",
                "<label for=\"file\">Upload an avatar");
        Response uploaded = postBytes("/account/avatar", form(PageForms.formToken(page), png(64, 64)),
                "multipart/form-data; boundary=" + BOUNDARY, me);
        assertThat(uploaded.status()).as(uploaded.body()).isEqualTo(302);
        assertThat(uploaded.header("Location")).endsWith("/account?flash=avatar_saved");
        assertThat(uploadKey(id)).isNotNull();
        assertThat(get("/account", me).body()).contains("value=\"upload\"", "Your upload");
    }

    @Test
    void anUploadWithoutTheFormTokenIsRefused() {
        long id = createUser(0);
        Credential me = signedIn(id);
        Response refused = postBytes("/account/avatar", form(null, png(64, 64)), "multipart/form-data; boundary=" + BOUNDARY, me);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(uploadKey(id)).isNull();
    }

    @Test
    void aFileThatIsNoImageIsShownUnderTheField() {
        long id = createUser(0);
        Credential me = signedIn(id);
        String token = PageForms.formToken(get("/account", me).body());
        Response refused = postBytes("/account/avatar", form(token, bytes("not an image at all")),
                "multipart/form-data; boundary=" + BOUNDARY, me);
        assertThat(refused.status()).isBetween(400, 415);
        assertThat(refused.header("Content-Type")).startsWith("text/html");
        assertThat(refused.body()).contains("id=\"file-error\"", "aria-invalid=\"true\"", "<h1>Your account</h1>");
        assertThat(uploadKey(id)).isNull();
    }
}
