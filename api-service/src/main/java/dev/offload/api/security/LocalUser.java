package dev.offload.api.security;

import java.util.Collection;
import java.util.List;

import dev.offload.model.Owner;

import org.springframework.security.core.CredentialsContainer;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.userdetails.UserDetails;

/**
 * A configured user, as Spring Security sees them, carrying the email address the
 * {@link Owner} of their reports needs.
 */
final class LocalUser implements UserDetails, CredentialsContainer, OwnerPrincipal {

	private final Owner owner;

	private final List<GrantedAuthority> authorities;

	private String password;

	LocalUser(Owner owner, String password, List<GrantedAuthority> authorities) {
		this.owner = owner;
		this.password = password;
		this.authorities = List.copyOf(authorities);
	}

	@Override
	public Owner owner() {
		return this.owner;
	}

	@Override
	public String getUsername() {
		return this.owner.userId();
	}

	@Override
	public String getPassword() {
		return this.password;
	}

	@Override
	public Collection<? extends GrantedAuthority> getAuthorities() {
		return this.authorities;
	}

	@Override
	public void eraseCredentials() {
		this.password = null;
	}

}
