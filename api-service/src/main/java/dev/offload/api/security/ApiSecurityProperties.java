package dev.offload.api.security;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Who may call the API and how they sign in ({@code offload.api.security.*}).
 *
 * <p>
 * The users' API keys are checked when the properties are bound, so a misconfigured key
 * stops the service at start-up: every key must carry a known encoding prefix, a
 * {@code {noop}} key must be at least {@value ApiKeys#MIN_PLAIN_LENGTH} characters long,
 * and no key may be configured twice (for one user or two). The messages name the
 * property, never the key.
 *
 * @param mode {@code local}: HTTP Basic or an API key against {@code users} (local runs
 * and tests); {@code jwt}: an OAuth2 resource server accepting bearer JWTs from the
 * issuer configured with {@code spring.security.oauth2.resourceserver.jwt.*} (production)
 * @param users the local users; the ones shipped in {@code application.yaml} exist
 * outside the {@code prod} profile only. A deployment in local mode supplies its own
 * ({@code OFFLOAD_API_SECURITY_USERS_0_USERNAME}, ...)
 * @param jwt where the owner and roles are found in a token's claims
 * @param rateLimit the per-user request rate limit
 * @param signInLimit the per-address limit of failed sign-ins
 * @param maxRequestBody the largest request body accepted (413 beyond it); a report
 * request is well under 1 KB
 * @param maxBatchRequestBody the largest body of {@code POST /api/batches}, whose list of
 * parameter sets may hold up to {@code offload.api.batches.max-reports} entries
 */
@ConfigurationProperties("offload.api.security")
@Validated
public record ApiSecurityProperties(@DefaultValue("local") @NotNull Mode mode, @DefaultValue List<@Valid User> users,
		@DefaultValue @Valid @NotNull Jwt jwt, @DefaultValue @Valid @NotNull RateLimit rateLimit,
		@DefaultValue @Valid @NotNull SignInLimit signInLimit, @DefaultValue("64KB") @NotNull DataSize maxRequestBody,
		@DefaultValue("16MB") @NotNull DataSize maxBatchRequestBody) {

	public ApiSecurityProperties {
		if (users != null) {
			ApiKeys.configured(users);
		}
	}

	/** How callers sign in. */
	public enum Mode {

		/** HTTP Basic or an API key against the configured users. */
		LOCAL,

		/** Bearer JWTs from an OAuth2 issuer. */
		JWT

	}

	/**
	 * One local user.
	 *
	 * @param username the name to sign in with; also the stable id reports are owned by
	 * @param password the password, with a {@code {id}} prefix naming its encoding:
	 * {@code {bcrypt}...}, or {@code {noop}...} for plain text in local runs
	 * @param email where notifications about the user's reports go
	 * @param roles the user's roles, without the {@code ROLE_} prefix
	 * @param apiKeys the user's API keys (none by default), sent as {@code X-API-Key}
	 * instead of the password, each with a {@code {id}} prefix naming its encoding:
	 * {@code {sha256}} followed by the 64 hex digits of the SHA-256 digest of the key's
	 * UTF-8 bytes in a deployment, or {@code {noop}} followed by the key itself (at least
	 * {@value ApiKeys#MIN_PLAIN_LENGTH} characters) for local runs. See {@link ApiKeys}
	 * for why a plain SHA-256 digest rather than bcrypt
	 */
	public record User(
			@NotBlank @Pattern(regexp = "[^:\\s\\p{Cntrl}]{1,255}",
					message = "must be at most 255 characters without ':', spaces or control characters (owner ids "
							+ "of JWT users start with 'jwt:', so none can equal a local user's)") String username,
			@NotBlank String password, @NotBlank @Email String email, @DefaultValue("USER") Set<String> roles,
			@DefaultValue List<String> apiKeys) {

	}

	/**
	 * The claims of a JWT that name its owner ({@code offload.api.security.jwt.*}). A
	 * token without a usable user id is refused (401). Its owner id is the user id claim
	 * prefixed with {@code jwt:}, so no subject can equal a local user's name (which has
	 * no colon) and see that user's reports. The token's audience must include one of
	 * {@code spring.security.oauth2.resourceserver.jwt.audiences}.
	 *
	 * @param userIdClaim the claim holding the user's stable id (default {@code sub})
	 * @param emailClaim the claim holding the user's email address (default
	 * {@code email})
	 * @param emailVerifiedClaim the claim that is {@code true} when the issuer has
	 * verified the address (default {@code email_verified}, as OpenID Connect names it)
	 * @param emailClaimTrusted whether every address in {@code emailClaim} counts as
	 * verified: for an issuer that only issues addresses it owns (a company directory),
	 * or a claim the operator names for that purpose
	 * @param unverifiedEmail what happens to a token whose address is not verified: it is
	 * refused (401, the default), or its user signs in and gets no email
	 * @param rolesClaim the claim holding the user's roles, a list or a space-separated
	 * string, mapped to {@code ROLE_<role>} (default {@code roles}; {@code ADMIN} may use
	 * the admin operations)
	 */
	public record Jwt(@DefaultValue("sub") @NotBlank String userIdClaim,
			@DefaultValue("email") @NotBlank String emailClaim,
			@DefaultValue("email_verified") @NotBlank String emailVerifiedClaim,
			@DefaultValue("false") boolean emailClaimTrusted,
			@DefaultValue("refuse") @NotNull UnverifiedEmail unverifiedEmail,
			@DefaultValue("roles") @NotBlank String rolesClaim) {

	}

	/** What becomes of a JWT whose email address the issuer has not verified. */
	public enum UnverifiedEmail {

		/** The token is refused (401). */
		REFUSE,

		/** The user signs in; their reports send no email. */
		WITHOUT_EMAIL

	}

	/**
	 * A token bucket per user ({@code offload.api.security.rate-limit.*}), shared by
	 * every replica (kept in PostgreSQL): a user may make {@code capacity} requests at
	 * once, then one more every {@code refill-period}; beyond that the answer is 429 with
	 * {@code Retry-After}. A request without a user (a signed download link, the public
	 * catalogue) is counted by its client address.
	 *
	 * <p>
	 * A replica checks a user's bucket in the database on the user's first request, and
	 * then again only once it has let {@code unsynced-requests} more through on its own
	 * copy of the bucket, or once {@code unsynced-time} has passed since it last checked:
	 * until then it takes tokens, and refuses, without a round trip. Every replica's
	 * requests are counted in the shared bucket at each check, so a user may get about
	 * {@code unsynced-requests} more per replica than the limit (see {@code RateLimits}
	 * for the few more a replica short of memory may let through). {@code
	 * unsynced-requests: 0} checks the database on every request; by default it is a
	 * tenth of the burst (6 of 60).
	 *
	 * @param enabled whether requests are limited
	 * @param capacity the burst a user may make at once
	 * @param refillPeriod the time in which one request is given back
	 * @param unsyncedRequests how many requests a replica may let through between two
	 * checks of a user's bucket in the database; 0 to check it on every request; at most
	 * {@code capacity}; by default a tenth of {@code capacity}, rounded down
	 * @param unsyncedTime how long a replica may go on without checking a user's bucket
	 * in the database
	 */
	public record RateLimit(@DefaultValue("true") boolean enabled, @DefaultValue("60") @Min(1) int capacity,
			@DefaultValue("100ms") @NotNull Duration refillPeriod, @Min(0) Integer unsyncedRequests,
			@DefaultValue("1s") @NotNull Duration unsyncedTime) {

		public RateLimit {
			if (unsyncedRequests == null) {
				unsyncedRequests = capacity / 10;
			}
			if (capacity >= 1 && unsyncedRequests > capacity) {
				throw new IllegalArgumentException("offload.api.security.rate-limit.unsynced-requests ("
						+ unsyncedRequests + ") must not be more than its capacity (" + capacity
						+ "): each replica could let a user go that far beyond the limit");
			}
			if (unsyncedTime != null && (unsyncedTime.isNegative() || unsyncedTime.isZero())) {
				throw new IllegalArgumentException(
						"offload.api.security.rate-limit.unsynced-time must be positive, not " + unsyncedTime);
			}
		}

	}

	/**
	 * A token bucket of failed sign-ins per client address
	 * ({@code offload.api.security.sign-in-limit.*}), shared by every replica: an address
	 * may get its password or API key wrong {@code capacity} times at once, then once
	 * more every {@code refill-period}; beyond that its sign-ins are refused with 429
	 * before any credential is checked, however correct. The client address is the TCP
	 * peer, or the address a trusted proxy forwarded
	 * ({@code server.forward-headers-strategy=native} with
	 * {@code server.tomcat.remoteip.internal-proxies}).
	 *
	 * @param enabled whether failed sign-ins are limited
	 * @param capacity the failures an address may have at once
	 * @param refillPeriod the time in which one failure is forgiven
	 */
	public record SignInLimit(@DefaultValue("true") boolean enabled, @DefaultValue("10") @Min(1) int capacity,
			@DefaultValue("1m") @NotNull Duration refillPeriod) {

	}

}
