package dev.portal.platform;

import java.util.Locale;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * {@code PORTAL_LOG_FORMAT}: {@code text} (the default, Spring Boot's console pattern) or {@code json}, Spring
 * Boot's structured logging in Elastic Common Schema, one JSON object a line for a log pipeline. Runs before
 * logging starts, which is why it is a post-processor and not a property of {@link PortalProperties}.
 */
public class LogFormat implements EnvironmentPostProcessor {
    static final String PROPERTY = "portal.log-format";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        String format = environment.getProperty(PROPERTY, "text").trim().toLowerCase(Locale.ROOT);
        switch (format) {
            case "text", "" -> {
            }
            case "json" -> environment.getPropertySources().addFirst(new MapPropertySource("portalLogFormat",
                    Map.of("logging.structured.format.console", "ecs")));
            default -> throw new IllegalArgumentException(
                    "PORTAL_LOG_FORMAT must be text or json, not '" + format + "'");
        }
    }
}
