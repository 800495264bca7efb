package dev.offload.api.security;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * Turns away hostile input at the door, before any other filter or controller sees it:
 * <ul>
 * <li>a request body larger than {@code offload.api.security.max-request-body} (for
 * {@code POST /api/batches}, which carries up to 100,000 parameter sets,
 * {@code offload.api.security.max-batch-request-body}) is a 413 problem detail, at once
 * when {@code Content-Length} says so, and while reading when a chunked body runs past
 * the limit, so no request can make the API buffer or parse an unbounded body;</li>
 * <li>a query string that cannot be decoded (such as {@code ?%zz=1}) is a 400 problem
 * detail; the servlet container would otherwise throw from wherever the parameters are
 * first read, and that would surface as a 500;</li>
 * <li>a {@code Content-Type} that is not one concrete media type (unparseable, or a
 * wildcard such as {@code *}{@code /*}) is a 415 problem detail; Spring MVC would throw
 * while reading the body, which would also surface as a 500.</li>
 * </ul>
 */
class RequestLimitsFilter extends OncePerRequestFilter {

	private static final String BATCHES_PATH = "/api/batches";

	private final long maxBytes;

	private final long maxBatchBytes;

	private final HandlerExceptionResolver exceptionResolver;

	RequestLimitsFilter(long maxBytes, long maxBatchBytes, HandlerExceptionResolver exceptionResolver) {
		this.maxBytes = maxBytes;
		this.maxBatchBytes = maxBatchBytes;
		this.exceptionResolver = exceptionResolver;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		long limit = ("POST".equals(request.getMethod()) && BATCHES_PATH.equals(request.getRequestURI()))
				? this.maxBatchBytes : this.maxBytes;
		if (request.getContentLengthLong() > limit) {
			this.exceptionResolver.resolveException(request, response, null, new RequestBodyTooLargeException(limit));
			return;
		}
		if (!isConcreteMediaType(request.getContentType())) {
			ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.UNSUPPORTED_MEDIA_TYPE,
					"The Content-Type header is not a valid media type; send application/json");
			problem.setTitle("Unsupported media type");
			this.exceptionResolver.resolveException(request, response, null,
					new ErrorResponseException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, problem, null));
			return;
		}
		try {
			request.getParameterMap();
		}
		catch (IllegalStateException ex) {
			ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
					"The query string is not correctly encoded: every '%' must start a valid %XX escape");
			problem.setTitle("Malformed query string");
			this.exceptionResolver.resolveException(request, response, null,
					new ErrorResponseException(HttpStatus.BAD_REQUEST, problem, ex));
			return;
		}
		chain.doFilter(new LimitedRequest(request, limit), response);
	}

	private static boolean isConcreteMediaType(String contentType) {
		if (contentType == null) {
			return true;
		}
		try {
			MediaType type = MediaType.parseMediaType(contentType);
			return !type.isWildcardType() && !type.isWildcardSubtype();
		}
		catch (InvalidMediaTypeException ex) {
			return false;
		}
	}

	private static final class LimitedRequest extends HttpServletRequestWrapper {

		private final long maxBytes;

		private ServletInputStream stream;

		LimitedRequest(HttpServletRequest request, long maxBytes) {
			super(request);
			this.maxBytes = maxBytes;
		}

		@Override
		public ServletInputStream getInputStream() throws IOException {
			if (this.stream == null) {
				this.stream = new LimitedInputStream(super.getInputStream(), this.maxBytes);
			}
			return this.stream;
		}

	}

	private static final class LimitedInputStream extends ServletInputStream {

		private final ServletInputStream delegate;

		private final long maxBytes;

		private long read;

		LimitedInputStream(ServletInputStream delegate, long maxBytes) {
			this.delegate = delegate;
			this.maxBytes = maxBytes;
		}

		@Override
		public int read() throws IOException {
			int next = this.delegate.read();
			if (next >= 0) {
				count(1);
			}
			return next;
		}

		@Override
		public int read(byte[] buffer, int offset, int length) throws IOException {
			int count = this.delegate.read(buffer, offset, length);
			if (count > 0) {
				count(count);
			}
			return count;
		}

		private void count(int bytes) throws RequestBodyTooLargeException {
			this.read += bytes;
			if (this.read > this.maxBytes) {
				throw new RequestBodyTooLargeException(this.maxBytes);
			}
		}

		@Override
		public boolean isFinished() {
			return this.delegate.isFinished();
		}

		@Override
		public boolean isReady() {
			return this.delegate.isReady();
		}

		@Override
		public void setReadListener(ReadListener listener) {
			this.delegate.setReadListener(listener);
		}

	}

}
