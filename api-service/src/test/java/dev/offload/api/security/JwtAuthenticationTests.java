package dev.offload.api.security;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.offload.model.Owner;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The production sign-in: {@code offload.api.security.mode=jwt}, bearer tokens checked
 * against the issuer's public key (here a key generated for the test, so no network), the
 * owner taken from the token's claims.
 */
@WebMvcTest(controllers = JwtAuthenticationTests.WhoAmIController.class, properties = { "offload.api.security.mode=jwt",
		"offload.api.security.jwt.email-claim=mail",
		// The decoder below stands in for the one Spring Boot builds from the issuer.
		"spring.security.oauth2.resourceserver.jwt.issuer-uri=https://login.example.com/",
		"spring.security.oauth2.resourceserver.jwt.audiences=offload-api,offload-api-v2",
		// In jwt mode configured users are service accounts; this list replaces
		// the
		// local users of application.yaml.
		"offload.api.security.users[0].username=scraper", "offload.api.security.users[0].password={noop}scraper-secret",
		"offload.api.security.users[0].email=ops@example.com", "offload.api.security.users[0].roles=ADMIN",
		// SHA-256 of "scraper-service-api-key-0123456789"
		"offload.api.security.users[0].api-keys[0]={sha256}3bd4d8d48fc713c5eaeef283ad53c5d6f2357ac7bf446ab1c7f5e28ccb586e1d" })
@Import({ SecurityConfiguration.class, JwtAuthenticationTests.IssuerKeys.class,
		JwtAuthenticationTests.WhoAmIController.class, RateLimitsOnATestDatabase.class })
class JwtAuthenticationTests {

	private static final KeyPair ISSUER = rsaKeyPair();

	private static final KeyPair STRANGER = rsaKeyPair();

	@Autowired
	private MockMvc mvc;

	@Test
	void validTokenAuthenticatesTheOwnerFromItsClaims() throws Exception {
		String token = token(ISSUER, Map.of("sub", "user-7", "mail", "carol@example.com"),
				Instant.now().plusSeconds(60));

		this.mvc.perform(get("/api/whoami").header(HttpHeaders.AUTHORIZATION, "Bearer " + token))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.userId").value("jwt:user-7"))
			.andExpect(jsonPath("$.email").value("carol@example.com"));
	}

	@Test
	void tokenForAnotherAudienceOrForNoneIsA401Problem() throws Exception {
		String otherAudience = token(ISSUER, Map.of("sub", "user-7", "mail", "carol@example.com", "aud", "billing"),
				Instant.now().plusSeconds(60));
		String anyOfTheConfigured = token(ISSUER,
				Map.of("sub", "user-7", "mail", "carol@example.com", "aud", List.of("billing", "offload-api-v2")),
				Instant.now().plusSeconds(60));
		String none = tokenWithoutAudience(Map.of("sub", "user-7", "mail", "carol@example.com"));

		this.mvc.perform(get("/api/whoami").header(HttpHeaders.AUTHORIZATION, "Bearer " + otherAudience))
			.andExpect(status().isUnauthorized())
			.andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("audience")));
		this.mvc.perform(get("/api/whoami").header(HttpHeaders.AUTHORIZATION, "Bearer " + none))
			.andExpect(status().isUnauthorized());
		this.mvc.perform(get("/api/whoami").header(HttpHeaders.AUTHORIZATION, "Bearer " + anyOfTheConfigured))
			.andExpect(status().isOk());
	}

	@Test
	void tokenWhoseEmailIsNotVerifiedIsA401ProblemByDefault() throws Exception {
		String unverified = token(ISSUER, Map.of("sub", "user-7", "mail", "carol@example.com", "email_verified", false),
				Instant.now().plusSeconds(60));

		this.mvc.perform(get("/api/whoami").header(HttpHeaders.AUTHORIZATION, "Bearer " + unverified))
			.andExpect(status().isUnauthorized())
			.andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("verified email")));
	}

	@Test
	void aSubjectEqualToALocalUsersNameIsNotThatUser() throws Exception {
		String token = token(ISSUER, Map.of("sub", "scraper", "mail", "mallory@example.com"),
				Instant.now().plusSeconds(60));

		this.mvc.perform(get("/api/whoami").header(HttpHeaders.AUTHORIZATION, "Bearer " + token))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.userId").value("jwt:scraper"));
	}

	@Test
	void requestWithoutTokenIsA401ProblemWithABearerChallenge() throws Exception {
		this.mvc.perform(get("/api/whoami"))
			.andExpect(status().isUnauthorized())
			.andExpect(header().string(HttpHeaders.WWW_AUTHENTICATE, "Bearer"))
			.andExpect(content().contentTypeCompatibleWith("application/problem+json"));
	}

	@Test
	void expiredTokenIsA401Problem() throws Exception {
		String token = token(ISSUER, Map.of("sub", "user-7", "mail", "carol@example.com"),
				Instant.now().minusSeconds(600));

		this.mvc.perform(get("/api/whoami").header(HttpHeaders.AUTHORIZATION, "Bearer " + token))
			.andExpect(status().isUnauthorized())
			.andExpect(header().string(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\""))
			.andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("not valid")));
	}

	@Test
	void tokenSignedWithAnotherKeyIsA401Problem() throws Exception {
		String token = token(STRANGER, Map.of("sub", "user-7", "mail", "carol@example.com"),
				Instant.now().plusSeconds(60));

		this.mvc.perform(get("/api/whoami").header(HttpHeaders.AUTHORIZATION, "Bearer " + token))
			.andExpect(status().isUnauthorized());
	}

	@Test
	void tamperedTokenIsA401Problem() throws Exception {
		String token = token(ISSUER, Map.of("sub", "user-7", "mail", "carol@example.com"),
				Instant.now().plusSeconds(60));
		String[] parts = token.split("\\.");
		String forgedClaims = java.util.Base64.getUrlEncoder()
			.withoutPadding()
			.encodeToString("{\"sub\":\"admin\",\"mail\":\"carol@example.com\",\"exp\":4102444800}".getBytes());

		this.mvc
			.perform(get("/api/whoami").header(HttpHeaders.AUTHORIZATION,
					"Bearer " + parts[0] + "." + forgedClaims + "." + parts[2]))
			.andExpect(status().isUnauthorized());
	}

	@Test
	void tokenWithoutAnEmailOrWithALineBreakInItIsA401Problem() throws Exception {
		String withoutEmail = token(ISSUER, Map.of("sub", "user-7"), Instant.now().plusSeconds(60));
		String injected = token(ISSUER, Map.of("sub", "user-7", "mail", "carol@example.com\r\nBcc: all@example.com"),
				Instant.now().plusSeconds(60));

		this.mvc.perform(get("/api/whoami").header(HttpHeaders.AUTHORIZATION, "Bearer " + withoutEmail))
			.andExpect(status().isUnauthorized());
		this.mvc.perform(get("/api/whoami").header(HttpHeaders.AUTHORIZATION, "Bearer " + injected))
			.andExpect(status().isUnauthorized());
	}

	@Test
	void localUsersCannotSignInInJwtModeButServiceAccountsCan() throws Exception {
		this.mvc.perform(get("/api/whoami").with((request) -> {
			request.addHeader(HttpHeaders.AUTHORIZATION, "Basic YWxpY2U6YWxpY2Utc2VjcmV0");
			return request;
		})).andExpect(status().isUnauthorized());
		this.mvc.perform(get("/api/admin/whoami").with((request) -> {
			request.addHeader(HttpHeaders.AUTHORIZATION, "Basic c2NyYXBlcjpzY3JhcGVyLXNlY3JldA==");
			return request;
		})).andExpect(status().isOk()).andExpect(jsonPath("$.userId").value("scraper"));
	}

	@Test
	void serviceAccountsMaySignInWithTheirApiKeyButAWrongKeyIsA401Problem() throws Exception {
		this.mvc.perform(get("/api/admin/whoami").header("X-API-Key", "scraper-service-api-key-0123456789"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.userId").value("scraper"));
		this.mvc.perform(get("/api/whoami").header("X-API-Key", "alice-local-api-key-0123456789"))
			.andExpect(status().isUnauthorized())
			.andExpect(header().string(HttpHeaders.WWW_AUTHENTICATE, "Bearer"))
			.andExpect(content().contentTypeCompatibleWith("application/problem+json"));
	}

	@Test
	void adminOperationsNeedTheAdminRoleClaim() throws Exception {
		String user = token(ISSUER, Map.of("sub", "user-7", "mail", "carol@example.com", "roles", List.of("USER")),
				Instant.now().plusSeconds(60));
		String admin = token(ISSUER, Map.of("sub", "ops-1", "mail", "ops@example.com", "roles", List.of("ADMIN")),
				Instant.now().plusSeconds(60));

		this.mvc.perform(get("/api/admin/whoami").header(HttpHeaders.AUTHORIZATION, "Bearer " + user))
			.andExpect(status().isForbidden())
			.andExpect(content().contentTypeCompatibleWith("application/problem+json"));
		this.mvc.perform(get("/api/admin/whoami").header(HttpHeaders.AUTHORIZATION, "Bearer " + admin))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.userId").value("jwt:ops-1"));
	}

	/**
	 * A token for this API's audience whose email is verified, unless the claims say
	 * otherwise.
	 */
	static String token(KeyPair keys, Map<String, Object> claims, Instant expiresAt) throws JOSEException {
		Map<String, Object> all = new java.util.HashMap<>(Map.of("aud", "offload-api", "email_verified", true));
		all.putAll(claims);
		return sign(keys, all, expiresAt);
	}

	private static String tokenWithoutAudience(Map<String, Object> claims) throws JOSEException {
		Map<String, Object> all = new java.util.HashMap<>(claims);
		all.put("email_verified", true);
		return sign(ISSUER, all, Instant.now().plusSeconds(60));
	}

	private static String sign(KeyPair keys, Map<String, Object> claims, Instant expiresAt) throws JOSEException {
		JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder().issueTime(Date.from(Instant.now().minusSeconds(700)))
			.expirationTime(Date.from(expiresAt));
		claims.forEach(builder::claim);
		SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), builder.build());
		jwt.sign(new RSASSASigner(keys.getPrivate()));
		return jwt.serialize();
	}

	static KeyPair rsaKeyPair() {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
			generator.initialize(2048);
			return generator.generateKeyPair();
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class IssuerKeys {

		/**
		 * What {@code spring.security.oauth2.resourceserver.jwt.public-key-location}
		 * would build, from the test issuer's key.
		 */
		@Bean
		JwtDecoder jwtDecoder() {
			return NimbusJwtDecoder.withPublicKey((RSAPublicKey) ISSUER.getPublic()).build();
		}

	}

	@RestController
	static class WhoAmIController {

		@GetMapping({ "/api/whoami", "/api/admin/whoami" })
		Owner whoAmI(Owner owner) {
			return owner;
		}

	}

}
