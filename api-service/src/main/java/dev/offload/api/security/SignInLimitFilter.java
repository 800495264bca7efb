package dev.offload.api.security;

import java.io.IOException;
import java.time.Duration;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * Limits failed sign-ins per client address with {@link RateLimits}, before
 * authentication: a request carrying a password or an API key from an address that has
 * used up its failures is refused with 429 before its credentials are checked (so a
 * correct guess is not told apart, and no bcrypt is spent on it). The failures themselves
 * are counted by {@link #countingFailures}, which wraps the entry point every
 * authentication failure goes through.
 */
class SignInLimitFilter extends OncePerRequestFilter {

	private static final String DETAIL = "Too many failed sign-ins from this address; try again after the time in "
			+ "Retry-After";

	private static final String TITLE = "Too many failed sign-ins";

	private final RateLimits limits;

	private final HandlerExceptionResolver exceptionResolver;

	SignInLimitFilter(RateLimits limits, HandlerExceptionResolver exceptionResolver) {
		this.limits = limits;
		this.exceptionResolver = exceptionResolver;
	}

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		try {
			String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
			boolean password = authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6);
			return !password && request.getHeader(ApiKeys.HEADER) == null;
		}
		catch (RequestRejectedException ex) {
			// A credential header the firewall refuses to read: a sign-in attempt all
			// the same (the authentication filters answer it with 401).
			return false;
		}
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		Duration wait = this.limits.signInBlocked(request.getRemoteAddr());
		if (wait.isZero()) {
			chain.doFilter(request, response);
			return;
		}
		this.exceptionResolver.resolveException(request, response, null,
				RateLimitFilter.tooManyRequests(wait, TITLE, DETAIL));
	}

	/**
	 * An entry point that counts each wrong password or API key against its address
	 * first, and answers 429 instead of 401 to the failure that uses up the last one.
	 * @param limits the limits
	 * @param entryPoint the entry point that answers 401
	 * @param exceptionResolver how the 429 is written
	 * @return the counting entry point
	 */
	static AuthenticationEntryPoint countingFailures(RateLimits limits, AuthenticationEntryPoint entryPoint,
			HandlerExceptionResolver exceptionResolver) {
		return (request, response, ex) -> {
			if (isWrongCredential(ex)) {
				Duration wait = limits.signInFailed(request.getRemoteAddr());
				if (!wait.isZero()) {
					exceptionResolver.resolveException(request, response, null,
							RateLimitFilter.tooManyRequests(wait, TITLE, DETAIL));
					return;
				}
			}
			entryPoint.commence(request, response, ex);
		};
	}

	/** A password or API key that was checked and did not match (not a missing one). */
	private static boolean isWrongCredential(AuthenticationException ex) {
		return ex instanceof BadCredentialsException || ex.getCause() instanceof BadCredentialsException;
	}

}
