package dev.offload.api.security;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import dev.offload.model.Owner;

import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.authentication.AbstractOAuth2TokenAuthenticationToken;
import org.springframework.util.Assert;

/**
 * Turns a validated JWT into an authentication whose principal is the token's
 * {@link Owner}: the owner id is the configured user id claim prefixed with
 * {@value #NAMESPACE}, so no token can be taken for a local user (whose names have no
 * colon); the email is used only when the issuer marked it verified (or the operator
 * trusts the claim); the roles come from the roles claim. A token for another audience,
 * without a user id, or whose values could not safely be stored or put into an email
 * header, is refused.
 */
class OwnerJwtConverter implements Converter<Jwt, AbstractAuthenticationToken> {

	/** Prefix of every owner id taken from a JWT. */
	static final String NAMESPACE = "jwt:";

	private static final int MAX_USER_ID_LENGTH = 255;

	private static final int MAX_EMAIL_LENGTH = 254;

	/** One address, no display name, no whitespace or control characters. */
	private static final Pattern EMAIL = Pattern.compile("[^\\s\\p{Cntrl}@<>,;\"]+@[^\\s\\p{Cntrl}@<>,;\"]+");

	private final ApiSecurityProperties.Jwt claims;

	private final Set<String> audiences;

	/**
	 * Creates the converter.
	 * @param claims where the owner is found in a token
	 * @param audiences the audiences a token must name one of; at least one
	 */
	OwnerJwtConverter(ApiSecurityProperties.Jwt claims, Collection<String> audiences) {
		Assert.notEmpty(audiences, "JWT mode needs spring.security.oauth2.resourceserver.jwt.audiences");
		this.claims = claims;
		this.audiences = Set.copyOf(audiences);
	}

	@Override
	public AbstractAuthenticationToken convert(Jwt jwt) {
		// The decoder Spring Boot builds checks the audience too; this holds for any
		// decoder.
		List<String> audience = jwt.getAudience();
		if (audience == null || audience.stream().noneMatch(this.audiences::contains)) {
			throw new InvalidBearerTokenException("The token is not meant for this API (its audience)");
		}
		String userId = jwt.getClaimAsString(this.claims.userIdClaim());
		if (userId == null || userId.isBlank() || userId.length() > MAX_USER_ID_LENGTH
				|| userId.chars().anyMatch(Character::isISOControl)) {
			throw new InvalidBearerTokenException(
					"The token has no usable user id in its '" + this.claims.userIdClaim() + "' claim");
		}
		String email = jwt.getClaimAsString(this.claims.emailClaim());
		if (email == null || email.length() > MAX_EMAIL_LENGTH || !EMAIL.matcher(email).matches()) {
			throw new InvalidBearerTokenException(
					"The token has no usable email address in its '" + this.claims.emailClaim() + "' claim");
		}
		if (!this.claims.emailClaimTrusted() && !Boolean.TRUE.equals(verified(jwt))) {
			if (this.claims.unverifiedEmail() == ApiSecurityProperties.UnverifiedEmail.REFUSE) {
				throw new InvalidBearerTokenException("The token's email address is not verified (its '"
						+ this.claims.emailVerifiedClaim() + "' claim)");
			}
			email = null;
		}
		return new OwnerJwtAuthentication(jwt, new Owner(NAMESPACE + userId, email), roles(jwt));
	}

	/** The verified claim as a boolean; some issuers send the string "true". */
	private Boolean verified(Jwt jwt) {
		Object value = jwt.getClaims().get(this.claims.emailVerifiedClaim());
		if (value instanceof Boolean flag) {
			return flag;
		}
		return (value instanceof String text) ? Boolean.valueOf(text.trim()) : null;
	}

	private List<GrantedAuthority> roles(Jwt jwt) {
		Object value = jwt.getClaims().get(this.claims.rolesClaim());
		Collection<?> roles;
		if (value instanceof Collection<?> collection) {
			roles = collection;
		}
		else if (value instanceof String text) {
			roles = List.of(text.trim().split("\\s+"));
		}
		else {
			roles = List.of();
		}
		return roles.stream()
			.map(String::valueOf)
			.filter((role) -> role.matches("[A-Za-z0-9_-]{1,64}"))
			.<GrantedAuthority>map((role) -> new SimpleGrantedAuthority("ROLE_" + role))
			.toList();
	}

	/** A JWT authentication whose principal knows its {@link Owner}. */
	static final class OwnerJwtAuthentication extends AbstractOAuth2TokenAuthenticationToken<Jwt> {

		private final Owner owner;

		OwnerJwtAuthentication(Jwt jwt, Owner owner, Collection<? extends GrantedAuthority> authorities) {
			super(jwt, new TokenOwner(owner), jwt, authorities);
			this.owner = owner;
			setAuthenticated(true);
		}

		@Override
		public Map<String, Object> getTokenAttributes() {
			return getToken().getClaims();
		}

		@Override
		public String getName() {
			return this.owner.userId();
		}

	}

	/**
	 * The principal of a JWT authentication.
	 *
	 * @param owner the token's owner
	 */
	record TokenOwner(Owner owner) implements OwnerPrincipal {

	}

}
