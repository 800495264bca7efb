package dev.offload.api.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Answers a request whose path holds a {@code %} that does not start a valid {@code %XX}
 * escape (such as {@code /api/;%zz}) with a 400 problem detail, before anything else
 * looks at it. Spring parses the path in front of the security filters and again while
 * writing any response, and throws on such an escape, which would surface as a 500; so
 * this filter runs first and writes its answer itself.
 */
class MalformedPathFilter extends OncePerRequestFilter {

	private static final Pattern BAD_ESCAPE = Pattern.compile("%(?![0-9A-Fa-f]{2})");

	private static final byte[] PROBLEM = """
			{"type":"about:blank","title":"Malformed request path","status":400,\
			"detail":"The request path is not correctly encoded: every '%' must start a valid %XX escape"}"""
		.getBytes(StandardCharsets.UTF_8);

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String uri = request.getRequestURI();
		if (uri != null && BAD_ESCAPE.matcher(uri).find()) {
			response.setStatus(HttpStatus.BAD_REQUEST.value());
			response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
			response.setContentLength(PROBLEM.length);
			response.getOutputStream().write(PROBLEM);
			return;
		}
		chain.doFilter(request, response);
	}

}
