package dev.offload.api.security;

import dev.offload.model.Owner;

import org.springframework.core.MethodParameter;
import org.springframework.security.authentication.AuthenticationCredentialsNotFoundException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

/**
 * Supplies an {@link Owner} handler-method parameter from the authenticated principal, so
 * a controller cannot take the owner from anywhere else.
 */
class OwnerArgumentResolver implements HandlerMethodArgumentResolver {

	@Override
	public boolean supportsParameter(MethodParameter parameter) {
		return Owner.class.equals(parameter.getParameterType());
	}

	@Override
	public Owner resolveArgument(MethodParameter parameter, ModelAndViewContainer mavContainer,
			NativeWebRequest webRequest, WebDataBinderFactory binderFactory) {
		Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
		if (authentication != null && authentication.isAuthenticated()
				&& authentication.getPrincipal() instanceof OwnerPrincipal principal) {
			return principal.owner();
		}
		throw new AuthenticationCredentialsNotFoundException("No authenticated owner for this request");
	}

}
