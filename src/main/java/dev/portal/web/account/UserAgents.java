package dev.portal.web.account;

import java.util.List;
import java.util.regex.Pattern;

/** A short "Firefox on Linux" for a session's user agent: a few patterns, not a full parser. */
final class UserAgents {
    private record Rule(Pattern pattern, String name) {
    }

    // Order matters: Edge and Opera also say Chrome, Chrome also says Safari, Android also says Linux.
    private static final List<Rule> BROWSERS = List.of(
            new Rule(Pattern.compile("Edg(e|A|iOS)?/"), "Edge"),
            new Rule(Pattern.compile("OPR/|Opera"), "Opera"),
            new Rule(Pattern.compile("Firefox/|FxiOS/"), "Firefox"),
            new Rule(Pattern.compile("Chrome/|CriOS/|Chromium/"), "Chrome"),
            new Rule(Pattern.compile("Safari/"), "Safari"),
            new Rule(Pattern.compile("^curl/"), "curl"));
    private static final List<Rule> SYSTEMS = List.of(
            new Rule(Pattern.compile("Android"), "Android"),
            new Rule(Pattern.compile("iPhone|iPad|iPod"), "iOS"),
            new Rule(Pattern.compile("Windows"), "Windows"),
            new Rule(Pattern.compile("Mac OS X|Macintosh"), "macOS"),
            new Rule(Pattern.compile("CrOS"), "ChromeOS"),
            new Rule(Pattern.compile("Linux|X11"), "Linux"));

    private UserAgents() {
    }

    static String describe(String userAgent) {
        if (userAgent == null || userAgent.isBlank()) {
            return "Unknown device";
        }
        String browser = first(BROWSERS, userAgent);
        String system = first(SYSTEMS, userAgent);
        if (browser == null && system == null) {
            return "Unknown browser";
        }
        if (browser == null) {
            return "A browser on " + system;
        }
        return system == null ? browser : browser + " on " + system;
    }

    private static String first(List<Rule> rules, String userAgent) {
        return rules.stream().filter(r -> r.pattern().matcher(userAgent).find()).map(Rule::name).findFirst().orElse(null);
    }
}
