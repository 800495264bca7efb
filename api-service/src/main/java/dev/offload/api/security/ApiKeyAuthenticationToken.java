package dev.offload.api.security;

import java.util.Collection;
import java.util.List;

import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;

/**
 * An authentication by API key ({@code X-API-Key}): before it is checked it holds the key
 * as its credentials; once checked, the configured user it belongs to as its principal
 * and no credentials.
 */
final class ApiKeyAuthenticationToken extends AbstractAuthenticationToken {

	private final Object principal;

	private String key;

	private ApiKeyAuthenticationToken(Object principal, String key, Collection<? extends GrantedAuthority> authorities,
			boolean authenticated) {
		super(authorities);
		this.principal = principal;
		this.key = key;
		super.setAuthenticated(authenticated);
	}

	/**
	 * A key presented by a request, not yet checked.
	 * @param key the key
	 * @return the unauthenticated token
	 */
	static ApiKeyAuthenticationToken unauthenticated(String key) {
		return new ApiKeyAuthenticationToken(null, key, List.of(), false);
	}

	/**
	 * The user a checked key belongs to.
	 * @param user the user
	 * @return the authenticated token
	 */
	static ApiKeyAuthenticationToken authenticated(LocalUser user) {
		return new ApiKeyAuthenticationToken(user, null, user.getAuthorities(), true);
	}

	@Override
	public Object getPrincipal() {
		return this.principal;
	}

	@Override
	public String getCredentials() {
		return this.key;
	}

	@Override
	public void setAuthenticated(boolean authenticated) {
		if (authenticated) {
			throw new IllegalArgumentException("Use ApiKeyAuthenticationToken.authenticated(user)");
		}
		super.setAuthenticated(false);
	}

	@Override
	public void eraseCredentials() {
		super.eraseCredentials();
		this.key = null;
	}

}
