package dev.portal.platform;

import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code PORTAL_LOG_FORMAT}: text is Spring Boot's pattern, json its ECS structured logging, and anything
 * else stops the start with a message naming the setting (the JSON lines themselves: StructuredLogTest).
 */
class LogFormatTest {
    private static MockEnvironment processed(String format) {
        MockEnvironment environment = new MockEnvironment();
        if (format != null) {
            environment.setProperty("portal.log-format", format);
        }
        new LogFormat().postProcessEnvironment(environment, null);
        return environment;
    }

    @Test
    void textIsTheDefaultAndJsonIsEcs() {
        assertThat(processed(null).getProperty("logging.structured.format.console")).isNull();
        assertThat(processed("text").getProperty("logging.structured.format.console")).isNull();
        assertThat(processed("JSON ").getProperty("logging.structured.format.console")).isEqualTo("ecs");
    }

    @Test
    void anythingElseStopsTheStart() {
        assertThatThrownBy(() -> processed("xml")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PORTAL_LOG_FORMAT").hasMessageContaining("xml");
    }
}
