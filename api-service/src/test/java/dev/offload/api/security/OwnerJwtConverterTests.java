package dev.offload.api.security;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.offload.model.Owner;
import org.junit.jupiter.api.Test;

import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class OwnerJwtConverterTests {

	private final OwnerJwtConverter converter = new OwnerJwtConverter(new ApiSecurityProperties.Jwt("uid", "mail",
			"mail_verified", false, ApiSecurityProperties.UnverifiedEmail.REFUSE, "groups"), List.of("offload"));

	@Test
	void ownerAndRolesComeFromTheConfiguredClaims() {
		AbstractAuthenticationToken authentication = this.converter
			.convert(jwt(Map.of("uid", "u-42", "mail", "dora@example.com", "groups", "USER ADMIN", "sub", "other")));

		assertThat(((OwnerPrincipal) authentication.getPrincipal()).owner())
			.isEqualTo(new Owner("jwt:u-42", "dora@example.com"));
		assertThat(authentication.getName()).isEqualTo("jwt:u-42");
		assertThat(authentication.getAuthorities()).extracting(GrantedAuthority::getAuthority)
			.containsExactly("ROLE_USER", "ROLE_ADMIN");
	}

	@Test
	void rolesThatAreNoPlainNamesAreIgnored() {
		AbstractAuthenticationToken authentication = this.converter.convert(
				jwt(Map.of("uid", "u-42", "mail", "dora@example.com", "groups", List.of("USER", "ADMIN,ROOT", ""))));

		assertThat(authentication.getAuthorities()).extracting(GrantedAuthority::getAuthority)
			.containsExactly("ROLE_USER");
	}

	@Test
	void tokenWithoutAUsableOwnerIsRefused() {
		for (Map<String, Object> claims : List.<Map<String, Object>>of(Map.of("mail", "dora@example.com"),
				Map.of("uid", " ", "mail", "dora@example.com"), Map.of("uid", "x".repeat(256), "mail", "d@example.com"),
				Map.of("uid", "u\n1", "mail", "d@example.com"), Map.of("uid", "u-42"),
				Map.of("uid", "u-42", "mail", "not an address"), Map.of("uid", "u-42", "mail", "a@b.c, e@f.g"),
				Map.of("uid", "u-42", "mail", "Dora <dora@example.com>"))) {
			assertThatExceptionOfType(InvalidBearerTokenException.class).as("%s", claims)
				.isThrownBy(() -> this.converter.convert(jwt(claims)));
		}
	}

	@Test
	void anUnverifiedAddressIsRefusedOrDroppedAsConfiguredAndATrustedClaimNeedsNoFlag() {
		Map<String, Object> unverified = Map.of("uid", "u-42", "mail", "dora@example.com", "mail_verified", "false");
		OwnerJwtConverter withoutEmail = new OwnerJwtConverter(new ApiSecurityProperties.Jwt("uid", "mail",
				"mail_verified", false, ApiSecurityProperties.UnverifiedEmail.WITHOUT_EMAIL, "groups"),
				List.of("offload"));
		OwnerJwtConverter trusted = new OwnerJwtConverter(new ApiSecurityProperties.Jwt("uid", "mail", "mail_verified",
				true, ApiSecurityProperties.UnverifiedEmail.REFUSE, "groups"), List.of("offload"));

		assertThatExceptionOfType(InvalidBearerTokenException.class)
			.isThrownBy(() -> this.converter.convert(jwt(unverified)))
			.withMessageContaining("not verified");
		assertThat(((OwnerPrincipal) withoutEmail.convert(jwt(unverified)).getPrincipal()).owner())
			.isEqualTo(new Owner("jwt:u-42", null));
		assertThat(((OwnerPrincipal) trusted.convert(jwt(unverified)).getPrincipal()).owner())
			.isEqualTo(new Owner("jwt:u-42", "dora@example.com"));
		assertThat(((OwnerPrincipal) this.converter
			.convert(jwt(Map.of("uid", "u-42", "mail", "dora@example.com", "mail_verified", "true")))
			.getPrincipal()).owner()).isEqualTo(new Owner("jwt:u-42", "dora@example.com"));
	}

	@Test
	void aTokenForAnotherAudienceIsRefused() {
		Jwt other = Jwt.withTokenValue("token")
			.header("alg", "RS256")
			.claims((all) -> all.putAll(Map.of("uid", "u-42", "mail", "d@example.com", "mail_verified", true)))
			.audience(List.of("billing"))
			.issuedAt(Instant.now())
			.expiresAt(Instant.now().plusSeconds(60))
			.build();

		assertThatExceptionOfType(InvalidBearerTokenException.class).isThrownBy(() -> this.converter.convert(other))
			.withMessageContaining("audience");
	}

	private static Jwt jwt(Map<String, Object> claims) {
		return Jwt.withTokenValue("token")
			.header("alg", "RS256")
			.audience(List.of("offload"))
			.claim("mail_verified", true)
			.claims((all) -> all.putAll(claims))
			.issuedAt(Instant.now())
			.expiresAt(Instant.now().plusSeconds(60))
			.build();
	}

}
