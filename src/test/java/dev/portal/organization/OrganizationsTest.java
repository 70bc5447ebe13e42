package dev.portal.organization;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Seed 004's organizations: listing the caller's memberships, creating one, and leaving them all. */
class OrganizationsTest extends PortalTest {
    private static final String PATH = "/api/user/organizations";

    @Autowired
    OrganizationService organizations;
    @Autowired
    TransactionTemplate transaction;

    private static String slug(String stem) {
        return (stem + "-" + unique("s")).toLowerCase().replace('_', '-').replaceAll("-+", "-");
    }

    private static String body(String name, String slug) {
        return "{\"name\": " + (name == null ? "null" : "\"" + name + "\"") + ", \"slug\": "
                + (slug == null ? "null" : "\"" + slug + "\"") + "}";
    }

    @Test
    void aCreatedOrganizationIsOwnedByItsCreatorAndListedInTheSeedShape() {
        long user = createUser(0);
        Credential me = signedIn(user);
        String slug = slug("acme");

        Response created = post(PATH, body("  Acme Labs  ", slug), me);

        assertThat(created.status()).as(created.body()).isEqualTo(201);
        JsonNode org = created.json();
        assertThat(org.get("id").isString()).isTrue();
        assertThat(org.get("name").stringValue()).isEqualTo("Acme Labs");
        assertThat(org.get("slug").stringValue()).isEqualTo(slug);
        assertThat(org.get("role").stringValue()).isEqualTo("owner");
        assertThat(org.get("createdAt").stringValue()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(org.get("joinedAt").stringValue()).isEqualTo(org.get("createdAt").stringValue());
        assertThat(org.propertyNames()).containsExactlyInAnyOrder("id", "name", "slug", "role", "createdAt", "joinedAt");

        post(PATH, body("Zebra Works", slug("zebra")), me);
        post(PATH, body("beta crew", slug("beta")), me);
        Response list = get(PATH, me);
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().valueStream().map(n -> n.get("name").stringValue()).toList())
                .containsExactly("Acme Labs", "beta crew", "Zebra Works");
        assertThat(list.json().get(0)).isEqualTo(org);

        assertThat(jdbc.sql("select count(*) from audit_events where action = 'organization_created' and actor_id = :id")
                .param("id", user).query(Integer.class).single()).isEqualTo(3);
        // Someone else sees none of them.
        assertThat(get(PATH, signedIn(createUser(0))).json().size()).isZero();
    }

    @Test
    void eachSlugRuleIsNamedUnderErrorsSlug() {
        Credential me = signedIn(createUser(0));
        Map<String, String> cases = Map.of(
                "ab", "must be 3-48 characters",
                "a".repeat(49), "must be 3-48 characters",
                "Acme-Labs", "must be lower case",
                "acme_labs", "may contain only lower-case letters a-z, digits and hyphens",
                "acmé", "may contain only lower-case letters a-z, digits and hyphens",
                "-acme", "may not start or end with a hyphen",
                "acme-", "may not start or end with a hyphen",
                "ac--me", "may not contain two hyphens in a row",
                "admin", "is reserved",
                "api", "is reserved");
        cases.forEach((slug, message) -> {
            JsonNode problem = assertProblem(post(PATH, body("Fine name", slug), me), 400, "validation_failed");
            assertThat(problem.get("errors").get("slug").stringValue()).as(slug).isEqualTo(message);
            assertThat(problem.get("errors").has("name")).isFalse();
        });
        assertThat(assertProblem(post(PATH, "{\"name\": \"x\", \"slug\": 5}", me), 400, "validation_failed")
                .get("errors").get("slug").stringValue()).isEqualTo("must be a string");
        assertThat(post(PATH, body("Fine", "a1-b2-" + "c".repeat(42)), me).status()).isEqualTo(201);
    }

    @Test
    void nameRulesAndEveryFailingFieldAtOnce() {
        Credential me = signedIn(createUser(0));
        assertThat(assertProblem(post(PATH, body("   ", slug("n")), me), 400, "validation_failed")
                .get("errors").get("name").stringValue()).isEqualTo("must be 1-100 characters");
        assertThat(assertProblem(post(PATH, body("x".repeat(101), slug("n")), me), 400, "validation_failed")
                .get("errors").get("name").stringValue()).isEqualTo("must be 1-100 characters");
        assertThat(assertProblem(post(PATH, body("bad\\u0007name", slug("n")), me), 400, "validation_failed")
                .get("errors").get("name").stringValue()).isEqualTo("may not contain control characters");
        assertThat(assertProblem(post(PATH, body("bad\\nname", slug("n")), me), 400, "validation_failed")
                .get("errors").get("name").stringValue()).isEqualTo("may not contain control characters");
        JsonNode both = assertProblem(post(PATH, "{}", me), 400, "validation_failed").get("errors");
        assertThat(both.get("name").stringValue()).isEqualTo("is required");
        assertThat(both.get("slug").stringValue()).isEqualTo("is required");
        assertProblem(post(PATH, "[1]", me), 400, "invalid_body");
        // 100 characters counted as people count them (code points), after trimming.
        assertThat(post(PATH, body(" " + "é".repeat(50) + "😀".repeat(50) + " ", slug("n")), me).status()).isEqualTo(201);
    }

    @Test
    void aTakenSlugIsRefusedIgnoringCase() {
        String slug = slug("taken");
        assertThat(post(PATH, body("First", slug), signedIn(createUser(0))).status()).isEqualTo(201);
        Credential other = signedIn(createUser(0));
        JsonNode problem = assertProblem(post(PATH, body("Second", slug), other), 409, "slug_taken");
        assertThat(problem.get("errors").get("slug").stringValue()).isEqualTo("is taken");
        // Written in upper case in the database, as an operator might have: still the same slug.
        String upper = slug("upper");
        jdbc.sql("insert into organizations (name, slug, created_at) values ('Upper', :slug, now())")
                .param("slug", upper.toUpperCase()).update();
        assertProblem(post(PATH, body("Lower", upper), other), 409, "slug_taken");
        assertThat(get(PATH, other).json().size()).isZero();
    }

    @Test
    void twoCreatesOfOneSlugAtOnceGiveOneOrganization() throws Exception {
        String slug = slug("race");
        List<Credential> callers = List.of(signedIn(createUser(0)), signedIn(createUser(0)));
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Response>> answers = new ArrayList<>();
            for (Credential caller : callers) {
                answers.add(pool.submit((Callable<Response>) () -> {
                    start.await();
                    return post(PATH, body("Race", slug), caller);
                }));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Response> answer : answers) {
                Response r = answer.get();
                statuses.add(r.status());
                if (r.status() == 409) {
                    assertProblem(r, 409, "slug_taken");
                }
            }
            assertThat(statuses).containsExactlyInAnyOrder(201, 409);
        } finally {
            pool.shutdownNow();
        }
        assertThat(jdbc.sql("select count(*) from organizations where lower(slug) = :slug").param("slug", slug)
                .query(Integer.class).single()).isEqualTo(1);
    }

    @Test
    void aUserCreatesAtMostFifty() {
        long user = createUser(0);
        Credential me = signedIn(user);
        // 49 made directly, as many creates would have made them.
        for (int i = 0; i < OrganizationService.MAX_CREATED_PER_USER - 1; i++) {
            jdbc.sql("insert into organizations (name, slug, created_by, created_at) values ('Bulk', :slug, :by, now())")
                    .param("slug", slug("bulk")).param("by", user).update();
        }
        assertThat(post(PATH, body("Fiftieth", slug("fifty")), me).status()).isEqualTo(201);
        assertProblem(post(PATH, body("Fifty-first", slug("fiftyone")), me), 409, "organization_limit");
    }

    @Test
    void sessionOnlyCookieFromThisSiteOnly() {
        long user = createUser(0);
        Credential bearer = Credential.bearer(apiTokenService.create(user, "bot", null, "127.0.0.1").value());
        assertProblem(get(PATH, bearer), 403, "session_required");
        assertProblem(post(PATH, body("Bot org", slug("bot")), bearer), 403, "session_required");
        assertProblem(get(PATH, Credential.NONE), 401, "unauthenticated");
        assertProblem(post(PATH, body("Anon", slug("anon")), Credential.NONE), 401, "unauthenticated");
        String slug = slug("csrf");
        assertProblem(post(PATH, body("Evil", slug), signedIn(user), "Origin", "https://evil.example"), 403, "csrf");
        assertProblem(post(PATH, body("Evil", slug), signedIn(user), "Sec-Fetch-Site", "cross-site"), 403, "csrf");
        assertThat(get(PATH, signedIn(user)).json().size()).isZero();
    }

    // ---- leaving every organization (account deletion) ----

    private long organization(String name) {
        return jdbc.sql("insert into organizations (name, slug, created_at) values (:name, :slug, now()) returning id")
                .param("name", name).param("slug", slug("m")).query(Long.class).single();
    }

    private void member(long org, long user, String role, Instant joined) {
        jdbc.sql("""
                insert into organization_members (organization_id, user_id, role, joined_at)
                values (:org, :user, :role, :joined)
                """).param("org", org).param("user", user).param("role", role)
                .param("joined", java.time.OffsetDateTime.ofInstant(joined, java.time.ZoneOffset.UTC)).update();
    }

    private String roleOf(long org, long user) {
        return jdbc.sql("select role from organization_members where organization_id = :org and user_id = :user")
                .param("org", org).param("user", user).query(String.class).optional().orElse(null);
    }

    private boolean exists(long org) {
        return jdbc.sql("select count(*) from organizations where id = :id").param("id", org).query(Integer.class).single() == 1;
    }

    @Test
    void removeMemberPassesSoleOwnershipToTheOldestAdminOrDeletesTheOrganization() {
        Instant t = Instant.parse("2025-01-01T00:00:00Z");
        long leaving = createUser(0);
        long oldAdmin = createUser(0);
        long newAdmin = createUser(0);
        long plain = createUser(0);
        long coOwner = createUser(0);

        long withAdmins = organization("With admins");
        member(withAdmins, leaving, "owner", t);
        member(withAdmins, plain, "member", t.minusSeconds(100));
        member(withAdmins, newAdmin, "admin", t.plusSeconds(20));
        member(withAdmins, oldAdmin, "admin", t.plusSeconds(10));

        long withoutAdmin = organization("Members only");
        member(withoutAdmin, leaving, "owner", t);
        member(withoutAdmin, plain, "member", t);

        long coOwned = organization("Co-owned");
        member(coOwned, leaving, "owner", t);
        member(coOwned, coOwner, "owner", t.plusSeconds(5));
        member(coOwned, oldAdmin, "admin", t.plusSeconds(1));

        long justMember = organization("Just a member");
        member(justMember, coOwner, "owner", t);
        member(justMember, leaving, "member", t);

        transaction.executeWithoutResult(status -> organizations.removeMember(leaving));

        assertThat(roleOf(withAdmins, oldAdmin)).isEqualTo("owner");
        assertThat(roleOf(withAdmins, newAdmin)).isEqualTo("admin");
        assertThat(roleOf(withAdmins, plain)).isEqualTo("member");
        assertThat(exists(withoutAdmin)).isFalse();
        assertThat(roleOf(withoutAdmin, plain)).isNull();
        assertThat(roleOf(coOwned, coOwner)).isEqualTo("owner");
        assertThat(roleOf(coOwned, oldAdmin)).isEqualTo("admin");
        assertThat(exists(justMember)).isTrue();
        assertThat(jdbc.sql("select count(*) from organization_members where user_id = :id").param("id", leaving)
                .query(Integer.class).single()).isZero();
    }

    @Test
    void removeMemberNeedsTheCallersTransaction() {
        long user = createUser(0);
        assertThatThrownBy(() -> organizations.removeMember(user)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void deletingAUserInSqlTakesTheirMembershipsWithIt() {
        long user = createUser(0);
        Response created = post(PATH, body("Short lived", slug("gone")), signedIn(user));
        long org = Long.parseLong(created.json().get("id").stringValue());
        jdbc.sql("delete from users where id = :id").param("id", user).update();
        assertThat(roleOf(org, user)).isNull();
        assertThat(jdbc.sql("select created_by from organizations where id = :id").param("id", org)
                .query(Long.class).optional()).isEmpty();
    }
}
