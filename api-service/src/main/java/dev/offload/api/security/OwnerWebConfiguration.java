package dev.offload.api.security;

import java.util.List;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Lets controllers take the caller's {@link dev.offload.model.Owner} as a parameter.
 */
@Configuration(proxyBeanMethods = false)
class OwnerWebConfiguration implements WebMvcConfigurer {

	@Override
	public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
		resolvers.add(new OwnerArgumentResolver());
	}

}
