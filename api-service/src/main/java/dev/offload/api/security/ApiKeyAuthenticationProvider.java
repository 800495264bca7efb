package dev.offload.api.security;

import java.security.MessageDigest;
import java.util.ArrayList;
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

	private final List<KeyOwner> keys;

	private final UserDetailsService users;

	ApiKeyAuthenticationProvider(List<ApiSecurityProperties.User> configured, UserDetailsService users) {
		List<KeyOwner> keys = new ArrayList<>();
		for (int u = 0; u < configured.size(); u++) {
			ApiSecurityProperties.User user = configured.get(u);
			for (int k = 0; k < user.apiKeys().size(); k++) {
				String property = "offload.api.security.users[" + u + "].api-keys[" + k + "]";
				keys.add(new KeyOwner(ApiKeys.configuredDigest(property, user.apiKeys().get(k)), user.username()));
			}
		}
		this.keys = List.copyOf(keys);
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
		for (KeyOwner candidate : this.keys) {
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

	/**
	 * One configured key.
	 *
	 * @param digest the SHA-256 digest of the key
	 * @param username the user it belongs to
	 */
	private record KeyOwner(byte[] digest, String username) {

	}

}
