package dev.offload.api.security;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;

import dev.offload.api.error.ApiExceptionHandler;
import dev.offload.model.Owner;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.authentication.AuthenticationEntryPointFailureHandler;
import org.springframework.security.web.authentication.AuthenticationFilter;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.context.SecurityContextHolderFilter;
import org.springframework.security.web.header.HeaderWriterFilter;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.util.Assert;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * Who may call what. The API is stateless: no session, no CSRF token (no cookie
 * authenticates a request, so there is nothing to forge), every request carries its
 * credentials. How callers sign in is chosen by {@code offload.api.security.mode}:
 * <ul>
 * <li>{@code local} (the default): HTTP Basic or an API key ({@code X-API-Key}) against
 * the configured users, for local runs and tests;</li>
 * <li>{@code jwt}: an OAuth2 resource server taking bearer JWTs, validated with
 * {@code spring.security.oauth2.resourceserver.jwt.*}; the owner comes from the token's
 * claims. Configured users, if there are any, are service accounts that may still use
 * HTTP Basic or their API keys.</li>
 * </ul>
 * Either way the controllers only see an {@link OwnerPrincipal}. A report's file may also
 * be fetched without credentials with a signed, unexpired link (the controller checks the
 * signature). Every {@code /api/**} call is rate limited per user, and failed sign-ins
 * per client address, in buckets every replica shares ({@link RateLimits}).
 * <p>
 * Authentication and authorization failures are handed to the MVC exception handling, so
 * they leave the API as the same problem details as every other error.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ApiSecurityProperties.class)
public class SecurityConfiguration {

	/** The web page's static resources (served from {@code classpath:/static}). */
	static final String[] PAGE = { "/", "/index.html", "/assets/**", "/favicon.svg" };

	/** The OpenAPI document and Swagger UI (springdoc's default paths). */
	static final String[] API_DOCS = { "/v3/api-docs", "/v3/api-docs/**", "/swagger-ui.html", "/swagger-ui/**" };

	/** A download with a signature in its query string: checked by the controller. */
	private static final RequestMatcher SIGNED_DOWNLOAD = signedDownload();

	@Bean
	SecurityFilterChain apiSecurityFilterChain(HttpSecurity http, ApiSecurityProperties properties,
			UserDetailsService userDetailsService, ObjectProvider<JwtDecoder> jwtDecoder, Environment environment,
			RateLimits limits, @Qualifier("handlerExceptionResolver") HandlerExceptionResolver exceptionResolver)
			throws Exception {
		String challenge = (properties.mode() == ApiSecurityProperties.Mode.JWT) ? "Bearer" : "Basic realm=\"offload\"";
		AuthenticationEntryPoint unauthorized = (request, response, ex) -> {
			request.setAttribute(ApiExceptionHandler.CHALLENGE_ATTRIBUTE, challenge);
			exceptionResolver.resolveException(request, response, null, ex);
		};
		AuthenticationEntryPoint entryPoint = properties.signInLimit().enabled()
				? SignInLimitFilter.countingFailures(limits, unauthorized, exceptionResolver) : unauthorized;
		AccessDeniedHandler accessDeniedHandler = (request, response, ex) -> exceptionResolver.resolveException(request,
				response, null, ex);
		http.authorizeHttpRequests((requests) -> requests
			// Spring's error page renders errors of other requests; asked for directly it
			// has no error to show and would answer 500.
			.dispatcherTypeMatchers(DispatcherType.ERROR)
			.permitAll()
			.requestMatchers("/error")
			.denyAll()
			.requestMatchers(HttpMethod.GET, "/api/report-types")
			.permitAll()
			.requestMatchers(SIGNED_DOWNLOAD)
			.permitAll()
			.requestMatchers("/api/admin/**")
			.hasRole("ADMIN")
			.requestMatchers("/actuator/health/**")
			.permitAll()
			// The API's port is public (Ingress): metrics only for operators; Prometheus
			// scrapes with basic_auth.
			.requestMatchers("/actuator/prometheus", "/actuator/metrics/**")
			.hasRole("ADMIN")
			// The page and its assets hold no data: the page signs in against the API.
			.requestMatchers(HttpMethod.GET, PAGE)
			.permitAll()
			// The API's description is public, like any published API's; calling it is
			// not.
			.requestMatchers(HttpMethod.GET, API_DOCS)
			.permitAll()
			.anyRequest()
			.authenticated())
			.exceptionHandling((exceptions) -> exceptions.authenticationEntryPoint(entryPoint)
				.accessDeniedHandler(accessDeniedHandler))
			.sessionManagement((sessions) -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
			.csrf(AbstractHttpConfigurer::disable)
			.requestCache(AbstractHttpConfigurer::disable)
			.formLogin(AbstractHttpConfigurer::disable)
			.logout(AbstractHttpConfigurer::disable);
		if (properties.mode() == ApiSecurityProperties.Mode.JWT) {
			Assert.state(jwtDecoder.getIfAvailable() != null,
					"offload.api.security.mode=jwt needs a JWT decoder: set spring.security.oauth2.resourceserver.jwt."
							+ "issuer-uri, jwk-set-uri or public-key-location");
			List<String> audiences = Binder.get(environment)
				.bind("spring.security.oauth2.resourceserver.jwt.audiences", Bindable.listOf(String.class))
				.orElse(List.of());
			OwnerJwtConverter converter = new OwnerJwtConverter(properties.jwt(), audiences);
			http.oauth2ResourceServer((server) -> server.authenticationEntryPoint(entryPoint)
				.accessDeniedHandler(accessDeniedHandler)
				.jwt((jwt) -> jwt.decoder(jwtDecoder.getObject()).jwtAuthenticationConverter(converter)));
			// Configured users, if any, are service accounts (a metrics scraper, say)
			// that keep HTTP Basic and their API keys beside the tokens; with none,
			// Basic is off (and every API key is refused: there is none to match).
			if (properties.users().isEmpty()) {
				http.httpBasic(AbstractHttpConfigurer::disable);
			}
			else {
				http.httpBasic((basic) -> basic.authenticationEntryPoint(entryPoint));
			}
		}
		else {
			http.httpBasic((basic) -> basic.authenticationEntryPoint(entryPoint));
		}
		http.addFilterBefore(apiKeyFilter(properties, userDetailsService, entryPoint), BasicAuthenticationFilter.class);
		http.addFilterBefore(
				new RequestLimitsFilter(properties.maxRequestBody().toBytes(),
						properties.maxBatchRequestBody().toBytes(), exceptionResolver),
				SecurityContextHolderFilter.class);
		if (properties.signInLimit().enabled()) {
			// Before every authentication filter.
			http.addFilterAfter(new SignInLimitFilter(limits, exceptionResolver), HeaderWriterFilter.class);
		}
		if (properties.rateLimit().enabled()) {
			http.addFilterAfter(new RateLimitFilter(limits, exceptionResolver), AuthorizationFilter.class);
		}
		return http.build();
	}

	/**
	 * Signs in a request that carries {@code X-API-Key} as the configured user the key
	 * belongs to, in either mode; a request without the header passes on untouched. A key
	 * that is malformed or matches no user is a 401 from the entry point, like a wrong
	 * password; the filter never redirects and keeps no session.
	 */
	private static AuthenticationFilter apiKeyFilter(ApiSecurityProperties properties,
			UserDetailsService userDetailsService, AuthenticationEntryPoint entryPoint) {
		AuthenticationManager manager = new ProviderManager(
				new ApiKeyAuthenticationProvider(properties.users(), userDetailsService));
		AuthenticationFilter filter = new AuthenticationFilter(manager, new ApiKeyAuthenticationConverter());
		filter.setSuccessHandler((request, response, authentication) -> {
		});
		filter.setFailureHandler(new AuthenticationEntryPointFailureHandler(entryPoint));
		return filter;
	}

	/**
	 * Runs before every other filter, Spring Security's included.
	 * @return the registration of the {@link MalformedPathFilter}
	 */
	@Bean
	FilterRegistrationBean<MalformedPathFilter> malformedPathFilter() {
		FilterRegistrationBean<MalformedPathFilter> registration = new FilterRegistrationBean<>(
				new MalformedPathFilter());
		registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
		return registration;
	}

	/**
	 * No observations of the filter chain, authentication or authorization. They are
	 * switched off for operators already ({@code management.observations.enable.spring.
	 * security=false}): the request's own {@code http.server.requests} observation
	 * carries the trace and the timing. Without this setting Spring Security would still
	 * wrap every filter, the authentication manager and the authorization manager in
	 * observing decorators that start and stop a no-op observation for each of them on
	 * every request, which costs CPU on the accept path and records nothing (issue 16).
	 * @return the settings
	 */
	@Bean
	SecurityObservationSettings securityObservationSettings() {
		return SecurityObservationSettings.noObservations();
	}

	/**
	 * Configured passwords carry a {@code {id}} prefix naming their encoding:
	 * {@code {bcrypt}} in a deployment, {@code {noop}} (plain text) only in the local
	 * defaults.
	 * @return the encoder
	 */
	@Bean
	PasswordEncoder passwordEncoder() {
		return PasswordEncoderFactories.createDelegatingPasswordEncoder();
	}

	@Bean
	UserDetailsService userDetailsService(ApiSecurityProperties properties) {
		Map<String, ApiSecurityProperties.User> users = properties.users()
			.stream()
			.collect(Collectors.toUnmodifiableMap(ApiSecurityProperties.User::username, Function.identity()));
		return (username) -> {
			ApiSecurityProperties.User user = users.get(username);
			if (user == null) {
				throw new UsernameNotFoundException("No user " + username);
			}
			// A fresh instance per authentication: the credentials are erased from it
			// afterwards.
			return new LocalUser(new Owner(user.username(), user.email()), user.password(), authorities(user.roles()));
		};
	}

	private static List<GrantedAuthority> authorities(Collection<String> roles) {
		return roles.stream().<GrantedAuthority>map((role) -> new SimpleGrantedAuthority("ROLE_" + role)).toList();
	}

	private static RequestMatcher signedDownload() {
		RequestMatcher file = PathPatternRequestMatcher.withDefaults().matcher(HttpMethod.GET, "/api/reports/*/file");
		return (HttpServletRequest request) -> file.matches(request) && request.getParameter("signature") != null;
	}

}
