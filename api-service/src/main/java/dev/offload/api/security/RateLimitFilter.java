package dev.offload.api.security;

import java.io.IOException;
import java.time.Duration;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * Limits each user's request rate on {@code /api/**} with {@link RateLimits}: beyond it
 * the answer is a 429 problem detail with {@code Retry-After}, before any work is done.
 * Runs after authentication, so the bucket is the authenticated user's; a request without
 * a user (the public catalogue, a signed download link) is counted by its client address.
 */
class RateLimitFilter extends OncePerRequestFilter {

	private final RateLimits limits;

	private final HandlerExceptionResolver exceptionResolver;

	RateLimitFilter(RateLimits limits, HandlerExceptionResolver exceptionResolver) {
		this.limits = limits;
		this.exceptionResolver = exceptionResolver;
	}

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		return !request.getRequestURI().startsWith("/api/");
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		Duration wait = this.limits.acquireRequest(key(request));
		if (wait.isZero()) {
			chain.doFilter(request, response);
			return;
		}
		this.exceptionResolver.resolveException(request, response, null, tooManyRequests(wait));
	}

	private static String key(HttpServletRequest request) {
		Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
		if (authentication != null && authentication.isAuthenticated()
				&& !(authentication instanceof AnonymousAuthenticationToken)) {
			return "user:" + authentication.getName();
		}
		return "address:" + request.getRemoteAddr();
	}

	static ErrorResponseException tooManyRequests(Duration wait) {
		return tooManyRequests(wait, "Rate limit exceeded",
				"Too many requests; slow down and try again after the time in Retry-After");
	}

	static ErrorResponseException tooManyRequests(Duration wait, String title, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS, detail);
		problem.setTitle(title);
		ErrorResponseException exception = new ErrorResponseException(HttpStatus.TOO_MANY_REQUESTS, problem, null);
		long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
		exception.getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
		return exception;
	}

}
