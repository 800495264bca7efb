package dev.offload.model;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature of a report's download link: an HMAC-SHA256 over the report id, its
 * owner's user id and the link's expiry, keyed with a secret both services share. The
 * worker signs the link it mails; api-service checks it before serving the file without
 * credentials. A pure function, so both sides compute exactly the same thing.
 * <p>
 * The signed text is {@code v1\n<report id>\n<user id>\n<expires>}; the version prefix
 * lets the scheme change without an old signature ever matching a new one.
 */
public final class DownloadLinkSignature {

	/** The shortest secret accepted: 32 characters, so a guess is as hard as a key. */
	public static final int MIN_SECRET_LENGTH = 32;

	private static final String ALGORITHM = "HmacSHA256";

	private final SecretKeySpec key;

	/**
	 * A signer for the given shared secret.
	 * @param secret the secret, at least {@link #MIN_SECRET_LENGTH} characters
	 * @throws IllegalArgumentException if the secret is too short
	 */
	public DownloadLinkSignature(String secret) {
		Objects.requireNonNull(secret, "secret");
		if (secret.length() < MIN_SECRET_LENGTH) {
			throw new IllegalArgumentException(
					"The download link secret must have at least " + MIN_SECRET_LENGTH + " characters");
		}
		this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
	}

	/**
	 * Signs a link.
	 * @param reportId the report
	 * @param userId its owner
	 * @param expiresEpochSecond when the link stops working, in seconds since the epoch
	 * @return the signature, URL-safe Base64 without padding (43 characters)
	 */
	public String sign(UUID reportId, String userId, long expiresEpochSecond) {
		return Base64.getUrlEncoder().withoutPadding().encodeToString(mac(reportId, userId, expiresEpochSecond));
	}

	/**
	 * Whether a signature is the one {@link #sign} gives for these values, compared in
	 * constant time. Says nothing about expiry: the caller compares
	 * {@code expiresEpochSecond} with its clock.
	 * @param reportId the report
	 * @param userId its owner
	 * @param expiresEpochSecond the expiry the link carries
	 * @param signature the signature the link carries (anything, including garbage)
	 * @return whether it matches
	 */
	public boolean matches(UUID reportId, String userId, long expiresEpochSecond, String signature) {
		if (signature == null || signature.length() > 64) {
			return false;
		}
		byte[] given;
		try {
			given = Base64.getUrlDecoder().decode(signature);
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
		return MessageDigest.isEqual(mac(reportId, userId, expiresEpochSecond), given);
	}

	private byte[] mac(UUID reportId, String userId, long expiresEpochSecond) {
		Objects.requireNonNull(reportId, "reportId");
		Objects.requireNonNull(userId, "userId");
		String signed = "v1\n" + reportId + "\n" + userId + "\n" + expiresEpochSecond;
		try {
			Mac mac = Mac.getInstance(ALGORITHM);
			mac.init(this.key);
			return mac.doFinal(signed.getBytes(StandardCharsets.UTF_8));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 is not available", ex);
		}
	}

}
