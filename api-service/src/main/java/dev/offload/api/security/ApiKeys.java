package dev.offload.api.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

import org.springframework.util.Assert;

/**
 * How configured API keys are encoded and how a presented key is compared with them.
 * <p>
 * A configured key carries a {@code {id}} prefix, like a password: {@code {sha256}}
 * followed by the hex SHA-256 digest of the key (deployments), or {@code {noop}} followed
 * by the key itself (local runs). Either way only the SHA-256 digest is kept, and a
 * presented key is hashed and compared with each configured digest with
 * {@link MessageDigest#isEqual(byte[], byte[])}, which takes the same time wherever the
 * digests differ.
 * <p>
 * Why SHA-256 and not bcrypt, as for passwords: a key is checked on every request, and a
 * deliberately slow hash would cost tens of milliseconds each time; it also protects
 * nothing here. Slow hashes make guessing low-entropy passwords from a leaked hash
 * expensive, while an API key is a long random string (at least
 * {@value #MIN_PLAIN_LENGTH} characters are required) that no one can guess from its
 * digest, fast hash or not. This is the usual choice for API keys and tokens.
 */
final class ApiKeys {

	/** The request header that carries an API key. */
	static final String HEADER = "X-API-Key";

	/** The fewest characters a {@code {noop}} key may have. */
	static final int MIN_PLAIN_LENGTH = 24;

	/** The most characters a key may have; a longer header is refused unhashed. */
	static final int MAX_LENGTH = 512;

	private static final String NOOP = "{noop}";

	private static final String SHA256 = "{sha256}";

	private static final Pattern HEX_DIGEST = Pattern.compile("[0-9A-Fa-f]{64}");

	private ApiKeys() {
	}

	/**
	 * Every configured key of the users, checked: a known encoding prefix, the length of
	 * a {@code {noop}} key, and no key configured twice (for one user or two, whatever
	 * the encoding). The messages name the property, never the key.
	 * @param users the configured users
	 * @return each key's digest and the user it belongs to
	 * @throws IllegalArgumentException if a key is malformed or configured twice
	 */
	static List<ConfiguredKey> configured(List<ApiSecurityProperties.User> users) {
		List<ConfiguredKey> configured = new ArrayList<>();
		for (int u = 0; u < users.size(); u++) {
			ApiSecurityProperties.User user = users.get(u);
			List<String> keys = (user.apiKeys() != null) ? user.apiKeys() : List.of();
			for (int k = 0; k < keys.size(); k++) {
				String property = "offload.api.security.users[" + u + "].api-keys[" + k + "]";
				byte[] digest = configuredDigest(property, keys.get(k));
				Assert.isTrue(configured.stream().noneMatch((other) -> Arrays.equals(other.digest(), digest)),
						() -> property + " is configured more than once: every API key must be unique, so it names "
								+ "exactly one user");
				configured.add(new ConfiguredKey(digest, user.username()));
			}
		}
		return List.copyOf(configured);
	}

	/**
	 * The SHA-256 digest a configured key stands for. The messages of the exceptions name
	 * the property, never the value, so a key does not end up in a start-up log.
	 * @param property the configuration property the key came from
	 * @param configured the key with its encoding prefix
	 * @return the digest of the key
	 * @throws IllegalArgumentException if the prefix is unknown, a {@code {noop}} key is
	 * too short or too long, or a {@code {sha256}} value is not 64 hex digits
	 */
	private static byte[] configuredDigest(String property, String configured) {
		if (configured != null && configured.startsWith(NOOP)) {
			String key = configured.substring(NOOP.length());
			if (key.length() < MIN_PLAIN_LENGTH || key.length() > MAX_LENGTH) {
				throw new IllegalArgumentException(
						property + " is a {noop} key of " + key.length() + " characters: an API key must have "
								+ MIN_PLAIN_LENGTH + " to " + MAX_LENGTH + " characters");
			}
			if (key.chars().anyMatch(Character::isISOControl)) {
				throw new IllegalArgumentException(
						property + " is a {noop} key with a control character, which cannot be sent in a header");
			}
			return digest(key);
		}
		if (configured != null && configured.startsWith(SHA256)) {
			String hex = configured.substring(SHA256.length());
			if (!HEX_DIGEST.matcher(hex).matches()) {
				throw new IllegalArgumentException(
						property + " is a {sha256} key that is not 64 hex digits (the SHA-256 digest of the key)");
			}
			return HexFormat.of().parseHex(hex);
		}
		throw new IllegalArgumentException(property + " has no known encoding prefix: use {sha256} followed by the "
				+ "hex SHA-256 digest of the key, or {noop} followed by the key itself (local runs only)");
	}

	/**
	 * The SHA-256 digest of a key's UTF-8 bytes.
	 * @param key the key
	 * @return its digest
	 */
	static byte[] digest(String key) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("Every Java platform has SHA-256", ex);
		}
	}

	/**
	 * One configured key.
	 *
	 * @param digest the SHA-256 digest of the key
	 * @param username the user it belongs to
	 */
	record ConfiguredKey(byte[] digest, String username) {

	}

}
