package dev.offload.api.security;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Who may call the API and how they sign in ({@code offload.api.security.*}).
 *
 * @param mode {@code local}: HTTP Basic against {@code users} (local runs and tests);
 * {@code jwt}: an OAuth2 resource server accepting bearer JWTs from the issuer configured
 * with {@code spring.security.oauth2.resourceserver.jwt.*} (production)
 * @param users the local users; the ones shipped in {@code application.yaml} exist
 * outside the {@code prod} profile only. A deployment in local mode supplies its own
 * ({@code OFFLOAD_API_SECURITY_USERS_0_USERNAME}, ...)
 * @param jwt where the owner and roles are found in a token's claims
 * @param rateLimit the per-user request rate limit
 * @param maxRequestBody the largest request body accepted (413 beyond it); a report
 * request is well under 1 KB
 */
@ConfigurationProperties("offload.api.security")
@Validated
public record ApiSecurityProperties(@DefaultValue("local") @NotNull Mode mode, @DefaultValue List<@Valid User> users,
		@DefaultValue @Valid @NotNull Jwt jwt, @DefaultValue @Valid @NotNull RateLimit rateLimit,
		@DefaultValue("64KB") @NotNull DataSize maxRequestBody) {

	/** How callers sign in. */
	public enum Mode {

		/** HTTP Basic against the configured users. */
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
	 */
	public record User(@NotBlank String username, @NotBlank String password, @NotBlank @Email String email,
			@DefaultValue("USER") Set<String> roles) {

	}

	/**
	 * The claims of a JWT that name its owner ({@code offload.api.security.jwt.*}). A
	 * token without a usable user id or email is refused (401).
	 *
	 * @param userIdClaim the claim holding the user's stable id (default {@code sub})
	 * @param emailClaim the claim holding the user's email address (default
	 * {@code email})
	 * @param rolesClaim the claim holding the user's roles, a list or a space-separated
	 * string, mapped to {@code ROLE_<role>} (default {@code roles}; {@code ADMIN} may use
	 * the admin operations)
	 */
	public record Jwt(@DefaultValue("sub") @NotBlank String userIdClaim,
			@DefaultValue("email") @NotBlank String emailClaim, @DefaultValue("roles") @NotBlank String rolesClaim) {

	}

	/**
	 * A token bucket per user ({@code offload.api.security.rate-limit.*}): a user may
	 * make {@code capacity} requests at once, then one more every {@code refill-period};
	 * beyond that the answer is 429 with {@code Retry-After}.
	 *
	 * @param enabled whether requests are limited
	 * @param capacity the burst a user may make at once
	 * @param refillPeriod the time in which one request is given back
	 */
	public record RateLimit(@DefaultValue("true") boolean enabled, @DefaultValue("60") @Min(1) int capacity,
			@DefaultValue("100ms") @NotNull Duration refillPeriod) {

	}

}
