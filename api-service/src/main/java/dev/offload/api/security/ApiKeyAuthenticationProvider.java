package dev.offload.api.security;

import java.security.MessageDigest;
import java.util.List;

import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.userdetails.UserDetailsService;

/**
 * Checks an {@link ApiKeyAuthenticationToken} against the configured users' API keys: the
 * key's SHA-256 digest is compared with every configured digest in constant time (see
 * {@link ApiKeys}), and the user whose key it is becomes the principal, the same
 * {@link LocalUser} HTTP Basic signs in, with the same roles. A key that matches none is
 * a {@link BadCredentialsException} (401).
 */
class ApiKeyAuthenticationProvider implements AuthenticationProvider {

	private final List<ApiKeys.ConfiguredKey> keys;

	private final UserDetailsService users;

	ApiKeyAuthenticationProvider(List<ApiSecurityProperties.User> configured, UserDetailsService users) {
		this.keys = ApiKeys.configured(configured);
		this.users = users;
	}

	@Override
	public Authentication authenticate(Authentication authentication) {
		String key = ((ApiKeyAuthenticationToken) authentication).getCredentials();
		if (key == null) {
			throw new BadCredentialsException("No API key");
		}
		byte[] digest = ApiKeys.digest(key);
		String username = null;
		// Every digest is compared, so the time taken does not tell which one matched.
		for (ApiKeys.ConfiguredKey candidate : this.keys) {
			if (MessageDigest.isEqual(candidate.digest(), digest) && username == null) {
				username = candidate.username();
			}
		}
		if (username == null) {
			throw new BadCredentialsException("The API key is not valid");
		}
		return ApiKeyAuthenticationToken.authenticated((LocalUser) this.users.loadUserByUsername(username));
	}

	@Override
	public boolean supports(Class<?> authentication) {
		return ApiKeyAuthenticationToken.class.isAssignableFrom(authentication);
	}

}
