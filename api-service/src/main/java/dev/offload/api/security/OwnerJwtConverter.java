package dev.offload.api.security;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.offload.model.Owner;

import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.authentication.AbstractOAuth2TokenAuthenticationToken;

/**
 * Turns a validated JWT into an authentication whose principal is the token's
 * {@link Owner}: the user id and email come from the configured claims, the roles from
 * the roles claim. A token that lacks them, or whose values could not safely be stored or
 * put into an email header, is refused.
 */
class OwnerJwtConverter implements Converter<Jwt, AbstractAuthenticationToken> {

	private static final int MAX_USER_ID_LENGTH = 255;

	private static final int MAX_EMAIL_LENGTH = 254;

	/** One address, no display name, no whitespace or control characters. */
	private static final Pattern EMAIL = Pattern.compile("[^\\s\\p{Cntrl}@<>,;\"]+@[^\\s\\p{Cntrl}@<>,;\"]+");

	private final ApiSecurityProperties.Jwt claims;

	OwnerJwtConverter(ApiSecurityProperties.Jwt claims) {
		this.claims = claims;
	}

	@Override
	public AbstractAuthenticationToken convert(Jwt jwt) {
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
		return new OwnerJwtAuthentication(jwt, new Owner(userId, email), roles(jwt));
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
