package dev.portal.platform;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The description at /v3/api-docs: what Portal is and the two ways to authenticate. */
@Configuration(proxyBeanMethods = false)
class OpenApiConfig {
    @Bean
    OpenAPI portalOpenApi() {
        return new OpenAPI()
                .info(new Info().title("Portal API").version("v1")
                        .description("Account service for community platforms. v1 is snake_case with integer ids and "
                                + "ISO-8601 UTC timestamps. Errors are RFC 9457 problem details with a stable `code`."))
                .components(new Components()
                        .addSecuritySchemes("psession", new SecurityScheme().type(SecurityScheme.Type.APIKEY)
                                .in(SecurityScheme.In.COOKIE).name("psession")
                                .description("The session cookie set by sign-in."))
                        .addSecuritySchemes("bearer", new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                                .description("A personal access token (ptl_...).")))
                .addSecurityItem(new SecurityRequirement().addList("psession"))
                .addSecurityItem(new SecurityRequirement().addList("bearer"));
    }
}
