package dev.offload.api.security;

import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.web.authentication.AuthenticationConverter;
import org.springframework.security.web.firewall.RequestRejectedException;

/**
 * Reads the API key of a request from its {@code X-API-Key} header. A request without the
 * header is left to the other ways of signing in. A header that cannot be a key is
 * refused before anything is hashed (401): sent more than once, empty, longer than
 * {@value ApiKeys#MAX_LENGTH} characters, or holding a control character such as CR or LF
 * (Spring Security's firewall refuses to even read such a value; that, too, is a bad key
 * here rather than an error).
 */
class ApiKeyAuthenticationConverter implements AuthenticationConverter {

	@Override
	public ApiKeyAuthenticationToken convert(HttpServletRequest request) {
		List<String> values;
		try {
			Enumeration<String> headers = request.getHeaders(ApiKeys.HEADER);
			values = (headers != null) ? Collections.list(headers) : List.of();
		}
		catch (RequestRejectedException ex) {
			throw new BadCredentialsException("The API key holds characters that are not allowed in a header");
		}
		if (values.isEmpty()) {
			return null;
		}
		if (values.size() > 1) {
			throw new BadCredentialsException("More than one API key was sent");
		}
		String key = values.get(0);
		if (key.isEmpty() || key.length() > ApiKeys.MAX_LENGTH || key.chars().anyMatch(Character::isISOControl)) {
			throw new BadCredentialsException("The API key is empty, too long or holds control characters");
		}
		return ApiKeyAuthenticationToken.unauthenticated(key);
	}

}
