package dev.portal.web.account;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading and filling page forms in tests: the form token, url-encoded bodies. */
final class PageForms {
    static final String FORM = "application/x-www-form-urlencoded";
    private static final Pattern FORM_TOKEN = Pattern.compile("name=\"_form\" value=\"([^\"]+)\"");

    private PageForms() {
    }

    static String formToken(String html) {
        Matcher m = FORM_TOKEN.matcher(html);
        assertThat(m.find()).as("a form token in the page").isTrue();
        return m.group(1);
    }

    /** {@code name=value&...} with each value encoded; pairs of name and value. */
    static String body(String... pairs) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            if (!out.isEmpty()) {
                out.append('&');
            }
            out.append(pairs[i]).append('=').append(URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
        }
        return out.toString();
    }
}
