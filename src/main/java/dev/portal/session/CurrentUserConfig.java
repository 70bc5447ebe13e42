package dev.portal.session;

import java.util.List;

import dev.portal.platform.ApiProblem;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * A handler parameter of type {@link Authentication} makes the endpoint require a caller (401 without); an
 * impersonation session is kept off governance endpoints ({@link ImpersonationGuard}).
 */
@Configuration(proxyBeanMethods = false)
class CurrentUserConfig implements WebMvcConfigurer {
    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new ImpersonationGuard());
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(new HandlerMethodArgumentResolver() {
            @Override
            public boolean supportsParameter(MethodParameter parameter) {
                return parameter.getParameterType() == Authentication.class;
            }

            @Override
            public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer mav, NativeWebRequest web,
                    WebDataBinderFactory binders) {
                Authentication auth = Authentication.of(web.getNativeRequest(HttpServletRequest.class));
                if (auth == null && !parameter.isOptional()) {
                    throw ApiProblem.unauthenticated();
                }
                return auth;
            }
        });
    }
}
