package dev.portal.signin;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import dev.portal.identity.Platform;
import org.springframework.stereotype.Component;

/** Every platform strategy there is, and which of them this Portal offers. */
@Component
public class SigninProviders {
    private final List<SigninProvider> all;

    SigninProviders(List<SigninProvider> providers) {
        this.all = providers.stream().sorted(Comparator.comparing(SigninProvider::platform)).toList();
    }

    /** The offered provider for a platform key as it appears in a URL. */
    Optional<SigninProvider> offered(String platformKey) {
        return all.stream().filter(p -> p.platform().key().equals(platformKey) && p.offered()).findFirst();
    }

    /** The provider of a platform, offered or not. */
    Optional<SigninProvider> of(Platform platform) {
        return all.stream().filter(p -> p.platform() == platform).findFirst();
    }

    List<SigninProvider> offered() {
        return all.stream().filter(SigninProvider::offered).toList();
    }

    public List<Platform> offeredPlatforms() {
        return offered().stream().map(SigninProvider::platform).toList();
    }

    public Set<Platform> offeredSet() {
        return offeredPlatforms().stream().collect(Collectors.toUnmodifiableSet());
    }
}
