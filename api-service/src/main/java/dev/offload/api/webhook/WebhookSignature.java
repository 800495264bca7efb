package dev.offload.api.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signing secrets and signatures in the Standard Webhooks scheme (standardwebhooks.com):
 * a secret is {@code whsec_} and the base64 of random bytes; the
 * {@code webhook-signature} header is {@code v1,} and the base64 of the HMAC-SHA256,
 * keyed with the secret's bytes, of {@code id.timestamp.body}. Done with
 * {@code javax.crypto}: the official Java artifact on Maven Central
 * ({@code com.standardwebhooks:standardwebhooks:1.0.0}) ships no classes.
 */
final class WebhookSignature {

	static final String SECRET_PREFIX = "whsec_";

	/** 32 random bytes: within the 24 to 64 the standard asks for. */
	private static final int SECRET_BYTES = 32;

	private static final SecureRandom random = new SecureRandom();

	private WebhookSignature() {
	}

	/**
	 * A new signing secret.
	 * @return {@code whsec_} and the base64 of 32 random bytes
	 */
	static String newSecret() {
		byte[] bytes = new byte[SECRET_BYTES];
		random.nextBytes(bytes);
		return SECRET_PREFIX + Base64.getEncoder().encodeToString(bytes);
	}

	/**
	 * The {@code webhook-signature} header's value for one request.
	 * @param secret the endpoint's secret ({@code whsec_...})
	 * @param id the {@code webhook-id}
	 * @param timestamp the {@code webhook-timestamp}, seconds since the epoch
	 * @param body the exact body sent
	 * @return {@code v1,} and the signature
	 */
	static String sign(String secret, String id, long timestamp, String body) {
		byte[] key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(key, "HmacSHA256"));
			byte[] signature = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
			return "v1," + Base64.getEncoder().encodeToString(signature);
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 is not available", ex);
		}
	}

}
